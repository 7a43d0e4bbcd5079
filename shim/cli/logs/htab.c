/*
 * htab.c
 *	  The log tools' hash table (htab.h): inline entries, linear probing,
 *	  doubling at 70% load.
 */
#include "htab.h"

#include <stdlib.h>
#include <string.h>

#define MIN_CAP 64

void
htab_init(struct htab *t, size_t esize)
{
	memset(t, 0, sizeof(*t));
	t->esize = esize;
	t->stride = 8 + ((esize + 7) & ~(size_t) 7);
}

void
htab_free(struct htab *t)
{
	free(t->slot);
	t->slot = NULL;
	t->cap = t->n = 0;
}

uint64_t
htab_hash_more(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ULL;
	return h ? h : 1;
}

uint64_t
htab_hash(const void *p, size_t n)
{
	return htab_hash_more(14695981039346656037ULL, p, n);
}

/* The hash stored in slot I. */
static uint64_t
slot_hash(const unsigned char *slots, size_t stride, size_t i)
{
	uint64_t h;

	memcpy(&h, slots + i * stride, sizeof(h));
	return h;
}

/* Probes from HASH's home slot, starting at slot I, for the next entry of HASH. */
static void *
probe(const struct htab *t, uint64_t hash, size_t i)
{
	uint64_t h;

	while ((h = slot_hash(t->slot, t->stride, i)) != 0)
	{
		if (h == hash)
			return t->slot + i * t->stride + 8;
		i = (i + 1) & (t->cap - 1);
	}
	return NULL;
}

void *
htab_first(const struct htab *t, uint64_t hash)
{
	if (t->cap == 0)
		return NULL;
	return probe(t, hash, (size_t) (hash ^ (hash >> 31)) & (t->cap - 1));
}

void *
htab_next(const struct htab *t, uint64_t hash, const void *e)
{
	size_t i = (size_t) ((const unsigned char *) e - 8 - t->slot) / t->stride;

	return probe(t, hash, (i + 1) & (t->cap - 1));
}

/* Places a slot (hash and entry) of stride bytes into SLOTS of CAP; returns the entry. */
static unsigned char *
place(unsigned char *slots, size_t cap, size_t stride, uint64_t hash)
{
	size_t i = (size_t) (hash ^ (hash >> 31)) & (cap - 1);

	while (slot_hash(slots, stride, i) != 0)
		i = (i + 1) & (cap - 1);
	memcpy(slots + i * stride, &hash, sizeof(hash));
	return slots + i * stride + 8;
}

/* Moves the kept entries of T into a new array of CAP slots; false on out-of-memory. */
static bool
rebuild(struct htab *t, size_t cap, bool (*keep)(void *arg, const void *e), void *arg)
{
	unsigned char *slots = calloc(cap, t->stride);
	size_t n = 0;

	if (slots == NULL)
		return false;
	for (size_t i = 0; i < t->cap; i++)
	{
		uint64_t h = slot_hash(t->slot, t->stride, i);
		const unsigned char *e = t->slot + i * t->stride + 8;

		if (h == 0 || (keep != NULL && !keep(arg, e)))
			continue;
		memcpy(place(slots, cap, t->stride, h), e, t->esize);
		n++;
	}
	free(t->slot);
	t->slot = slots;
	t->cap = cap;
	t->n = n;
	return true;
}

void *
htab_add(struct htab *t, uint64_t hash)
{
	unsigned char *e;

	if ((t->n + 1) * 10 > t->cap * 7 && !rebuild(t, t->cap ? t->cap * 2 : MIN_CAP, NULL, NULL))
		return NULL;
	e = place(t->slot, t->cap, t->stride, hash ? hash : 1);
	memset(e, 0, t->esize);
	t->n++;
	return e;
}

void
htab_each(const struct htab *t, void (*fn)(void *arg, void *e), void *arg)
{
	for (size_t i = 0; i < t->cap; i++)
		if (slot_hash(t->slot, t->stride, i) != 0)
			fn(arg, t->slot + i * t->stride + 8);
}

void **
htab_sorted(const struct htab *t, int (*cmp)(const void *, const void *), size_t *n, bool *oom)
{
	void **v = t->n ? calloc(t->n, sizeof(void *)) : NULL;

	*n = 0;
	if (oom)
		*oom = t->n && v == NULL;
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < t->cap; i++)
	{
		void *p;

		if (slot_hash(t->slot, t->stride, i) == 0)
			continue;
		memcpy(&p, t->slot + i * t->stride + 8, sizeof(p));
		if (p != NULL)
			v[(*n)++] = p;
	}
	qsort(v, *n, sizeof(void *), cmp);
	return v;
}

bool
htab_filter(struct htab *t, bool (*keep)(void *arg, const void *e), void *arg)
{
	size_t kept = 0, cap = MIN_CAP;

	for (size_t i = 0; i < t->cap; i++)
		kept += slot_hash(t->slot, t->stride, i) != 0 && keep(arg, t->slot + i * t->stride + 8);
	while (cap * 7 < kept * 20) /* room to double before the next growth */
		cap *= 2;
	return rebuild(t, cap, keep, arg);
}
