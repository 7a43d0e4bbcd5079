/*
 * test_cache.c
 *	  Unit tests of base/cache.c: expiry, least-recently-used eviction, the
 *	  destructor called exactly once per value (replaced, evicted, expired,
 *	  cleared, dropped by a busy lock), the growing table with reservations
 *	  and taken values, both lock modes against a thread holding the lock,
 *	  and a fork while another thread holds it.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"

#include "check.h"

/* Values are counters: destroying one counts it. */
#define NVALUES 64
static int destroyed[NVALUES];
static time_t fake_now = 1000;

static void
count_destroy(void *value)
{
	(*(int *) value)++;
}

static time_t
fake_clock(void)
{
	return fake_now;
}

static void *
val(int i)
{
	return &destroyed[i];
}

static bool
copy_ptr(void *value, void *out)
{
	*(void **) out = value;
	return true;
}

/* What KEY (a string) holds, or NULL. */
static void *
get(struct cache *c, const char *key)
{
	void *v = NULL;

	return cache_get(c, key, strlen(key), copy_ptr, &v) ? v : NULL;
}

static void
put(struct cache *c, const char *key, int i, time_t expires)
{
	cache_put(c, key, strlen(key), val(i), expires);
}

static struct cache lru = {.nslots = 3,
						   .mode = CACHE_TRY,
						   .destroy = count_destroy,
						   .clock = fake_clock,
						   .lock = PROC_LOCK_INIT};

static void
test_lru(void)
{
	memset(destroyed, 0, sizeof(destroyed));
	put(&lru, "a", 0, 0);
	put(&lru, "b", 1, 0);
	put(&lru, "c", 2, 0);
	CHECK(get(&lru, "a") == val(0)); /* a is now the most recent: b is the oldest */
	put(&lru, "d", 3, 0);
	CHECK(get(&lru, "b") == NULL && destroyed[1] == 1);
	CHECK(get(&lru, "a") == val(0) && get(&lru, "c") == val(2) && get(&lru, "d") == val(3));
	put(&lru, "e", 4, 0); /* a, c, d used in that order: a goes */
	CHECK(get(&lru, "a") == NULL && destroyed[0] == 1);
	CHECK(cache_count(&lru) == 3);

	/* Replacing a key destroys the value it held, once. */
	put(&lru, "c", 5, 0);
	CHECK(get(&lru, "c") == val(5) && destroyed[2] == 1 && destroyed[5] == 0);
	CHECK(cache_count(&lru) == 3);

	/* A long key is compared in full, not by a prefix or its hash. */
	put(&lru, "a key longer than sixteen bytes, 1", 6, 0);
	CHECK(get(&lru, "a key longer than sixteen bytes, 2") == NULL);
	CHECK(get(&lru, "a key longer than sixteen bytes, 1") == val(6));

	cache_clear(&lru);
	CHECK(cache_count(&lru) == 0 && get(&lru, "c") == NULL);
	for (int i = 0; i <= 6; i++)
		CHECK(destroyed[i] == 1);
	put(&lru, "again", 7, 0); /* usable after a clear */
	CHECK(get(&lru, "again") == val(7));
	cache_clear(&lru);
	CHECK(destroyed[7] == 1);
}

static struct cache exp_ = {.nslots = 2,
							.mode = CACHE_BLOCK,
							.destroy = count_destroy,
							.clock = fake_clock,
							.lock = PROC_LOCK_INIT};

static void
test_expiry(void)
{
	memset(destroyed, 0, sizeof(destroyed));
	fake_now = 1000;
	put(&exp_, "soon", 0, 1010);
	put(&exp_, "never", 1, 0);
	fake_now = 1009;
	CHECK(get(&exp_, "soon") == val(0));
	fake_now = 1010; /* expires at 1010: gone from then on */
	CHECK(get(&exp_, "soon") == NULL && destroyed[0] == 1 && cache_count(&exp_) == 1);
	CHECK(get(&exp_, "never") == val(1));

	/* An expired entry is evicted before the least recently used one. */
	put(&exp_, "short", 2, 1020);
	CHECK(get(&exp_, "short") == val(2)); /* "never" is now the oldest */
	fake_now = 1030;
	put(&exp_, "new", 3, 0);
	CHECK(destroyed[2] == 1 && destroyed[1] == 0);
	CHECK(get(&exp_, "never") == val(1) && get(&exp_, "new") == val(3));
	cache_clear(&exp_);
	for (int i = 0; i <= 3; i++)
		CHECK(destroyed[i] == 1);
}

