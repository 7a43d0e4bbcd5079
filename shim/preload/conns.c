/*
 * conns.c
 *	  In other people's processes: part of the preloaded library only.
 *	  The table of connection states: a growing base/cache.h cache keyed by
 *	  the PGconn's address, that never evicts nor expires.  A PGconn
 *	  is used by one thread at a time (libpq's rule), so a state found here
 *	  is only read or changed by the thread using its connection; the
 *	  cache's lock guards the table itself.  Each state keeps room in the
 *	  table from its creation to its end, so putting it never allocates
 *	  and cannot fail.  `nrefused` lets PQerrorMessage skip the lock while
 *	  no refused connection exists.
 */
#include "conns.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "cache.h"

/*
 * CACHE_BLOCK: this is no cache of something that can be computed again
 * but the only record of each connection's state (its refusal, which
 * PQerrorMessage must show and PQreset must keep; its decision; an attempt
 * still to be recorded), so a lookup must not miss because another thread
 * holds the lock.  The lock is held for a hash lookup of an 8-byte key:
 * no I/O, no other lock, and no allocation but the table's doubling in
 * conn_state_new.  No destructor: the states are the hooks' to free.
 */
static struct cache table = CACHE_INIT(0, CACHE_BLOCK, NULL);
static atomic_int nrefused;

struct conn_state *
conn_state_new(const struct pq_api *api, struct snapshot *snap)
{
	struct conn_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	if (!cache_reserve(&table))
	{
		free(st);
		return NULL;
	}
	st->api = api;
	st->snap = snap;
	return st;
}

void
conn_state_free(struct conn_state *st)
{
	if (st == NULL)
		return;
	if (st->refusal)
	{
		atomic_fetch_sub(&nrefused, 1);
		free(st->refusal);
	}
	plan_free(st->api, &st->plan);
	snapshot_release(st->snap);
	cache_unreserve(&table);
	free(st);
}

void
conn_state_refuse(struct conn_state *st, char *msg)
{
	if (st->refusal)
		free(st->refusal);
	if (st->refusal && !msg)
		atomic_fetch_sub(&nrefused, 1);
	else if (!st->refusal && msg)
		atomic_fetch_add(&nrefused, 1);
	st->refusal = msg;
}

/* The table's key of CONN: its address. */
static uintptr_t
key_of(const PGconn *conn)
{
	return (uintptr_t) conn;
}

void
conns_put(struct conn_state *st)
{
	uintptr_t k = key_of(st->conn);

	cache_put(&table, &k, sizeof(k), st, 0);
}

static bool
copy_out(void *value, void *out)
{
	*(struct conn_state **) out = value;
	return true;
}

struct conn_state *
conns_get(const PGconn *conn)
{
	struct conn_state *st = NULL;
	uintptr_t k = key_of(conn);

	if (conn == NULL || !cache_get(&table, &k, sizeof(k), copy_out, &st))
		return NULL;
	return st;
}

struct conn_state *
conns_take(const PGconn *conn)
{
	uintptr_t k = key_of(conn);

	return conn ? cache_take(&table, &k, sizeof(k)) : NULL;
}

bool
conns_any_refused(void)
{
	return atomic_load_explicit(&nrefused, memory_order_relaxed) > 0;
}
