/*
 * reconcile.h
 *	  Shared by the parts of `pgtls-shim reconcile`: the client records kept
 *	  in a table keyed by (local_addr, local_port) (reconcile_records.c), the
 *	  server's sessions streamed from a log (reconcile_serverlog.c) or sampled
 *	  live from pg_stat_activity (reconcile_live.c), and the join and its
 *	  output (reconcile.c).
 */
#ifndef PGTLS_SHIM_RECONCILE_H
#define PGTLS_SHIM_RECONCILE_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <zlib.h>

#define RC_WUR __attribute__((warn_unused_result))

/* One session the server authorized, as its log or pg_stat_activity shows it. */
struct rc_session
{
	int64_t ts_ms;		  /* when the server received it (Unix epoch, ms) */
	const char *addr;	  /* client address; "[local]" for a Unix socket */
	int port;			  /* client port; -1 for a Unix socket */
	const char *user;	  /* NULL when the server did not say */
	const char *database; /* NULL for a replication connection */
	const char *app;	  /* application_name, NULL when none */
	bool ssl;
};

/* Called for each session; false stops the reading (out of memory). */
typedef bool (*rc_session_fn)(void *arg, const struct rc_session *s);

/* What a client record says about the session it was matched to. */
struct rc_match
{
	int64_t ts_ms;
	int pid;
	bool tls;
};

/*
 * The client records with a local address, in an open-addressing table:
 * 32 bytes each.  rc_records_read adds the records of PATH (gzip or plain;
 * NULL: standard input) and returns false when it cannot be read (the
 * message is on stderr); lines that are not connect records with a local
 * address are skipped.  rc_records_match finds the unmatched record for
 * ADDR:PORT whose ts is nearest TS_MS and at most TOL_MS away, marks it
 * matched and fills *M; false when there is none.
 */
struct rc_records;
struct rc_records *rc_records_new(void);
void rc_records_free(struct rc_records *t);
bool rc_records_read(struct rc_records *t, const char *path) RC_WUR;
bool rc_records_match(struct rc_records *t, const char *addr, int port, int64_t ts_ms,
					  int64_t tol_ms, struct rc_match *m) RC_WUR;
size_t rc_records_count(const struct rc_records *t);

/* Totals of the server-log reading, for the summary. */
struct rc_logstats
{
	long lines;
	long unpaired;	   /* authorized with no received line for its pid */
	long unknown_zone; /* timestamps whose zone was taken as UTC */
};

/*
 * Streams the PostgreSQL log PATH (gzip or plain), calling FN for each
 * authorized session.  PREFIX, when not NULL, is a regex whose first group
 * is the pid in a line's log_line_prefix; otherwise the pid is found as
 * described in reconcile_serverlog.c.  False when PATH cannot be read or FN
 * said stop.
 */
bool rc_serverlog_read(const char *path, const regex_t *prefix, rc_session_fn fn, void *arg,
					   struct rc_logstats *st) RC_WUR;

/*
 * Samples pg_stat_activity joined with pg_stat_ssl on CONNINFO once a
 * second for SECONDS, calling FN once for each client session seen.  False
 * when the server cannot be reached or queried (the message is on stderr).
 */
bool rc_live_sample(const char *conninfo, int seconds, rc_session_fn fn, void *arg) RC_WUR;

/*
 * Reads one line of F into *BUF (grown as needed, NUL-terminated, newline
 * stripped).  False at the end of the input or on an error (gzerror).
 */
bool rc_gzline(gzFile f, char **buf, size_t *cap) RC_WUR;

/* Parses an RFC 3339 UTC time ("2026-11-26T02:37:47.123Z") into *MS. */
bool rc_parse_rfc3339(const char *s, int64_t *ms) RC_WUR;

/*
 * Finds the first time (%m, %t, or %n at the start) in a log line's PREFIX:
 * *MS gets it (0 when none) and *UNKNOWN_ZONE whether its zone was unknown
 * (read as UTC).  Returns the text after the time (PREFIX when none), NULL
 * when the time is malformed.
 */
const char *rc_parse_logtime(const char *prefix, int64_t *ms, bool *unknown_zone);

#define RC_BUCKETS		4096
#define RC_MAX_DISAGREE 1000

/* Server sessions no record accounts for, with the same client, user, database, app, SSL. */
struct blind
{
	struct blind *next;
	char *addr;
	char *user;
	char *db;
	char *app;
	bool ssl;
	int first_port;
	int64_t first_ms;
	long n;
};

struct disagree
{
	char *addr;
	char *user;
	char *db;
	char *app;
	int port;
	bool server_ssl;
	int64_t ts_ms;
	int pid; /* the record's process */
};

/* The join's state and totals (reconcile.c), printed by reconcile_output.c. */
struct rc
{
	struct rc_records *records;
	int64_t tol_ms;
	long sessions;
	long matched;
	long unix_sessions;
	long blind_sessions;
	long ndisagree;
	size_t nblind;
	struct blind *bucket[RC_BUCKETS];
	struct disagree dis[RC_MAX_DISAGREE];
	struct rc_logstats st;
};

/* Prints R as text or as one JSON object to OUT; false when writing fails. */
bool rc_print(const struct rc *r, bool as_json, FILE *out) RC_WUR;

#endif
