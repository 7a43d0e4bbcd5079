/*
 * reconcile_live.c
 *	  `pgtls-shim reconcile --server CONNINFO --for SECONDS`: the server's
 *	  view from pg_stat_activity joined with pg_stat_ssl instead of a log,
 *	  sampled once a second.  Each client session is reported once, when it
 *	  is first seen (a session is its pid and backend_start); the sampling
 *	  connection itself is left out.  Sessions shorter than a second can be
 *	  missed: the log is the complete source, this is the quick one.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reconcile.h"

static const char query[] =
	"SELECT coalesce(host(a.client_addr), '[local]'), coalesce(a.client_port, -1),"
	" coalesce((extract(epoch FROM a.backend_start) * 1000)::bigint, 0), a.usename, a.datname,"
	" nullif(a.application_name, ''), coalesce(s.ssl, false), a.pid"
	" FROM pg_catalog.pg_stat_activity a JOIN pg_catalog.pg_stat_ssl s USING (pid)"
	" WHERE a.backend_type = 'client backend' AND a.pid <> pg_catalog.pg_backend_pid()";

struct seen
{
	size_t n;
	size_t cap;
	struct
	{
		int pid;
		int64_t start_ms;
	} * v;
};

/* True when PID/START was seen before; else remembers it (false). */
static bool
seen_before(struct seen *s, int pid, int64_t start_ms, bool *oom)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].pid == pid && s->v[i].start_ms == start_ms)
			return true;
	if (s->n == s->cap)
	{
		size_t cap = s->cap ? s->cap * 2 : 256;
		void *v = realloc(s->v, cap * sizeof(*s->v));

		if (v == NULL)
		{
			*oom = true;
			return true;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].pid = pid;
	s->v[s->n++].start_ms = start_ms;
	return false;
}

static const char *
value(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* One sample: FN for each session not seen before; false on failure. */
static bool
sample(PGconn *conn, struct seen *seen, rc_session_fn fn, void *arg)
{
	PGresult *res = PQexec(conn, query);
	bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	bool oom = false;

	if (!ok)
		fprintf(stderr, "pgtls-shim: sampling pg_stat_activity: %s", PQerrorMessage(conn));
	for (int i = 0; ok && i < PQntuples(res); i++)
	{
		struct rc_session s = {
			.addr = value(res, i, 0),
			.port = (int) strtol(value(res, i, 1), NULL, 10),
			.ts_ms = strtoll(value(res, i, 2), NULL, 10),
			.user = value(res, i, 3),
			.database = value(res, i, 4),
			.app = value(res, i, 5),
			.ssl = strcmp(value(res, i, 6), "t") == 0,
		};

		if (!seen_before(seen, (int) strtol(value(res, i, 7), NULL, 10), s.ts_ms, &oom))
			ok = fn(arg, &s);
		ok = ok && !oom;
	}
	PQclear(res);
	return ok;
}

bool
rc_live_sample(const char *conninfo, int seconds, rc_session_fn fn, void *arg)
{
	PGconn *conn = PQconnectdb(conninfo);
	struct seen seen = {0};
	struct timespec start;
	bool ok = PQstatus(conn) == CONNECTION_OK;

	if (!ok)
		fprintf(stderr, "pgtls-shim: cannot connect to the server: %s", PQerrorMessage(conn));
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int n = 0; ok && n <= seconds; n++)
	{
		struct timespec next = {.tv_sec = start.tv_sec + n, .tv_nsec = start.tv_nsec};

		/* One sample a second, on the second since the start: no drift. */
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		ok = sample(conn, &seen, fn, arg);
	}
	free(seen.v);
	PQfinish(conn);
	return ok;
}
