/*
 * reconcile_records.c
 *	  The client records `pgtls-shim reconcile` holds: those that carry
 *	  local_addr/local_port, in one open-addressing table keyed by the
 *	  address and port (linear probing; a key may occur more than once when
 *	  a port was reused), 32 bytes an entry.  Records too old to match any
 *	  session still to come are forgotten, by rebuilding the table whenever
 *	  it has doubled since the last rebuild, so that the table holds about
 *	  the time window the join looks at, not the whole of the records.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile.h"

#define MIN_FORGET 65536 /* entries below which forgetting is not worth a rebuild */

struct rc_records
{
	struct rc_entry *slot;
	size_t cap; /* a power of two */
	size_t n;
	size_t kept;		  /* n after the last rebuild */
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

static size_t
hash_key(const uint8_t addr[16], uint16_t port)
{
	uint64_t h = 1469598103934665603ULL;

	for (int i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 1099511628211ULL;
	h = (h ^ port) * 1099511628211ULL;
	return (size_t) (h ^ (h >> 29));
}

static void
place(struct rc_entry *slot, size_t cap, const struct rc_entry *e)
{
	size_t i = hash_key(e->addr, e->port) & (cap - 1);

	while (slot[i].flags & RC_F_USED)
		i = (i + 1) & (cap - 1);
	slot[i] = *e;
}

/* Doubles the table (or makes the first one); false on out-of-memory. */
static bool
grow(struct rc_records *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	struct rc_entry *slot = calloc(cap, sizeof(*slot));

	if (slot == NULL)
		return false;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i].flags & RC_F_USED)
			place(slot, cap, &t->slot[i]);
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	return true;
}

bool
rc_records_add(struct rc_records *t, const struct rc_entry *e)
{
	if ((t->n + 1) * 10 > t->cap * 7 && !grow(t))
		return false;
	place(t->slot, t->cap, e);
	t->n++;
	t->late += e->ts_ms < t->watermark_ms;
	return true;
}

void
rc_records_forget(struct rc_records *t, int64_t before_ms)
{
	struct rc_entry *slot;
	size_t cap = 1024;
	size_t kept = 0;

	if (before_ms > t->watermark_ms)
		t->watermark_ms = before_ms;
	if (t->n < MIN_FORGET || t->n < 2 * t->kept)
		return;
	for (size_t i = 0; i < t->cap; i++)
		kept += (t->slot[i].flags & RC_F_USED) && t->slot[i].ts_ms >= t->watermark_ms;
	while (cap * 7 < kept * 20) /* room to double before the next growth */
		cap *= 2;
	if ((slot = calloc(cap, sizeof(*slot))) == NULL)
		return; /* keep them all: slower, not wrong */
	for (size_t i = 0; i < t->cap; i++)
		if ((t->slot[i].flags & RC_F_USED) && t->slot[i].ts_ms >= t->watermark_ms)
			place(slot, cap, &t->slot[i]);
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	t->n = t->kept = kept;
}

void
rc_records_unmatch(struct rc_records *t)
{
	for (size_t i = 0; i < t->cap; i++)
		t->slot[i].flags &= (uint8_t) ~RC_F_MATCHED;
}

void
rc_records_clear(struct rc_records *t)
{
	long late = t->late;

	free(t->slot);
	memset(t, 0, sizeof(*t));
	t->watermark_ms = INT64_MIN;
	t->late = late;
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
	struct rc_entry *best = NULL;
	uint8_t a[16];
	size_t i;

	if (t->cap == 0 || port < 0 || port > 65535 || !rc_addr_bytes(addr, a))
		return false;
	for (i = hash_key(a, (uint16_t) port) & (t->cap - 1); t->slot[i].flags & RC_F_USED;
		 i = (i + 1) & (t->cap - 1))
	{
		struct rc_entry *e = &t->slot[i];
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
		t->watermark_ms = INT64_MIN;
	return t;
}

void
rc_records_free(struct rc_records *t)
{
	if (t == NULL)
		return;
	free(t->slot);
	free(t);
}
