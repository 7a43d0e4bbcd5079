/*
 * reconcile.h
 *	  Shared by the parts of `pgtls-shim reconcile`: the client records kept
 *	  in a table keyed by (local_addr, local_port) (reconcile_records.c), the
 *	  server's sessions streamed from a log (reconcile_serverlog.c) or sampled
 *	  live from pg_stat_activity (reconcile_live.c), the records read through
 *	  the log tools' reader (reconcile_sources.c, logs/logrec.c), and the
 *	  join and its output (reconcile.c, reconcile_output.c).  The command's
 *	  entry, cmd_reconcile, is declared here for main.c.
 */
#ifndef PGTLS_SHIM_RECONCILE_H
#define PGTLS_SHIM_RECONCILE_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "attr.h"
#include "htab.h"

extern const char cli_usage_reconcile[];

/* pgtls-shim reconcile ARGS: the exit status. */
int cmd_reconcile(int argc, char **argv);

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

/* A client record with a local address: all that is kept of it. */
#define RC_F_USED	 1
#define RC_F_TLS	 2
#define RC_F_MATCHED 4
struct rc_entry
{
	uint8_t addr[16]; /* IPv6, or IPv4 mapped into IPv6 */
	uint16_t port;
	uint8_t flags; /* RC_F_* */
	int32_t pid;
	int64_t ts_ms;
};

/* ADDR as 16 bytes, IPv4 mapped (::ffff:a.b.c.d) so both spellings agree. */
bool rc_addr_bytes(const char *addr, uint8_t out[16]) PGS_WUR;

/*
 * The records held (reconcile_records.c).  rc_records_add adds a copy of E
 * (false on out-of-memory).  rc_records_match finds the unmatched record for
 * ADDR:PORT whose ts is nearest TS_MS and at most TOL_MS away, marks it
 * matched and fills *M; false when there is none.  rc_records_forget says
 * that records older than BEFORE_MS can no longer match and may be dropped;
 * rc_records_late counts the records added after that.  rc_records_clear
 * empties the table, rc_records_unmatch makes every record unmatched again,
 * for another server log: a client's address and port are unique for one
 * server at a time, not across servers.
 */
struct rc_records;
struct rc_records *rc_records_new(void);
void rc_records_free(struct rc_records *t);
bool rc_records_add(struct rc_records *t, const struct rc_entry *e) PGS_WUR;
bool rc_records_match(struct rc_records *t, const char *addr, int port, int64_t ts_ms,
					  int64_t tol_ms, struct rc_match *m) PGS_WUR;
void rc_records_forget(struct rc_records *t, int64_t before_ms);
void rc_records_clear(struct rc_records *t);
void rc_records_unmatch(struct rc_records *t);
long rc_records_late(const struct rc_records *t);

/*
 * The LOG files (or standard input when N is 0; "-" is standard input too)
 * as streams (reconcile_sources.c).  rc_sources_open returns NULL when one
 * cannot be opened or read (the message is on stderr).  rc_sources_upto adds
 * to T every record up to MS of each stream, in its order; false on a read
 * error or out-of-memory.  rc_sources_rewind starts them over (false for
 * standard input, which rc_sources_rewindable tells); rc_sources_drain
 * reads the rest without keeping it (to count it, and to find a damaged
 * file); rc_sources_read counts the records with an address of the first
 * pass.
 */
struct rc_sources;
struct rc_sources *rc_sources_open(const char *const *paths, int n);
bool rc_sources_upto(struct rc_sources *all, struct rc_records *t, int64_t ms) PGS_WUR;
bool rc_sources_drain(struct rc_sources *all) PGS_WUR;
bool rc_sources_rewindable(const struct rc_sources *all);
bool rc_sources_rewind(struct rc_sources *all) PGS_WUR;
long rc_sources_read(const struct rc_sources *all);
void rc_sources_close(struct rc_sources *all);

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
					   struct rc_logstats *st) PGS_WUR;

/*
 * Samples pg_stat_activity joined with pg_stat_ssl on CONNINFO once a
 * second for SECONDS, calling FN once for each client session seen.  False
 * when the server cannot be reached or queried (the message is on stderr).
 */
bool rc_live_sample(const char *conninfo, int seconds, rc_session_fn fn, void *arg) PGS_WUR;

/*
 * Finds the first time (%m, %t, or %n at the start) in a log line's PREFIX:
 * *MS gets it (0 when none) and *UNKNOWN_ZONE whether its zone was unknown
 * (read as UTC).  Returns the text after the time (PREFIX when none), NULL
 * when the time is malformed.
 */
const char *rc_parse_logtime(const char *prefix, int64_t *ms, bool *unknown_zone);

/* How far out of time order records and sessions may come, each in its own stream. */
#define RC_SLACK_MS		((int64_t) 300 * 1000)
#define RC_MAX_DISAGREE 1000

/* Server sessions no record accounts for, with the same client, user, database, app, SSL. */
struct blind
{
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
	struct rc_sources *sources;
	bool windowed; /* records read in step with the sessions */
	bool held;	   /* every record held in memory (not windowed) */
	int64_t tol_ms;
	long sessions;
	long matched;
	long unix_sessions;
	long blind_sessions;
	long ndisagree;
	size_t nblind;
	struct htab blind; /* struct blind *, by client address, user and SSL */
	struct disagree dis[RC_MAX_DISAGREE];
	struct rc_logstats st;
};

/* Prints R as text or as one JSON object to OUT; false when writing fails. */
bool rc_print(const struct rc *r, bool as_json, FILE *out) PGS_WUR;

#endif
