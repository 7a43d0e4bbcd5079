/*
 * forksafe.h
 *	  The one fork policy for the shim's process-wide state: every lock that
 *	  guards such state is a proc_lock, and fork() takes them all before it
 *	  copies the process (in the order they were first taken, so an outer
 *	  lock comes before the ones taken inside it), so that a child never
 *	  starts with a lock that a thread of its parent held.
 */
#ifndef PGTLS_SHIM_FORKSAFE_H
#define PGTLS_SHIM_FORKSAFE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "attr.h"

/* A process-wide mutex known to the fork handlers.  Static storage only. */
struct proc_lock
{
	pthread_mutex_t mu;
	atomic_bool known; /* enrolled with the fork handlers */
};

#define PROC_LOCK_INIT                                                                             \
	{                                                                                              \
		PTHREAD_MUTEX_INITIALIZER, false                                                           \
	}

/*
 * Take, try and release L.  The first take (or try) enrols L with the fork
 * handlers, installing them on first use; at most 32 locks.
 */
void proc_lock(struct proc_lock *l);
bool proc_trylock(struct proc_lock *l) PGS_WUR;
void proc_unlock(struct proc_lock *l);

#endif
