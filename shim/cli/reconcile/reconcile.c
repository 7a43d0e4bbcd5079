/*
 * reconcile.c
 *	  pgtls-shim reconcile [--json] [--tolerance SECONDS] [--prefix REGEX]
 *	    (--server-log FILE... | --server CONNINFO [--for SECONDS]) [LOG...]
 *	  Joins the server's view of its sessions with the shim's records: owns
 *	  the arguments, the join (a TCP session is accounted for by the record
 *	  whose local_addr/local_port is the session's host/port and whose ts is
 *	  within the tolerance of the moment the server received it), the tallies
 *	  and the output.  Blind spots are kept grouped by client address, user,
 *	  database, application_name and SSL, so memory follows the number of
 *	  such groups, not of sessions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdopt.h"
#include "json.h"
#include "reconcile.h"
#include "text.h"

#define DEFAULT_TOLERANCE_S 10

const char cli_usage_reconcile[] =
	"usage: pgtls-shim reconcile [--json] [--tolerance SECONDS] [--prefix REGEX]\n"
	"         --server-log FILE [--server-log FILE]... [LOG...]\n"
	"       pgtls-shim reconcile [--json] --server CONNINFO [--for SECONDS] [LOG...]\n"
	"Joins the sessions a PostgreSQL server saw (its log, written with\n"
	"log_connections = on, gzip or plain; or pg_stat_activity sampled once a\n"
	"second) with the shim's records (LOG files, standard input when none):\n"
	"prints the sessions no record accounts for and those where the server and\n"
	"the record disagree about TLS.  A record accounts for a session when its\n"
	"local_addr/local_port is the session's client address and port and its ts\n"
	"is at most --tolerance seconds (default 10) from the server's time.\n"
	"A LOG may hold the records of many hosts, interleaved: it is read in step\n"
	"with the server's log; one out of time order by more than 300 seconds is\n"
	"joined again with every record held in memory.  Blind spots are grouped\n"
	"by client address, user and application_name.\n"
	"Exit 0 when every TCP session has a record and none disagrees, 1 otherwise,\n"
	"2 on trouble.\n";

static bool
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static char *
dup_opt(const char *s, bool *ok)
{
	char *d = s ? strdup(s) : NULL;

	*ok &= s == NULL || d != NULL;
	return d;
}

static uint64_t
group_hash(const struct rc_session *s)
{
	const char *user = s->user ? s->user : "";
	uint64_t h = htab_hash(s->addr, strlen(s->addr) + 1);

	return htab_hash_more(htab_hash_more(h, user, strlen(user) + 1), &s->ssl, 1);
}

static void
blind_free(struct blind *g)
{
	if (g == NULL)
		return;
	free(g->addr);
	free(g->user);
	free(g->db);
	free(g->app);
	free(g);
}

/* A new blind-spot group for S, or NULL on out-of-memory. */
static struct blind *
blind_new(const struct rc_session *s)
{
	struct blind *g = calloc(1, sizeof(*g));
	bool ok = true;

	if (g == NULL)
		return NULL;
	g->addr = dup_opt(s->addr, &ok);
	g->user = dup_opt(s->user, &ok);
	g->db = dup_opt(s->database, &ok);
	g->app = dup_opt(s->app, &ok);
	g->ssl = s->ssl;
	g->first_port = s->port;
	g->first_ms = s->ts_ms;
	if (!ok)
		blind_free(g);
	return ok ? g : NULL;
}

/* Counts S in its blind-spot group; false on out-of-memory. */
static bool
add_blind(struct rc *r, const struct rc_session *s)
{
	uint64_t h = group_hash(s);
	struct blind **e, *g = NULL;

	for (e = htab_first(&r->blind, h); e && g == NULL; e = htab_next(&r->blind, h, e))
		if (strcmp((*e)->addr, s->addr) == 0 && same((*e)->user, s->user) &&
			same((*e)->db, s->database) && same((*e)->app, s->app) && (*e)->ssl == s->ssl)
			g = *e;
	if (g == NULL)
	{
		if ((g = blind_new(s)) == NULL || (e = htab_add(&r->blind, h)) == NULL)
		{
			blind_free(g);
			return false;
		}
		*e = g;
		r->nblind++;
	}
	g->n++;
	r->blind_sessions++;
	return true;
}

