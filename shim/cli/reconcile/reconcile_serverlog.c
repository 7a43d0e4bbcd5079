/*
 * reconcile_serverlog.c
 *	  Streams a PostgreSQL server log written with log_connections = on and
 *	  turns each pair of
 *	    PREFIX LOG:  connection received: host=H port=P
 *	    PREFIX LOG:  connection authorized: user=U database=D [application_name=A]
 *	                 [SSL enabled (protocol=..., cipher=..., bits=...)] [GSS (...)]
 *	  with the same backend pid into one session (PostgreSQL 12 to 18; the
 *	  older ", compression=..." inside the SSL part and the replication
 *	  variant are read too).  The pid comes from log_line_prefix: the first
 *	  "[NNN]" after the timestamp (Debian's "%m [%p] ", RDS's
 *	  "%t:%r:%u@%d:[%p]:"), else the first bare number token, or the first
 *	  group of a --prefix regex.  The time is the prefix's %m, %t or %n
 *	  (reconcile_time.c).
 *	  Other lines, and a multi-line statement's continuation lines, are
 *	  skipped.  Only sessions received but not yet authorized are kept, and
 *	  those older than ten minutes of log time are dropped (authentication
 *	  failed), so memory follows the connection rate, not the log's size.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "logline.h"
#include "reconcile.h"

#define MAX_AGE_MS ((int64_t) 600 * 1000)

/* A session received, not yet authorized; done once authorized (dropped at the next sweep). */
struct pending
{
	int pid;
	int port;
	bool done;
	int64_t ts_ms;
	char addr[64];
};

struct reader
{
	struct htab pending; /* struct pending, by pid */
	long npending;		 /* not done */
	int64_t now_ms;		 /* for the sweep's keep() */
	int64_t last_sweep_ms;
	const regex_t *prefix;
	struct rc_logstats *st;
	rc_session_fn fn;
	void *arg;
};

/* The decimal number at S (digits checked by the caller). */
static int
number(const char *s)
{
	return (int) strtol(s, NULL, 10);
}

/* The pid in the first group of the user's regex. */
static bool
pid_by_regex(const struct reader *r, const char *prefix, int *pid)
{
	regmatch_t m[2];

	if (regexec(r->prefix, prefix, 2, m, 0) != 0 || m[1].rm_so < 0 ||
		!isdigit((unsigned char) prefix[m[1].rm_so]))
		return false;
	*pid = number(prefix + m[1].rm_so);
	return true;
}

/* The first "[digits]", else the first bare token of digits, from S on. */
static bool
pid_in(const char *s, int *pid)
{
	const char *p;

	for (p = s; (p = strchr(p, '[')) != NULL; p++)
	{
		size_t n = strspn(p + 1, "0123456789");

		if (n > 0 && p[1 + n] == ']')
		{
			*pid = number(p + 1);
			return true;
		}
	}
	for (p = s; *p; p++)
	{
		size_t n = strspn(p, "0123456789");

		if (n > 0 && (p == s || p[-1] == ' ' || p[-1] == ':') &&
			(p[n] == '\0' || p[n] == ' ' || p[n] == ':' || p[n] == ','))
		{
			*pid = number(p);
			return true;
		}
		p += n ? n - 1 : 0;
	}
	return false;
}

/* Time and pid of the prefix PREFIX (NUL-terminated); false without a pid. */
static bool
read_prefix(struct reader *r, const char *prefix, int64_t *ms, int *pid)
{
	bool unknown_zone = false;
	const char *after = rc_parse_logtime(prefix, ms, &unknown_zone);

	r->st->unknown_zone += unknown_zone;
	if (after == NULL)
		return false;
	return r->prefix ? pid_by_regex(r, prefix, pid) : pid_in(after, pid);
}

/*
 * The message after MARKER when LINE is "PREFIX LOG:  [SQLSTATE: ]MARKER...":
 * cuts LINE at the end of PREFIX.  NULL when LINE is something else.
 */
static char *
message(char *line, const char *marker)
{
	char *m = strstr(line, marker);
	char *p = m;

	if (m == NULL)
		return NULL;
	while (p > line && p[-1] == ' ')
		p--;
	if (p - line >= 6 && strncmp(p - 6, "00000:", 6) == 0)
		for (p -= 6; p > line && p[-1] == ' ';)
			p--;
	if (p - line < 4 || strncmp(p - 4, "LOG:", 4) != 0)
		return NULL;
	p[-4] = '\0';
	return m + strlen(marker);
}

static uint64_t
pid_hash(int pid)
{
	return htab_hash(&pid, sizeof(pid));
}

/* The session received by PID and not yet authorized, or NULL. */
static struct pending *
pending_of(struct reader *r, int pid)
{
	struct pending *e;

	for (e = htab_first(&r->pending, pid_hash(pid)); e;
		 e = htab_next(&r->pending, pid_hash(pid), e))
		if (e->pid == pid && !e->done)
			return e;
	return NULL;
}

