/*
 * htab.h
 *	  The one hash table of the command's log tools (report's groups,
 *	  reconcile's records and blind spots): open addressing with linear
 *	  probing over fixed-size entries stored inline, each slot a 64-bit
 *	  hash (0: empty) followed by the entry.  Keys are the caller's: the
 *	  table compares hashes, the caller compares keys while walking the
 *	  entries of one hash (htab_first/htab_next), so one key may be in the
 *	  table more than once (reconcile's reused ports).  Never shrinks but by
 *	  htab_filter, which rebuilds it with the entries a function keeps.
 */
#ifndef PGTLS_SHIM_HTAB_H
#define PGTLS_SHIM_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attr.h"

struct htab
{
	unsigned char *slot; /* cap slots of stride bytes */
	size_t stride;		 /* 8 + the entry, rounded up to 8 */
	size_t esize;		 /* the entry's size */
	size_t cap;			 /* 0, or a power of two */
	size_t n;
};

/* An empty table of entries of ESIZE bytes (no allocation yet). */
void htab_init(struct htab *t, size_t esize);

/* Frees the slots; entries that own memory must be freed by the caller first (htab_each). */
void htab_free(struct htab *t);

/* The hash of the N bytes at P (FNV-1a, never 0), and the same continued from H. */
uint64_t htab_hash(const void *p, size_t n);
uint64_t htab_hash_more(uint64_t h, const void *p, size_t n);

/*
 * Walking the entries whose hash is HASH: htab_first returns the first (or
 * NULL), htab_next the one after E (or NULL).  Pointers stay valid until the
 * next htab_add or htab_filter.
 */
void *htab_first(const struct htab *t, uint64_t hash);
void *htab_next(const struct htab *t, uint64_t hash, const void *e);

/*
 * A new zeroed entry for HASH, the table grown as needed (at most 70% full):
 * the caller fills it.  NULL on out-of-memory (the table is unchanged).
 */
void *htab_add(struct htab *t, uint64_t hash) PGS_WUR;

/* Calls FN(ARG, entry) for each entry, in slot order. */
void htab_each(const struct htab *t, void (*fn)(void *arg, void *e), void *arg);

/*
 * For a table whose entries are each one pointer: the non-NULL pointers in
 * an array of their own, sorted with CMP (qsort's, given pointers to the
 * pointers), *N set to how many.  The caller frees the array (not what it
 * points to).  NULL when there are none (*N 0) or on out-of-memory (*N 0,
 * *OOM true; OOM may be NULL).
 */
void **htab_sorted(const struct htab *t, int (*cmp)(const void *, const void *), size_t *n,
				   bool *oom) PGS_WUR;

/*
 * Rebuilds T with the entries for which KEEP(ARG, entry) is true, sized
 * for them.  False on out-of-memory (T unchanged).
 */
bool htab_filter(struct htab *t, bool (*keep)(void *arg, const void *e), void *arg) PGS_WUR;

#endif
