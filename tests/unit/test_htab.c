/*
 * test_htab.c
 *	  The log tools' one hash table (cli/logs/htab.c): lookups among
 *	  colliding hashes, one key more than once, growth past many doublings
 *	  with every entry still found, htab_filter keeping exactly what it is
 *	  told, and the walk over every entry.
 */
#include <stdio.h>
#include <string.h>

#include "htab.h"

#include "check.h"

struct item
{
	int key;
	int value;
	char pad[9]; /* an odd size: the stride rounds it up */
};

static struct item *
find(const struct htab *t, uint64_t h, int key)
{
	struct item *e;

	for (e = htab_first(t, h); e; e = htab_next(t, h, e))
		if (e->key == key)
			return e;
	return NULL;
}

static uint64_t
hash_of(int key)
{
	return htab_hash(&key, sizeof(key));
}

static bool
even(void *arg, const void *e)
{
	(void) arg;
	return ((const struct item *) e)->key % 2 == 0;
}

static void
count(void *arg, void *e)
{
	*(long *) arg += ((struct item *) e)->value;
}

int
main(void)
{
	struct htab t;
	struct item *e;
	long sum = 0;
	bool all = true;
	int dup = 0;

	htab_init(&t, sizeof(struct item));
	CHECK(htab_first(&t, 1) == NULL);
	CHECK(htab_hash("", 0) != 0 && htab_hash("a", 1) != htab_hash("b", 1));
	for (int k = 0; k < 100000; k++)
	{
		if ((e = htab_add(&t, hash_of(k))) == NULL)
			return 1;
		e->key = k;
		e->value = 1;
	}
	CHECK(t.n == 100000 && t.n * 10 <= t.cap * 7);
	for (int k = 0; k < 100000; k++)
		all &= find(&t, hash_of(k), k) != NULL && find(&t, hash_of(k), k)->key == k;
	CHECK(all);
	CHECK(find(&t, hash_of(100000), 100000) == NULL);
	/* One hash for many keys: all found, each once. */
	for (int k = 0; k < 50; k++)
	{
		if ((e = htab_add(&t, 7)) == NULL)
			return 1;
		e->key = -1 - k;
		e->value = 1;
	}
	all = true;
	for (int k = 0; k < 50; k++)
		all &= find(&t, 7, -1 - k) != NULL;
	CHECK(all);
	/* The same key twice: both are walked. */
	if ((e = htab_add(&t, hash_of(5))) == NULL)
		return 1;
	e->key = 5;
	e->value = 1;
	for (e = htab_first(&t, hash_of(5)); e; e = htab_next(&t, hash_of(5), e))
		dup += e->key == 5;
	CHECK(dup == 2);
	htab_each(&t, count, &sum);
	CHECK(sum == 100051);
	/* Filter: the even keys stay, found; the odd ones are gone; the table fits them. */
	CHECK(htab_filter(&t, even, NULL));
	CHECK(t.n == 50000 + 25); /* and the second 5 is odd */
	CHECK(find(&t, hash_of(4), 4) != NULL && find(&t, hash_of(3), 3) == NULL);
	CHECK(find(&t, 7, -2) != NULL && find(&t, 7, -1) == NULL);
	CHECK(t.cap <= 262144 && t.n * 10 <= t.cap * 7);
	htab_free(&t);
	CHECK(t.n == 0 && htab_first(&t, 1) == NULL);
	return check_summary();
}