/* For htab_filter: still waiting, and not for more than ten minutes. */
static bool
keep(void *arg, const void *entry)
{
	const struct reader *r = arg;
	const struct pending *e = entry;

	return !e->done && r->now_ms - e->ts_ms <= MAX_AGE_MS;
}

/*
 * Drops the authorized sessions once they are most of the table, and those
 * never authorized for ten minutes of log time, looked for once a minute.
 */
static void
sweep(struct reader *r, int64_t now_ms)
{
	bool stale = r->npending >= 1024 && now_ms - r->last_sweep_ms >= 60000;
	bool done = r->pending.n >= 1024 && r->pending.n > 2 * (size_t) r->npending;

	if (!stale && !done)
		return;
	if (stale)
		r->last_sweep_ms = now_ms;
	r->now_ms = now_ms;
	if (htab_filter(&r->pending, keep, r)) /* else kept: slower, not wrong */
		r->npending = (long) r->pending.n;
}

/* "host=H port=P" (or "host=[local]") for PID at TS: remembered until authorized. */
static bool
received(struct reader *r, int pid, int64_t ts, const char *text)
{
	struct pending *e = pending_of(r, pid);
	const char *port = strstr(text, " port=");
	size_t n = strcspn(text, " ");

	if (e == NULL)
	{
		if ((e = htab_add(&r->pending, pid_hash(pid))) == NULL)
			return false;
		e->pid = pid;
		r->npending++;
	}
	e->ts_ms = ts;
	e->port = port ? number(port + 6) : -1;
	n = n < sizeof(e->addr) ? n : sizeof(e->addr) - 1;
	memcpy(e->addr, text, n);
	e->addr[n] = '\0';
	sweep(r, ts);
	return true;
}

/* Cuts TEXT at the first of the markers " SSL enabled (" and " GSS (". */
static bool
cut_security(char *text)
{
	char *ssl = strstr(text, " SSL enabled (");
	char *gss = strstr(text, " GSS (");

	if (gss && (ssl == NULL || gss < ssl))
		*gss = '\0';
	if (ssl)
		*ssl = '\0';
	return ssl != NULL;
}

/* "user=U database=D application_name=A SSL enabled (...)" for PID. */
static bool
authorized(struct reader *r, int pid, char *text, bool replication)
{
	struct pending *e = pending_of(r, pid);
	struct rc_session s = {.user = text};
	char *db;
	char *app;
	bool go;

	if (e == NULL)
	{
		r->st->unpaired++;
		return true;
	}
	s.ssl = cut_security(text);
	app = strstr(text, " application_name=");
	if (app)
		*app = '\0', s.app = app + 18;
	db = replication ? NULL : strstr(text, " database=");
	if (db)
		*db = '\0', s.database = db + 10;
	s.ts_ms = e->ts_ms;
	s.addr = e->addr;
	s.port = strcmp(e->addr, "[local]") == 0 ? -1 : e->port;
	go = r->fn(r->arg, &s);
	e->done = true;
	r->npending--;
	return go;
}

/* One line of the log; false when the callback said stop or memory ran out. */
static bool
one_line(struct reader *r, char *line)
{
	static const char *const markers[] = {
		"connection received: host=", "replication connection authorized: user=",
		"connection authorized: user="};
	int64_t ts;
	int pid;

	r->st->lines++;
	if (line[0] == '\t' || strstr(line, "connection ") == NULL)
		return true;
	for (int i = 0; i < 3; i++)
	{
		char *text = message(line, markers[i]);

		if (text == NULL)
			continue;
		if (!read_prefix(r, line, &ts, &pid))
			return true;
		return i == 0 ? received(r, pid, ts, text) : authorized(r, pid, text, i == 1);
	}
	return true;
}

bool
rc_serverlog_read(const char *path, const regex_t *prefix, rc_session_fn fn, void *arg,
				  struct rc_logstats *st)
{
	struct reader *r = calloc(1, sizeof(*r));
	struct logline l;
	char *line;
	size_t len;
	int got = 1;
	bool ok = ll_open(&l, path);

	if (!ok)
		fprintf(stderr, "pgtls-shim: cannot open %s: %s\n", path, l.error);
	if (ok && r == NULL)
	{
		fprintf(stderr, "pgtls-shim: out of memory\n");
		ok = false;
	}
	if (ok)
	{
		*r = (struct reader){.prefix = prefix, .st = st, .fn = fn, .arg = arg};
		htab_init(&r->pending, sizeof(struct pending));
		while (ok && (got = ll_next(&l, &line, &len)) == 1)
			ok = one_line(r, line);
		if (got < 0)
		{
			fprintf(stderr, "pgtls-shim: reading %s: %s\n", path, l.error);
			ok = false;
		}
	}
	if (r != NULL)
		htab_free(&r->pending);
	free(r);
	ll_close(&l);
	return ok;
}
