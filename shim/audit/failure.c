/*
 * failure.c
 *	  A failed attempt's reason, probed, and remembered TTL seconds per
 *	  server and enforced settings, in a base/cache.h cache of 8 slots.
 */
#include "failure.h"

#include <stdlib.h>
#include <time.h>

#include "cache.h"
#include "keybuf.h"

#define NFAIL 8
#define TTL	  10

struct answer
{
	const char *reason; /* static (reasons.h), or NULL */
	struct pgs_prediction pred;
};

/*
 * CACHE_TRY: asked after every failed attempt, in the application's thread
 * (a client retrying in a loop asks many times a second); a busy cache
 * means probing again, bounded by the probe's timeout, never a wait behind
 * another thread's probe.
 */
static struct cache answers = CACHE_INIT(NFAIL, CACHE_TRY, free);

/* Everything the answer depends on. */
static bool
make_key(struct keybuf *k, const struct predict_ctx *c, const struct pgs_observed *obs)
{
	int mode = (int) c->d->enforced_sslmode;
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
copy_out(void *value, void *out)
{
	*(struct answer *) out = *(const struct answer *) value;
	return true;
}

/* Remembers the answer under K until EXPIRES. */
static void
remember(const struct keybuf *k, time_t expires, const char *reason,
		 const struct pgs_prediction *pred)
{
	struct answer *a = malloc(sizeof(*a));

	if (a == NULL)
		return;
	*a = (struct answer){.reason = reason, .pred = *pred};
	cache_put(&answers, k->p, k->len, a, expires);
}

const char *
failure_reason(const struct predict_ctx *c, const struct pgs_observed *obs, int timeout_ms,
			   struct pgs_prediction *pred)
{
	struct keybuf k;
	struct pgs_observed probe;
	struct answer a;
	const char *reason;
	time_t now = time(NULL); /* the answer lives TTL from the question */

	if (make_key(&k, c, obs) && cache_get(&answers, k.p, k.len, copy_out, &a))
	{
		free(k.p);
		*pred = a.pred;
		return a.reason;
	}
	reason = predict_by_probe(c, obs, timeout_ms, &probe, pred);
	observed_free(&probe);
	if (k.ok)
		remember(&k, now + TTL, reason, pred);
	free(k.p);
	return reason;
}
