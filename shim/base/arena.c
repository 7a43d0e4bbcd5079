/*
 * arena.c
 *	  A list of calloc'd blocks, released at once by arena_free.
 */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

void *
arena_alloc(struct arena *a, size_t size)
{
	void *p;
	void **grown;

	if (a->n == a->cap)
	{
		size_t cap = a->cap ? a->cap * 2 : 64;

		grown = realloc(a->ptrs, cap * sizeof(*grown));
		if (grown == NULL)
			return NULL;
		a->ptrs = grown;
		a->cap = cap;
	}
	p = calloc(1, size ? size : 1);
	if (p != NULL)
		a->ptrs[a->n++] = p;
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	size_t len = strlen(s) + 1;
	char *d = arena_alloc(a, len);

	return d ? memcpy(d, s, len) : NULL;
}

void
arena_free(struct arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->ptrs[i]);
	free(a->ptrs);
	memset(a, 0, sizeof(*a));
}