/* Keeps the first RC_MAX_DISAGREE disagreements; counts them all. */
static bool
add_disagree(struct rc *r, const struct rc_session *s, const struct rc_match *m)
{
	struct disagree *d = &r->dis[r->ndisagree < RC_MAX_DISAGREE ? r->ndisagree : 0];
	bool ok = true;

	if (r->ndisagree++ >= RC_MAX_DISAGREE)
		return true;
	d->addr = dup_opt(s->addr, &ok);
	d->user = dup_opt(s->user, &ok);
	d->db = dup_opt(s->database, &ok);
	d->app = dup_opt(s->app, &ok);
	d->port = s->port;
	d->server_ssl = s->ssl;
	d->ts_ms = s->ts_ms;
	d->pid = m->pid;
	return ok;
}

/* The join, for each session of the server (rc_session_fn). */
static bool
on_session(void *arg, const struct rc_session *s)
{
	struct rc *r = arg;
	struct rc_match m;

	if (s->port < 0 || strcmp(s->addr, "[local]") == 0)
	{
		r->unix_sessions++;
		return true;
	}
	r->sessions++;
	if (r->windowed)
	{
		if (!rc_sources_upto(r->sources, r->records, s->ts_ms + r->tol_ms + RC_SLACK_MS))
			return false;
		rc_records_forget(r->records, s->ts_ms - r->tol_ms - RC_SLACK_MS);
	}
	if (!rc_records_match(r->records, s->addr, s->port, s->ts_ms, r->tol_ms, &m))
		return add_blind(r, s);
	r->matched++;
	return m.tls == s->ssl || add_disagree(r, s, &m);
}

static void
free_blind(void *arg, void *e)
{
	(void) arg;
	blind_free(*(struct blind **) e);
}

/* Forgets every result of the join (not the records or the sources). */
static void
forget_results(struct rc *r)
{
	htab_each(&r->blind, free_blind, NULL);
	htab_free(&r->blind);
	for (long i = 0; i < r->ndisagree && i < RC_MAX_DISAGREE; i++)
	{
		free(r->dis[i].addr);
		free(r->dis[i].user);
		free(r->dis[i].db);
		free(r->dis[i].app);
	}
	r->sessions = r->matched = r->unix_sessions = r->blind_sessions = r->ndisagree = 0;
	r->nblind = 0;
	memset(&r->st, 0, sizeof(r->st));
}

static void
rc_free(struct rc *r)
{
	forget_results(r);
	rc_records_free(r->records);
	rc_sources_close(r->sources);
	free(r);
}

struct args
{
	bool as_json;
	const char *server;
	int seconds;
	const char *prefix;
	int nlogs;
	const char **logs; /* --server-log FILEs */
	int nrecs;
	const char **recs; /* LOG files; none: standard input */
	double tolerance_s;
};

/* A number in [0, MAX] in TEXT into *V; false when it is not one. */
static bool
number(const char *text, double max, double *v)
{
	char *end;

	*v = strtod(text, &end);
	return end != text && *end == '\0' && *v >= 0 && *v <= max;
}

/* Parses ARGV into *A (arrays sized ARGC): -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
										 {"server-log", required_argument, NULL, 'l'},
										 {"server", required_argument, NULL, 's'},
										 {"prefix", required_argument, NULL, 'p'},
										 {"for", required_argument, NULL, 'f'},
										 {"tolerance", required_argument, NULL, 't'},
										 CMDOPT_HELP,
										 {NULL, 0, NULL, 0}};
	const struct cmdopt c = {"reconcile", cli_usage_reconcile, opts, false};
	int ch, status = 2;
	double v;

	cmdopt_begin();
	while ((ch = cmdopt_next(&c, argc, argv, &status)) != -1)
	{
		if (ch == CMDOPT_EXIT)
			return status;
		if (ch == 'j')
			a->as_json = true;
		else if (ch == 'l')
			a->logs[a->nlogs++] = optarg;
		else if (ch == 's')
			a->server = optarg;
		else if (ch == 'p')
			a->prefix = optarg;
		else if ((ch == 'f' || ch == 't') && !number(optarg, 86400, &v))
			return cmdopt_error(&c, ch == 'f' ? "--for: not a number of seconds up to 86400"
											  : "--tolerance: not a number of seconds up to 86400");
		else if (ch == 'f')
			a->seconds = (int) v;
		else if (ch == 't')
			a->tolerance_s = v;
	}
	while (optind < argc)
		a->recs[a->nrecs++] = argv[optind++];
	if ((a->nlogs > 0) == (a->server != NULL))
		return cmdopt_error(&c, "give either --server-log or --server");
	return -1;
}

/* Each server log in turn against the records, windowed or held (see run); false on trouble. */
static bool
join_logs(struct rc *r, const struct args *a, const regex_t *prefix)
{
	for (int i = 0; i < a->nlogs; i++)
	{
		if (i > 0 && !r->windowed)
			rc_records_unmatch(r->records);
		if (i > 0 && r->windowed)
		{
			rc_records_clear(r->records);
			if (!rc_sources_rewind(r->sources))
				return false;
		}
		if (!rc_serverlog_read(a->logs[i], prefix, on_session, r, &r->st) ||
			(i == 0 && r->windowed && !rc_sources_drain(r->sources)))
			return false;
	}
	return true;
}

