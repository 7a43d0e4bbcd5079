/*
 * report.h
 *	  The insides of `pgtls-shim report`, shared by its files:
 *	  report_read.c (input formats, one record's fields), report_time.c
 *	  (timestamps), report_groups.c (the group table, its tallies, and
 *	  readiness), report_json.c (--json) and report.c (options, the table).  The public half (report_new, report_read, report_print,
 *	  report_free) is in cli.h for the command and the fuzz target.
 */
#ifndef PGTLS_SHIM_REPORT_H
#define PGTLS_SHIM_REPORT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

#define MAX_TALLY 16

/* What records can be grouped by (--by). */
enum rdim
{
	RD_PROGRAM = 0,
	RD_SCRIPT, /* the record's script, else its program */
	RD_HOST,
	RD_RULE,
	RD_N
};

/* A small counted set of strings (reasons, protocols). */
struct tally
{
	size_t n;
	char *key[MAX_TALLY];
	long count[MAX_TALLY];
	long other; /* beyond MAX_TALLY distinct keys */
};

struct group
{
	char *key[RD_N]; /* "" for a null value; NULL for a dimension not grouped by */
	uint64_t hash;
	long conns;
	long tls;
	long verified;
	long would_refuse; /* audit: would_refuse; enforce: refused or failed */
	long refused;	   /* enforce: refused or failed */
	long failed;	   /* outcome "failed", any mode: failing today */
	long expiry_warnings;
	long rotation;	  /* records with a rotation object */
	long would_break; /* of those, the ones that would break at rotation */
	struct tally reasons;
	struct tally protocols;
	struct tally break_reasons;
	char expiry[32]; /* earliest not_after seen, RFC 3339 */
};

/* One connect record's fields, pointing into its parsed JSON. */
struct rec
{
	const char *key[RD_N];
	bool tls;
	const char *protocol;
	bool verified;
	bool enforce;
	const char *outcome;
	const char *refuse_reason; /* audit would_refuse, or enforce refused/failed */
	bool expiry_warning;
	const char *not_after; /* earliest in the chain, or NULL */
	bool rotation;
	bool would_break;
	const char *break_reason;
};

struct report
{
	struct group **slot; /* open addressing, power-of-two capacity */
	size_t cap;
	size_t ngroups;
	bool by[RD_N];
	bool has_since, has_until;
	int64_t since_ms, until_ms; /* [since, until) */
	json_tokener *tok;
	long records;
	long policy_errors;
	long blind_spots;
	struct tally blind_programs;
	long invalid;
	long outside; /* records outside --since/--until */
	long would_refuse;
	long refused;
	long failed;
	long rotation;
	long would_break;
};

/*
 * Adds one line of input (any format; LEN bytes, not necessarily
 * NUL-terminated at LEN) to R.  A line that holds no record is counted in
 * r->invalid.  False only on out-of-memory.
 */
bool report_line(struct report *r, const char *line, size_t len)
	__attribute__((warn_unused_result));

/*
 * Adds the records of the file PATH (plain or gzip; "-" is standard input)
 * to R.  False, with a message on stderr, when it cannot be opened or read.
 */
bool report_read_path(struct report *r, const char *path) __attribute__((warn_unused_result));

/*
 * Parses an RFC 3339 time or a YYYY-MM-DD date into milliseconds since the
 * epoch; a date alone is its first millisecond, or with END the first of the
 * next day.  False when S is neither.
 */
bool report_parse_time(const char *s, bool end, int64_t *ms) __attribute__((warn_unused_result));

/* Folds REC into its group; false on out-of-memory. */
bool groups_add(struct report *r, const struct rec *rec) __attribute__((warn_unused_result));

/* The groups sorted by their keys, malloc'd (NULL when none or on OOM). */
struct group **groups_sorted(const struct report *r);

/* Frees every group and the table. */
void groups_free(struct report *r);

/* The names of the dimensions, as --by and --json spell them. */
extern const char *const report_dim_name[RD_N];

/*
 * Readiness: to enforce, at least one connection record and nothing in the
 * way (would-refuse, enforce refusals and failures, blind spots, policy
 * errors); to rotate, no connection that would break.  The reasons of "no"
 * go into B (SIZE bytes), comma-separated.
 */
bool report_ready_to_enforce(const struct report *r);
bool report_ready_to_rotate(const struct report *r);
void report_not_ready_because(const struct report *r, char *b, size_t size);

/* Writes the summary with the sorted groups V as one JSON object; false when that fails. */
bool report_print_json(const struct report *r, struct group **v, FILE *out)
	__attribute__((warn_unused_result));

void tally_add(struct tally *t, const char *key);
void tally_free(struct tally *t);

#endif
