/*
 * forksafe.c
 *	  pthread_atfork handlers over the enrolled locks.  The enrolment list
 *	  is append-only.  prepare() notes how many locks exist and takes them
 *	  without holding the list's own mutex, so a thread that holds an
 *	  enrolled lock while enrolling another cannot deadlock with a fork;
 *	  a lock enrolled after that count was taken is reset in the child,
 *	  where no thread that could hold it exists.
 */
#include "forksafe.h"

#include <stddef.h>

#define MAX_LOCKS 32

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t list_mu = PTHREAD_MUTEX_INITIALIZER;
static struct proc_lock *locks[MAX_LOCKS];
static atomic_size_t nlocks;
static size_t taken; /* locks held by the forking thread, set by prepare */

static void
prepare(void)
{
	pthread_mutex_lock(&list_mu);
	taken = atomic_load(&nlocks);
	pthread_mutex_unlock(&list_mu);
	for (size_t i = 0; i < taken; i++)
		pthread_mutex_lock(&locks[i]->mu);
}

static void
parent(void)
{
	for (size_t i = taken; i > 0; i--)
		pthread_mutex_unlock(&locks[i - 1]->mu);
}

static void
child(void)
{
	size_t n = atomic_load(&nlocks);

	for (size_t i = taken; i > 0; i--)
		pthread_mutex_unlock(&locks[i - 1]->mu);
	for (size_t i = taken; i < n; i++)
		pthread_mutex_init(&locks[i]->mu, NULL);
	pthread_mutex_init(&list_mu, NULL);
}

static void
install(void)
{
	(void) pthread_atfork(prepare, parent, child);
}

static void
enrol(struct proc_lock *l)
{
	size_t n;

	pthread_once(&once, install);
	pthread_mutex_lock(&list_mu);
	n = atomic_load(&nlocks);
	if (!atomic_load(&l->known) && n < MAX_LOCKS)
	{
		locks[n] = l;
		atomic_store(&nlocks, n + 1);
	}
	atomic_store(&l->known, true);
	pthread_mutex_unlock(&list_mu);
}

void
proc_lock(struct proc_lock *l)
{
	if (!atomic_load_explicit(&l->known, memory_order_acquire))
		enrol(l);
	pthread_mutex_lock(&l->mu);
}

bool
proc_trylock(struct proc_lock *l)
{
	if (!atomic_load_explicit(&l->known, memory_order_acquire))
		enrol(l);
	return pthread_mutex_trylock(&l->mu) == 0;
}

void
proc_unlock(struct proc_lock *l)
{
	pthread_mutex_unlock(&l->mu);
}
