/*
 * failure.c
 *	  A failed attempt's reason, probed, and remembered TTL seconds per
 *	  server and enforced settings (a tiny LRU; the lock is only tried).
 */
#include "failure.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forksafe.h"
#include "keybuf.h"

#define NFAIL 8
#define TTL	  10

struct answer
{
	struct keybuf key;
	time_t expires;
	const char *reason;
	struct pgs_prediction pred;
	unsigned long used;
};

static struct proc_lock lock = PROC_LOCK_INIT;
static struct answer answers[NFAIL];
static unsigned long clock_;

/* Everything the answer depends on. */
static bool
make_key(struct keybuf *k, const struct predict_ctx *c, const struct pgs_observed *obs)
{
	int mode = (int) c->d->effective;
	int floor = (int) c->d->settings->min_protocol;

	kb_init(k);
	kb_put_str(k, c->host);
	kb_put_str(k, obs->hostaddr);
	kb_put_str(k, obs->port);
	kb_put(k, &mode, sizeof(mode));
	kb_put(k, &floor, sizeof(floor));
	kb_put_str(k, decision_enforced(c->d, "sslrootcert", c->f->sslrootcert));
	kb_put_str(k, decision_enforced(c->d, "sslcrl", c->f->sslcrl));
	kb_put_str(k, decision_enforced(c->d, "sslcrldir", c->f->sslcrldir));
	return k->ok;
}

static bool
lookup(const struct keybuf *k, time_t now, const char **reason, struct pgs_prediction *pred)
{
	bool hit = false;

	if (!proc_trylock(&lock))
		return false;
	for (int i = 0; i < NFAIL && !hit; i++)
	{
		struct answer *a = &answers[i];

		if (a->key.p && a->key.len == k->len && now < a->expires &&
			memcmp(a->key.p, k->p, k->len) == 0)
		{
			*reason = a->reason;
			*pred = a->pred;
			a->used = ++clock_;
			hit = true;
		}
	}
	proc_unlock(&lock);
	return hit;
}

/* Remembers the answer under K (taking its buffer). */
static void
remember(struct keybuf *k, time_t expires, const char *reason, const struct pgs_prediction *pred)
{
	struct answer *victim = &answers[0];

	if (!proc_trylock(&lock))
		return;
	for (int i = 1; i < NFAIL; i++)
	{
		if (answers[i].used < victim->used)
			victim = &answers[i];
	}
	free(victim->key.p);
	*victim = (struct answer){
		.key = *k, .expires = expires, .reason = reason, .pred = *pred, .used = ++clock_};
	k->p = NULL;
	proc_unlock(&lock);
}

const char *
predict_failure(const struct predict_ctx *c, const struct pgs_observed *obs, int timeout_ms,
				struct pgs_prediction *pred)
{
	struct keybuf k;
	struct pgs_observed probe;
	const char *reason = NULL;
	time_t now = time(NULL);

	if (make_key(&k, c, obs) && lookup(&k, now, &reason, pred))
	{
		free(k.p);
		return reason;
	}
	reason = predict_by_probe(c, obs, timeout_ms, &probe, pred);
	observed_free(&probe);
	if (k.ok)
		remember(&k, now + TTL, reason, pred);
	free(k.p);
	return reason;
}
