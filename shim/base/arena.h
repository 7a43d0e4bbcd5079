/*
 * arena.h
 *	  Every allocation of one long-lived object (a compiled policy), freed
 *	  together.
 */
#ifndef PGTLS_SHIM_ARENA_H
#define PGTLS_SHIM_ARENA_H

#include <stddef.h>

struct arena
{
	void **ptrs;
	size_t n;
	size_t cap;
};

/* Zeroed memory owned by A; NULL on out-of-memory. */
void *arena_alloc(struct arena *a, size_t size);

/* A copy of S owned by A; NULL on out-of-memory. */
char *arena_strdup(struct arena *a, const char *s);

/* Frees everything A owns and zeroes it. */
void arena_free(struct arena *a);

#endif