/*
 * Joins the records with each server log in turn, reading the records in
 * step with the sessions (and again from the start for the next log: each
 * server is matched on its own), so that memory holds the records of the
 * time window (tolerance + RC_SLACK_MS each side), whatever the number of
 * hosts whose records one file interleaves.  When a file turns out to be
 * more out of order than RC_SLACK_MS (records came late: a shuffled file),
 * the join is done again with every record held (r->held); so it is from
 * the start with the records on standard input and more than one log, and
 * with live sampling.  False on trouble.
 */
static bool
run(struct rc *r, const struct args *a, const regex_t *prefix)
{
	for (int i = 0; i < a->nlogs; i++)
	{
		if (access(a->logs[i], R_OK) != 0)
		{
			fprintf(stderr, "pgtls-shim: cannot read %s: %m\n", a->logs[i]);
			return false;
		}
	}
	r->sources = rc_sources_open(a->recs, a->nrecs);
	if (r->sources == NULL)
		return false;
	r->windowed = a->server == NULL && (a->nlogs == 1 || rc_sources_rewindable(r->sources));
	if (r->windowed)
	{
		if (!join_logs(r, a, prefix))
			return false;
		if (rc_records_late(r->records) == 0 || !rc_sources_rewindable(r->sources))
			return true;
		forget_results(r); /* out of order beyond the window: again, every record held */
		rc_records_clear(r->records);
		if (!rc_sources_rewind(r->sources))
			return false;
		r->windowed = false;
	}
	r->held = true;
	if (!rc_sources_upto(r->sources, r->records, INT64_MAX) || !join_logs(r, a, prefix))
		return false;
	return a->server == NULL || rc_live_sample(a->server, a->seconds, on_session, r);
}

int
cmd_reconcile(int argc, char **argv)
{
	struct args a = {.tolerance_s = DEFAULT_TOLERANCE_S};
	struct rc *r = NULL;
	regex_t prefix;
	int status;
	bool ok;

	a.logs = calloc((size_t) argc, sizeof(char *));
	a.recs = calloc((size_t) argc, sizeof(char *));
	status = (a.logs == NULL || a.recs == NULL) ? 2 : parse_args(argc, argv, &a);
	if (status >= 0)
	{
		if (a.logs == NULL || a.recs == NULL)
			fprintf(stderr, "pgtls-shim: out of memory\n");
		free(a.logs);
		free(a.recs);
		return status;
	}
	if (a.prefix && regcomp(&prefix, a.prefix, REG_EXTENDED) != 0)
	{
		fprintf(stderr, "pgtls-shim: --prefix: not a regular expression: %s\n", a.prefix);
		free(a.logs);
		free(a.recs);
		return 2;
	}
	ok = (r = calloc(1, sizeof(*r))) != NULL && (r->records = rc_records_new()) != NULL;
	if (r != NULL)
		htab_init(&r->blind, sizeof(struct blind *));
	if (ok)
	{
		r->tol_ms = (int64_t) (a.tolerance_s * 1000);
		ok = run(r, &a, a.prefix ? &prefix : NULL);
	}
	if (r == NULL || r->records == NULL)
		fprintf(stderr, "pgtls-shim: out of memory\n");
	if (ok && !rc_print(r, a.as_json, stdout))
		ok = false;
	if (a.prefix)
		regfree(&prefix);
	free(a.logs);
	free(a.recs);
	status = (!ok || r == NULL) ? 2 : (r->matched == r->sessions && r->ndisagree == 0) ? 0 : 1;
	if (r)
		rc_free(r);
	return status;
}
