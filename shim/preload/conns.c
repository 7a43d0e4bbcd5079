/*
 * conns.c
 *	  The table of connection states, keyed by PGconn pointer.  A PGconn is
 *	  used by one thread at a time (libpq's rule), so a state found here is
 *	  only read or changed by the thread using its connection; the mutex
 *	  guards the table itself.  `nrefused` lets PQerrorMessage skip the lock
 *	  while no refused connection exists.
 */
#include "conns.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define NBUCKETS 256

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
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
	factbuf_free(st->api, &st->fb);
	runtime_release(st->snap);
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

	pthread_mutex_lock(&lock);
	st->next = buckets[b];
	buckets[b] = st;
	pthread_mutex_unlock(&lock);
}

static struct conn_state *
find(const PGconn *conn, bool take)
{
	struct conn_state **pp;
	struct conn_state *st = NULL;

	pthread_mutex_lock(&lock);
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
	pthread_mutex_unlock(&lock);
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

void
conns_atfork_prepare(void)
{
	pthread_mutex_lock(&lock);
}

void
conns_atfork_parent(void)
{
	pthread_mutex_unlock(&lock);
}

void
conns_atfork_child(void)
{
	pthread_mutex_unlock(&lock);
}
