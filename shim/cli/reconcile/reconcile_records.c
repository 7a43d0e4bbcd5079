/*
 * reconcile_records.c
 *	  The client records `pgtls-shim reconcile` holds: those that carry
 *	  local_addr/local_port, in the log tools' hash table (logs/htab.c)
 *	  keyed by the address and port (a key may occur more than once when a
 *	  port was reused), 40 bytes an entry.  Records too old to match any
 *	  session still to come are forgotten, by rebuilding the table whenever
 *	  it has doubled since the last rebuild, so that the table holds about
 *	  the time window the join looks at, not the whole of the records.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "reconcile.h"

#define MIN_FORGET 16384 /* entries below which forgetting is not worth a rebuild */

struct rc_records
{
	struct htab t;		  /* struct rc_entry, by address and port */
	size_t kept;		  /* entries after the last rebuild */
	int64_t watermark_ms; /* records older than this can no longer match */
	long late;			  /* records added below the watermark */
};

bool
rc_addr_bytes(const char *addr, uint8_t out[16])
{
	struct in_addr v4;

	if (inet_pton(AF_INET6, addr, out) == 1)
		return true;
	if (inet_pton(AF_INET, addr, &v4) != 1)
		return false;
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &v4, 4);
	return true;
}

static uint64_t
hash_key(const uint8_t addr[16], uint16_t port)
{
	return htab_hash_more(htab_hash(addr, 16), &port, sizeof(port));
}

bool
rc_records_add(struct rc_records *t, const struct rc_entry *e)
{
	struct rc_entry *slot = htab_add(&t->t, hash_key(e->addr, e->port));

	if (slot == NULL)
		return false;
	*slot = *e;
	t->late += e->ts_ms < t->watermark_ms;
	return true;
}

/* For htab_filter: records that can still match. */
static bool
recent(void *arg, const void *entry)
{
	return ((const struct rc_entry *) entry)->ts_ms >= *(const int64_t *) arg;
}

void
rc_records_forget(struct rc_records *t, int64_t before_ms)
{
	if (before_ms > t->watermark_ms)
		t->watermark_ms = before_ms;
	if (t->t.n < MIN_FORGET || t->t.n < 2 * t->kept)
		return;
	if (htab_filter(&t->t, recent, &t->watermark_ms)) /* else keep them all: slower, not wrong */
		t->kept = t->t.n;
}

static void
unmatch(void *arg, void *entry)
{
	(void) arg;
	((struct rc_entry *) entry)->flags &= (uint8_t) ~RC_F_MATCHED;
}

void
rc_records_unmatch(struct rc_records *t)
{
	htab_each(&t->t, unmatch, NULL);
}

void
rc_records_clear(struct rc_records *t)
{
	htab_free(&t->t);
	t->kept = 0;
	t->watermark_ms = INT64_MIN;
}

long
rc_records_late(const struct rc_records *t)
{
	return t->late;
}

bool
rc_records_match(struct rc_records *t, const char *addr, int port, int64_t ts_ms, int64_t tol_ms,
				 struct rc_match *m)
{
	struct rc_entry *best = NULL, *e;
	uint8_t a[16];
	uint64_t h;

	if (port < 0 || port > 65535 || !rc_addr_bytes(addr, a))
		return false;
	h = hash_key(a, (uint16_t) port);
	for (e = htab_first(&t->t, h); e; e = htab_next(&t->t, h, e))
	{
		int64_t d = e->ts_ms > ts_ms ? e->ts_ms - ts_ms : ts_ms - e->ts_ms;

		if (e->port != port || memcmp(e->addr, a, 16) != 0 || (e->flags & RC_F_MATCHED) ||
			d > tol_ms)
			continue;
		if (best == NULL || d < llabs(best->ts_ms - ts_ms))
			best = e;
	}
	if (best == NULL)
		return false;
	best->flags |= RC_F_MATCHED;
	m->ts_ms = best->ts_ms;
	m->pid = best->pid;
	m->tls = (best->flags & RC_F_TLS) != 0;
	return true;
}

struct rc_records *
rc_records_new(void)
{
	struct rc_records *t = calloc(1, sizeof(struct rc_records));

	if (t)
	{
		htab_init(&t->t, sizeof(struct rc_entry));
		t->watermark_ms = INT64_MIN;
	}
	return t;
}

void
rc_records_free(struct rc_records *t)
{
	if (t == NULL)
		return;
	htab_free(&t->t);
	free(t);
}
