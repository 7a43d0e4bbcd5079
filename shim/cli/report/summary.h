/*
 * summary.h
 *	  The insides of `pgtls-shim report`, shared by its files: report.c
 *	  (options, the text summary), report_read.c (files, threads),
 *	  report_fold.c (one record into its group; the --by dimensions),
 *	  report_groups.c (the group table, tallies, merging, readiness) and
 *	  report_json.c (--json), report_metrics.c (--format openmetrics) and
 *	  report_hosts.c (each server host's earliest expiry).  The public half is report.h.
 */
#ifndef PGTLS_SHIM_SUMMARY_H
#define PGTLS_SHIM_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "attr.h"
#include "htab.h"
#include "logrec.h"

#define MAX_TALLY 16
#define RD_MAX	  16 /* room for --by dimensions */

/*
 * What records can be grouped by (--by), report_dims[] in report_fold.c:
 * adding a dimension is one entry there.  The value is the record's string
 * FIELD, or its object FIELD's string MEMBER; when that is missing,
 * FALLBACK's (when not LF_N); NULL_TEXT is how the table shows a null.
 */
struct report_dim
{
	const char *name;	/* as --by and --json spell it */
	const char *member; /* NULL: FIELD itself is the string */
	const char *null_text;
	enum logfield field;
	enum logfield fallback;
};
extern const struct report_dim report_dims[];
extern const int report_ndims;

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
	char *key[RD_MAX]; /* "" for a null value; NULL for a dimension not grouped by */
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

/* The earliest certificate expiry seen for one server host (report_hosts.c). */
struct host_expiry
{
	char *host; /* "" for a null host */
	char expiry[32];
};

/* One connect record's facts, pointing into its line. */
struct rec
{
	const char *key[RD_MAX];
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

/* The names of the nested members report reads, looked up once. */
struct report_keys
{
	struct jkeys tls, audit, rotation, cert, dim[RD_MAX];
};

struct report
{
	struct htab groups; /* entries: struct group * */
	size_t ngroups;
	bool by[RD_MAX];
	bool has_since, has_until;
	int64_t since_ms, until_ms; /* [since, until) */
	struct report_keys keys;
	struct logrec rec; /* the line being read */
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
	long lost_events;  /* records_lost events */
	long records_lost; /* the records they say were never written */
	struct htab hosts; /* struct host_expiry *, by server host */
	size_t nhosts;
};

/* Looks the names up once (report_fold.c). */
void report_keys_init(struct report_keys *k);

/* A report with the options of FROM (dimensions, window) and nothing read; NULL on OOM. */
struct report *report_like(const struct report *from);

/*
 * Adds one line of input (any form; LEN bytes, writable, NUL-terminated)
 * to R.  A line that holds no record is counted in r->invalid.  False only
 * on out-of-memory.
 */
bool report_line(struct report *r, char *line, size_t len) PGS_WUR;

/* Folds REC into its group; false on out-of-memory. */
bool groups_add(struct report *r, const struct rec *rec) PGS_WUR;

/* Adds everything SRC counted to DST (SRC read after DST's input); false on OOM. */
bool report_merge(struct report *dst, const struct report *src) PGS_WUR;

/* The groups sorted by their keys, malloc'd (NULL when none or on OOM). */
struct group **groups_sorted(const struct report *r);

/* Frees every group and the table. */
void groups_free(struct report *r);

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
bool report_print_json(const struct report *r, struct group **v, FILE *out) PGS_WUR;

/*
 * The per-host expiry table (report_hosts.c): hosts_add keeps NOT_AFTER for
 * HOST when it is earlier (NULL NOT_AFTER: nothing; false on OOM);
 * hosts_merge adds SRC's into DST (false on OOM); hosts_sorted returns
 * them by host, malloc'd (NULL when none or on OOM); hosts_free frees them.
 */
bool hosts_add(struct report *r, const char *host, const char *not_after) PGS_WUR;
bool hosts_merge(struct report *dst, const struct report *src) PGS_WUR;
struct host_expiry **hosts_sorted(const struct report *r);
void hosts_free(struct report *r);

/*
 * Writes the summary with the sorted groups V in the Prometheus text
 * exposition format (report_metrics.c); false when that fails.
 */
bool report_print_metrics(const struct report *r, struct group **v, FILE *out) PGS_WUR;

/* Adds N to KEY's count in T (NULL keys are not counted). */
void tally_add(struct tally *t, const char *key, long n);
void tally_free(struct tally *t);

#endif
