/*
 * conns.c
 *	  The table of connection states, keyed by PGconn pointer.  A PGconn is
 *	  used by one thread at a time (libpq's rule), so a state found here is
 *	  only read or changed by the thread using its connection; the mutex
 *	  guards the table itself.  `nrefused` lets PQerrorMessage skip the lock
 *	  while no refused connection exists.
 */
#include "conns.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "forksafe.h"

#define NBUCKETS 256

static struct proc_lock lock = PROC_LOCK_INIT;
static struct conn_state *buckets[NBUCKETS];
static atomic_int nrefused;

static size_t
bucket(const PGconn *conn)
{
	uintptr_t p = (uintptr_t) conn;

	return (size_t) ((p >> 4) ^ (p >> 12)) % NBUCKETS;
}

struct conn_state *
conn_state_new(const struct pq_api *api, struct snapshot *snap)
{
	struct conn_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
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

void
conns_put(struct conn_state *st)
{
	size_t b = bucket(st->conn);

	proc_lock(&lock);
	st->next = buckets[b];
	buckets[b] = st;
	proc_unlock(&lock);
}

static struct conn_state *
find(const PGconn *conn, bool take)
{
	struct conn_state **pp;
	struct conn_state *st = NULL;

	proc_lock(&lock);
	for (pp = &buckets[bucket(conn)]; *pp; pp = &(*pp)->next)
	{
		if ((*pp)->conn == conn)
		{
			st = *pp;
			if (take)
			{
				*pp = st->next;
				st->next = NULL;
			}
			break;
		}
	}
	proc_unlock(&lock);
	return st;
}

struct conn_state *
conns_get(const PGconn *conn)
{
	return conn ? find(conn, false) : NULL;
}

struct conn_state *
conns_take(const PGconn *conn)
{
	return conn ? find(conn, true) : NULL;
}

bool
conns_any_refused(void)
{
	return atomic_load_explicit(&nrefused, memory_order_relaxed) > 0;
}
