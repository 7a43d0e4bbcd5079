/*
 * reconcile_sources.c
 *	  Where `pgtls-shim reconcile` reads the client records from: LOG files
 *	  or standard input, in any form the log tools read (logs/logrec.c:
 *	  plain or gzip, a syslog prefix, journald exports), one line at a time.  Each file is a stream
 *	  read in step with the server's sessions: rc_sources_upto adds the
 *	  records up to a time and keeps the next one as a lookahead, so only
 *	  the records around the sessions being joined are in memory.  A file
 *	  is in time order give or take the time connections take (a record's
 *	  ts is when the attempt started; it is written when it ends).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recfields.h"
#include "logline.h"
#include "logrec.h"
#include "logtime.h"
#include "reconcile.h"

struct source
{
	const char *path; /* NULL: standard input */
	struct logline l;
	bool open;
	bool has_next;
	struct rc_entry next;
};

struct rc_sources
{
	struct logrec rec;
	bool first_pass;
	long read; /* records with an address, in the first pass */
	int n;
	struct source src[];
};

/* The entry for the record in R; false when it is not one to keep. */
static bool
entry_of(struct logrec *r, struct rc_entry *e)
{
	const char *event = logrec_str(r, LF_EVENT);
	const char *ts = logrec_str(r, LF_TS);
	const char *addr = logrec_str(r, LF_LOCAL_ADDR);
	long port, pid;

	if (addr == NULL || ts == NULL || event == NULL || strcmp(event, RF_EVENT_CONNECT) != 0 ||
		!jv_int(&r->f[LF_LOCAL_PORT], 0, 65535, &port))
		return false;
	memset(e, 0, sizeof(*e));
	if (!rc_addr_bytes(addr, e->addr) || !lt_rfc3339(ts, &e->ts_ms))
		return false;
	e->port = (uint16_t) port;
	e->flags = RC_F_USED;
	if (r->f[LF_TLS].type == JT_OBJECT)
		e->flags |= RC_F_TLS;
	if (jv_int(&r->f[LF_PID], INT32_MIN, INT32_MAX, &pid))
		e->pid = (int32_t) pid;
	return true;
}

static const char *
name_of(const struct source *s)
{
	return s->path ? s->path : "standard input";
}

/* The next record with an address of S into its lookahead; false on a read error. */
static bool
read_next(struct rc_sources *all, struct source *s)
{
	char *line;
	size_t len;
	int got = 1;

	s->has_next = false;
	while (!s->has_next && (got = ll_next(&s->l, &line, &len)) == 1)
		s->has_next = logrec_parse(&all->rec, line, len) && entry_of(&all->rec, &s->next);
	all->read += s->has_next && all->first_pass;
	if (got < 0)
	{
		fprintf(stderr, "pgtls-shim: reading %s: %s\n", name_of(s), s->l.error);
		return false;
	}
	return true;
}

/* (Re)opens S and reads its first record; false when it cannot. */
static bool
open_source(struct rc_sources *all, struct source *s)
{
	if (s->open)
		ll_close(&s->l);
	s->open = true;
	if (!ll_open(&s->l, s->path ? s->path : "-"))
	{
		fprintf(stderr, "pgtls-shim: cannot open %s: %s\n", name_of(s), s->l.error);
		return false;
	}
	return read_next(all, s);
}

struct rc_sources *
rc_sources_open(const char *const *paths, int n)
{
	int count = n > 0 ? n : 1;
	struct rc_sources *all = calloc(1, sizeof(*all) + (size_t) count * sizeof(struct source));
	bool ok = all != NULL;

	if (!ok)
		fprintf(stderr, "pgtls-shim: out of memory\n");
	else
		logrec_init(&all->rec);
	for (int i = 0; ok && i < count; i++)
	{
		all->n++;
		all->first_pass = true;
		all->src[i].path = (n == 0 || strcmp(paths[i], "-") == 0) ? NULL : paths[i];
		ok = open_source(all, &all->src[i]);
	}
	if (!ok)
	{
		rc_sources_close(all);
		return NULL;
	}
	return all;
}

bool
rc_sources_rewind(struct rc_sources *all)
{
	all->first_pass = false;
	for (int i = 0; i < all->n; i++)
		if (all->src[i].path == NULL || !open_source(all, &all->src[i]))
			return false;
	return true;
}

bool
rc_sources_upto(struct rc_sources *all, struct rc_records *t, int64_t ms)
{
	for (int i = 0; i < all->n; i++)
	{
		struct source *s = &all->src[i];

		while (s->has_next && s->next.ts_ms <= ms)
		{
			if (!rc_records_add(t, &s->next))
			{
				fprintf(stderr, "pgtls-shim: out of memory\n");
				return false;
			}
			if (!read_next(all, s))
				return false;
		}
	}
	return true;
}

bool
rc_sources_drain(struct rc_sources *all)
{
	for (int i = 0; i < all->n; i++)
		while (all->src[i].has_next)
			if (!read_next(all, &all->src[i]))
				return false;
	return true;
}

bool
rc_sources_rewindable(const struct rc_sources *all)
{
	for (int i = 0; i < all->n; i++)
		if (all->src[i].path == NULL)
			return false;
	return true;
}

long
rc_sources_read(const struct rc_sources *all)
{
	return all->read;
}

void
rc_sources_close(struct rc_sources *all)
{
	if (all == NULL)
		return;
	for (int i = 0; i < all->n; i++)
		if (all->src[i].open)
			ll_close(&all->src[i].l);
	logrec_free(&all->rec);
	free(all);
}
