/*
 * cache.h
 *	  The one keyed cache of the shim's process-wide state: values the cache
 *	  owns (freed by the cache's destructor) under keys of bytes (keybuf.h:
 *	  two keys are equal exactly when their bytes are), each with an
 *	  optional expiry, in a fixed number of slots of which the least
 *	  recently used is evicted, or in a table that grows and never evicts.
 *	  Thread- and fork-safe: one proc_lock per cache (forksafe.h).
 *
 *	  Each cache says at its definition whether its lock is waited for
 *	  (CACHE_BLOCK) or only tried (CACHE_TRY: a busy cache is a miss, and a
 *	  put into a busy cache is dropped), and why.  Destructors run with the
 *	  lock released (a destructor may take other locks).
 */
#ifndef PGTLS_SHIM_CACHE_H
#define PGTLS_SHIM_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attr.h"
#include "forksafe.h"

enum cache_lock
{
	CACHE_TRY,	/* never waits: a busy cache is a miss */
	CACHE_BLOCK /* waits for the holder (who must never wait for long) */
};

/* Keys of at most this many bytes are kept in the slot, not allocated. */
#define CACHE_INLINE_KEY 16

struct cache_slot; /* private to cache.c */

struct cache
{
	/* Configuration, fixed by CACHE_INIT. */
	uint32_t nslots; /* fixed, LRU-evicted slots; 0: grows, never evicts */
	enum cache_lock mode;
	void (*destroy)(void *value); /* frees a value the cache lets go of; NULL: none */
	time_t (*clock)(void);		  /* "now" for expiry; NULL: time(NULL) */
	/* State, under the lock. */
	struct proc_lock lock;
	struct cache_slot *slots; /* allocated on first put */
	uint32_t *heads;		  /* hash buckets: slot index + 1, 0 ends a chain */
	uint32_t cap;
	uint32_t nheads;
	uint32_t count;
	uint32_t reserved;
	uint32_t free1; /* free slots, chained: index + 1 */
	uint64_t tick;	/* use stamps, for LRU */
};

/* A cache in static storage (the lock's requirement). */
#define CACHE_INIT(nslots_, mode_, destroy_)                                                       \
	{                                                                                              \
		.nslots = (nslots_), .mode = (mode_), .destroy = (destroy_), .lock = PROC_LOCK_INIT        \
	}

/*
 * Copies the value under a key out to OUT, called with the lock held (the
 * value may be evicted once it is released).  False: treat as a miss.
 */
typedef bool (*cache_copy_fn)(void *value, void *out);
/* Makes the value of a missing key, or NULL (nothing is stored). */
typedef void *(*cache_make_fn)(void *arg);

/*
 * On a live entry for KEY (LEN bytes): COPY(value, OUT), marks the entry
 * used and returns COPY's result.  False on a miss, an expired entry (freed
 * here) or, under CACHE_TRY, a busy lock.
 */
bool cache_get(struct cache *c, const void *key, size_t len, cache_copy_fn copy, void *out) PGS_WUR;

/*
 * Stores VALUE under KEY until EXPIRES (wall seconds as the cache's clock
 * tells them; 0: never), replacing the value already there, else taking a
 * free slot, else an expired one, else the least recently used (a growing
 * cache grows instead).  The value is the cache's from here: when it
 * cannot be stored (out of memory, or a busy CACHE_TRY lock) it is
 * destroyed at once.  A growing cache holding no more entries than its
 * reservations stores a key of at most CACHE_INLINE_KEY bytes without
 * allocating: that put cannot fail.
 */
void cache_put(struct cache *c, const void *key, size_t len, void *value, time_t expires);

/*
 * cache_get, and on a miss MAKE(ARG) stored under KEY (never expiring) and
 * copied out: one computation for all threads that ask at once.  MAKE runs
 * with the lock held under CACHE_BLOCK (so it must not block for long nor
 * take this lock), without it when a CACHE_TRY lock is busy (its value is
 * then destroyed after the copy).  False when MAKE gave NULL or COPY failed.
 */
bool cache_get_or_make(struct cache *c, const void *key, size_t len, cache_make_fn make, void *arg,
					   cache_copy_fn copy, void *out) PGS_WUR;

/*
 * Removes the entry for KEY and returns its value, now the caller's (not
 * destroyed), or NULL when absent or (CACHE_TRY) busy.
 */
void *cache_take(struct cache *c, const void *key, size_t len);

/*
 * Growing caches: room for one more entry, so that a later put cannot fail
 * (see cache_put); false on out of memory or a busy CACHE_TRY lock.
 * cache_unreserve gives it back.  Fixed caches need no reservation.
 */
bool cache_reserve(struct cache *c) PGS_WUR;
void cache_unreserve(struct cache *c);

/*
 * Destroys every value and frees the slots, waiting for the lock whatever
 * the mode: for tests and teardown, never on a connection's path.  Not
 * for a growing cache with reservations outstanding.
 */
void cache_clear(struct cache *c);

/* The number of entries (expired ones included until freed); waits for the lock: for tests. */
uint32_t cache_count(struct cache *c);

#endif
