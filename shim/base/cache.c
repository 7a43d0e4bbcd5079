/*
 * cache.c
 *	  The keyed cache: slots in one array, found through hash chains (FNV-1a
 *	  of the key), free slots chained through the same link.  Recency is a
 *	  stamp per slot; the victim of a full fixed cache is found by a scan
 *	  (a fixed cache has a handful of slots).  A growing cache doubles its
 *	  array.  Every value a call lets go of is destroyed after the lock is
 *	  released.
 */
#include "cache.h"

#include <stdlib.h>
#include <string.h>

#define GROW_FIRST 16

struct cache_slot
{
	void *value;
	size_t len;
	time_t expires; /* 0: never */
	uint64_t used;	/* stamp of the last use; 0: the slot is free */
	uint32_t hash;
	uint32_t next; /* the hash chain, or the free chain: index + 1 */
	union
	{
		unsigned char in[CACHE_INLINE_KEY];
		unsigned char *heap;
	} key;
};

static uint32_t
hash_of(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static const unsigned char *
key_of(const struct cache_slot *s)
{
	return s->len <= CACHE_INLINE_KEY ? s->key.in : s->key.heap;
}

/* Takes C's lock as its mode says; false when a CACHE_TRY lock is busy. */
static bool
lock_take(struct cache *c)
{
	if (c->mode == CACHE_BLOCK)
	{
		proc_lock(&c->lock);
		return true;
	}
	return proc_trylock(&c->lock);
}

static time_t
now_of(const struct cache *c)
{
	return c->clock ? c->clock() : time(NULL);
}

static bool
expired(const struct cache *c, const struct cache_slot *s, time_t *now, bool *known)
{
	if (s->expires == 0)
		return false;
	if (!*known)
	{
		*now = now_of(c);
		*known = true;
	}
	return *now >= s->expires;
}

/*
 * Resizes C's arrays to CAP slots (never fewer than in use), rehashing and
 * chaining the free slots.  False on out of memory, C unchanged.  Lock held.
 */
static bool
resize(struct cache *c, uint32_t cap)
{
	uint32_t nheads = 1;
	struct cache_slot *slots;
	uint32_t *heads;

	if (cap > UINT32_MAX / 2)
		return false;
	while (nheads < cap)
		nheads <<= 1;
	if ((heads = calloc(nheads, sizeof(*heads))) == NULL)
		return false;
	if ((slots = realloc(c->slots, cap * sizeof(*slots))) == NULL)
	{
		free(heads);
		return false;
	}
	memset(slots + c->cap, 0, (cap - c->cap) * sizeof(*slots));
	free(c->heads);
	c->slots = slots;
	c->heads = heads;
	c->nheads = nheads;
	c->cap = cap;
	c->free1 = 0;
	for (uint32_t i = cap; i > 0; i--)
	{
		struct cache_slot *s = &slots[i - 1];
		uint32_t *link = s->used ? &heads[s->hash & (nheads - 1)] : &c->free1;

		s->next = *link;
		*link = i;
	}
	return true;
}

/* The index of KEY's slot, or -1.  Lock held. */
static long
find(const struct cache *c, const void *key, size_t len, uint32_t h)
{
	if (c->heads == NULL)
		return -1;
	for (uint32_t i = c->heads[h & (c->nheads - 1)]; i != 0; i = c->slots[i - 1].next)
	{
		const struct cache_slot *s = &c->slots[i - 1];

		if (s->hash == h && s->len == len && memcmp(key_of(s), key, len) == 0)
			return (long) i - 1;
	}
	return -1;
}

/* Frees slot I (unchained, key freed) and returns its value.  Lock held. */
static void *
release(struct cache *c, uint32_t i)
{
	struct cache_slot *s = &c->slots[i];
	uint32_t *link = &c->heads[s->hash & (c->nheads - 1)];
	void *value = s->value;

	while (*link != i + 1)
		link = &c->slots[*link - 1].next;
	*link = s->next;
	if (s->len > CACHE_INLINE_KEY)
		free(s->key.heap);
	memset(s, 0, sizeof(*s));
	s->next = c->free1;
	c->free1 = i + 1;
	c->count--;
	return value;
}

/* The slot a fixed cache gives up: an expired one, else the least recently used. */
static uint32_t
victim(const struct cache *c)
{
	uint32_t v = 0;
	time_t now = 0;
	bool known = false;

	for (uint32_t i = 0; i < c->cap; i++)
	{
		if (expired(c, &c->slots[i], &now, &known))
			return i;
		if (c->slots[i].used < c->slots[v].used)
			v = i;
	}
	return v;
}

/*
 * A free slot for a new entry, making one (growing, or evicting into
 * *DISPLACED) when needed; -1 on out of memory.  Lock held.
 */
static long
free_slot(struct cache *c, void **displaced)
{
	uint32_t want = c->nslots;

	if (c->free1 == 0 && c->nslots == 0)
		want = c->cap ? c->cap * 2 : GROW_FIRST;
	if ((c->slots == NULL || (c->free1 == 0 && c->nslots == 0)) && !resize(c, want))
		return -1;
	if (c->free1 == 0)
		*displaced = release(c, victim(c));
	return (long) c->free1 - 1;
}

/*
 * Stores VALUE under KEY in C; false (VALUE not stored) on out of memory.
 * *DISPLACED gets a value that left the cache.  Lock held.
 */
static bool
insert(struct cache *c, const void *key, size_t len, void *value, time_t expires, void **displaced)
{
	uint32_t h = hash_of(key, len);
	long i = find(c, key, len, h);
	unsigned char *heap = NULL;
	struct cache_slot *s;

	if (i >= 0)
	{
		s = &c->slots[i];
		*displaced = s->value;
		s->value = value;
		s->expires = expires;
		s->used = ++c->tick;
		return true;
	}
	if (len > CACHE_INLINE_KEY && (heap = malloc(len)) == NULL)
		return false;
	if ((i = free_slot(c, displaced)) < 0)
	{
		free(heap);
		return false;
	}
	s = &c->slots[i];
	c->free1 = s->next;
	*s = (struct cache_slot){
		.value = value, .len = len, .expires = expires, .used = ++c->tick, .hash = h};
	memcpy(heap ? heap : s->key.in, key, len);
	if (heap)
		s->key.heap = heap;
	s->next = c->heads[h & (c->nheads - 1)];
	c->heads[h & (c->nheads - 1)] = (uint32_t) i + 1;
	c->count++;
	return true;
}

static void
destroy(const struct cache *c, void *value)
{
	if (value != NULL && c->destroy != NULL)
		c->destroy(value);
}

/*
 * Looks KEY up, lock held: COPY's result on a live entry; an expired entry
 * is released into *GONE.
 */
static bool
lookup(struct cache *c, const void *key, size_t len, cache_copy_fn copy, void *out, void **gone)
{
	long i = find(c, key, len, hash_of(key, len));
	time_t now = 0;
	bool known = false;

	if (i < 0)
		return false;
	if (expired(c, &c->slots[i], &now, &known))
	{
		*gone = release(c, (uint32_t) i);
		return false;
	}
	if (!copy(c->slots[i].value, out))
		return false;
	c->slots[i].used = ++c->tick;
	return true;
}

bool
cache_get(struct cache *c, const void *key, size_t len, cache_copy_fn copy, void *out)
{
	void *gone = NULL;
	bool hit;

	if (!lock_take(c))
		return false;
	hit = lookup(c, key, len, copy, out, &gone);
	proc_unlock(&c->lock);
	destroy(c, gone);
	return hit;
}

void
cache_put(struct cache *c, const void *key, size_t len, void *value, time_t expires)
{
	void *displaced = NULL;

	if (!lock_take(c))
	{
		destroy(c, value);
		return;
	}
	if (!insert(c, key, len, value, expires, &displaced))
		displaced = value;
	proc_unlock(&c->lock);
	destroy(c, displaced);
}

bool
cache_get_or_make(struct cache *c, const void *key, size_t len, cache_make_fn make, void *arg,
				  cache_copy_fn copy, void *out)
{
	void *gone = NULL;
	void *displaced = NULL;
	void *value;
	bool ok;

	if (!lock_take(c))
	{
		/* Busy (CACHE_TRY only): made here, used once, not kept. */
		if ((value = make(arg)) == NULL)
			return false;
		ok = copy(value, out);
		destroy(c, value);
		return ok;
	}
	if (lookup(c, key, len, copy, out, &gone))
		ok = true;
	else if ((value = make(arg)) == NULL)
		ok = false;
	else
	{
		ok = copy(value, out);
		if (!insert(c, key, len, value, 0, &displaced))
			displaced = value;
	}
	proc_unlock(&c->lock);
	destroy(c, gone);
	destroy(c, displaced);
	return ok;
}

void *
cache_take(struct cache *c, const void *key, size_t len)
{
	void *value = NULL;
	long i;

	if (!lock_take(c))
		return NULL;
	if ((i = find(c, key, len, hash_of(key, len))) >= 0)
		value = release(c, (uint32_t) i);
	proc_unlock(&c->lock);
	return value;
}

bool
cache_reserve(struct cache *c)
{
	bool ok = true;

	if (c->nslots != 0)
		return true;
	if (!lock_take(c))
		return false;
	if (c->reserved >= c->cap)
		ok = resize(c, c->cap ? c->cap * 2 : GROW_FIRST);
	if (ok)
		c->reserved++;
	proc_unlock(&c->lock);
	return ok;
}

void
cache_unreserve(struct cache *c)
{
	if (c->nslots != 0)
		return;
	/* Blocks even under CACHE_TRY: a reservation given back must be counted. */
	proc_lock(&c->lock);
	if (c->reserved > 0)
		c->reserved--;
	proc_unlock(&c->lock);
}

void
cache_clear(struct cache *c)
{
	struct cache_slot *slots;
	uint32_t cap;

	proc_lock(&c->lock);
	slots = c->slots;
	cap = c->cap;
	free(c->heads);
	c->slots = NULL;
	c->heads = NULL;
	c->cap = c->nheads = c->count = c->free1 = 0;
	proc_unlock(&c->lock);
	for (uint32_t i = 0; i < cap; i++)
	{
		if (slots[i].used == 0)
			continue;
		if (slots[i].len > CACHE_INLINE_KEY)
			free(slots[i].key.heap);
		destroy(c, slots[i].value);
	}
	free(slots);
}

uint32_t
cache_count(struct cache *c)
{
	uint32_t n;

	proc_lock(&c->lock);
	n = c->count;
	proc_unlock(&c->lock);
	return n;
}