static int makes;

static void *
make_counted(void *arg)
{
	makes++;
	return arg;
}

static void *
make_nothing(void *arg)
{
	(void) arg;
	return NULL;
}

static void
test_get_or_make(void)
{
	void *v = NULL;

	memset(destroyed, 0, sizeof(destroyed));
	makes = 0;
	CHECK(cache_get_or_make(&exp_, "k", 1, make_counted, val(0), copy_ptr, &v) && v == val(0));
	v = NULL;
	CHECK(cache_get_or_make(&exp_, "k", 1, make_counted, val(1), copy_ptr, &v) && v == val(0));
	CHECK(makes == 1);
	CHECK(!cache_get_or_make(&exp_, "none", 4, make_nothing, NULL, copy_ptr, &v));
	CHECK(get(&exp_, "none") == NULL && cache_count(&exp_) == 1);
	cache_clear(&exp_);
	CHECK(destroyed[0] == 1 && destroyed[1] == 0);
}

static struct cache table = CACHE_INIT(0, CACHE_BLOCK, count_destroy);

static void
test_growing(void)
{
	enum
	{
		N = 1000
	};
	static long keys[N];
	bool all = true;

	memset(destroyed, 0, sizeof(destroyed));
	for (long i = 0; i < N; i++)
	{
		keys[i] = i * 7919;
		all &= cache_reserve(&table);
		cache_put(&table, &keys[i], sizeof(keys[i]), val((int) (i % NVALUES)), 0);
	}
	CHECK(all && cache_count(&table) == N); /* never evicts */
	for (long i = 0; i < N; i++)
	{
		void *v = NULL;

		all &= cache_get(&table, &keys[i], sizeof(keys[i]), copy_ptr, &v) &&
			   v == val((int) (i % NVALUES));
	}
	CHECK(all);
	/* Taken values are the caller's: not destroyed. */
	for (long i = 0; i < N; i++)
	{
		all &= cache_take(&table, &keys[i], sizeof(keys[i])) == val((int) (i % NVALUES));
		cache_unreserve(&table);
	}
	CHECK(all && cache_count(&table) == 0);
	CHECK(cache_take(&table, &keys[0], sizeof(keys[0])) == NULL);
	for (int i = 0; i < NVALUES; i++)
		all &= destroyed[i] == 0;
	CHECK(all);
	cache_clear(&table);
}

/*
 * A thread that holds a cache's lock (inside MAKE) until told to go.  It
 * is detached and says it is done through a pipe: a child forked while it
 * runs must not inherit a thread to join (ThreadSanitizer calls that a leak).
 */
struct holder
{
	struct cache *c;
	int inside[2];	/* the holder writes a byte once it holds the lock */
	int release[2]; /* the holder returns once it reads a byte */
	int done[2];	/* then writes 'y' when it made and got its value */
};

static void *
make_held(void *arg)
{
	struct holder *h = arg;
	char b = 0;

	if (write(h->inside[1], &b, 1) != 1 || read(h->release[0], &b, 1) != 1)
		return NULL;
	return val(10);
}

static void *
hold(void *arg)
{
	struct holder *h = arg;
	void *v = NULL;
	char made;

	made = cache_get_or_make(h->c, "held", 4, make_held, h, copy_ptr, &v) && v == val(10);
	made = made ? 'y' : 'n';
	if (write(h->done[1], &made, 1) != 1)
		abort();
	return NULL;
}

/* Starts H's thread on C and returns once it holds C's lock. */
static bool
hold_start(struct holder *h, struct cache *c)
{
	pthread_attr_t attr;
	pthread_t th;
	char b;
	bool ok;

	h->c = c;
	if (pipe(h->inside) != 0 || pipe(h->release) != 0 || pipe(h->done) != 0 ||
		pthread_attr_init(&attr) != 0)
		return false;
	ok = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0 &&
		 pthread_create(&th, &attr, hold, h) == 0;
	pthread_attr_destroy(&attr);
	return ok && read(h->inside[0], &b, 1) == 1;
}

static void
hold_release(struct holder *h)
{
	char b = 0;

	CHECK(write(h->release[1], &b, 1) == 1);
}

static void
hold_end(struct holder *h)
{
	char made = 0;

	CHECK(read(h->done[0], &made, 1) == 1 && made == 'y');
	for (int i = 0; i < 2; i++)
	{
		close(h->inside[i]);
		close(h->release[i]);
		close(h->done[i]);
	}
}

static struct cache tried = CACHE_INIT(4, CACHE_TRY, count_destroy);

static void
test_try(void)
{
	struct holder h;
	void *v = NULL;

	memset(destroyed, 0, sizeof(destroyed));
	if (!hold_start(&h, &tried))
	{
		CHECK(!"holder thread");
		return;
	}
	/* Busy: a miss, a put dropped (its value destroyed at once), nothing taken. */
	CHECK(get(&tried, "held") == NULL);
	put(&tried, "other", 1, 0);
	CHECK(destroyed[1] == 1);
	CHECK(cache_take(&tried, "held", 4) == NULL);
	/* Made without the lock, copied out, not kept: destroyed once. */
	CHECK(cache_get_or_make(&tried, "made", 4, make_counted, val(2), copy_ptr, &v) && v == val(2));
	CHECK(destroyed[2] == 1);
	hold_release(&h);
	hold_end(&h);
	CHECK(get(&tried, "held") == val(10) && get(&tried, "other") == NULL);
	CHECK(get(&tried, "made") == NULL);
	cache_clear(&tried);
	CHECK(destroyed[10] == 1 && destroyed[1] == 1);
}

static struct cache blocked = CACHE_INIT(4, CACHE_BLOCK, count_destroy);
static int asking[2]; /* the waiter writes a byte just before it asks */
static void *waited_for;

static void *
wait_get(void *arg)
{
	char b = 0;

	if (write(asking[1], &b, 1) == 1)
		waited_for = get(arg, "held");
	return NULL;
}

static void
test_block(void)
{
	struct holder h;
	pthread_t th;
	char b;

	memset(destroyed, 0, sizeof(destroyed));
	if (pipe(asking) != 0 || !hold_start(&h, &blocked))
	{
		CHECK(!"holder thread");
		return;
	}
	/*
	 * Asks while the lock is held: it waits, then finds what the holder
	 * made (a try-lock would miss, unless the holder were done first).
	 */
	CHECK(pthread_create(&th, NULL, wait_get, &blocked) == 0);
	CHECK(read(asking[0], &b, 1) == 1);
	hold_release(&h);
	hold_end(&h);
	pthread_join(th, NULL);
	CHECK(waited_for == val(10));
	cache_clear(&blocked);
	CHECK(destroyed[10] == 1);
	close(asking[0]);
	close(asking[1]);
}

static bool release_on_fork;
static struct holder *forking;

/* Runs before the shim's own prepare handler (registered earlier). */
static void
prepare(void)
{
	if (release_on_fork)
		hold_release(forking);
}

static void
test_fork(void)
{
	struct holder h;
	pid_t pid;
	int status = -1;

	if (!hold_start(&h, &blocked))
	{
		CHECK(!"holder thread");
		return;
	}
	/*
	 * The holder has the lock when fork() is called; it is let go only from
	 * inside fork(), so without the shim's fork handlers the child would
	 * start with the lock held and hang (killed by its alarm).
	 */
	forking = &h;
	release_on_fork = true;
	CHECK(pthread_atfork(prepare, NULL, NULL) == 0);
	pid = fork();
	if (pid == 0)
	{
		alarm(10);
		_exit(get(&blocked, "held") == val(10) ? 0 : 1);
	}
	release_on_fork = false;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	hold_end(&h);
	cache_clear(&blocked);
}

int
main(void)
{
	test_lru();
	test_expiry();
	test_get_or_make();
	test_growing();
	test_try();
	test_block();
	test_fork();
	return check_summary();
}
