/*
 * predcache.c
 *	  Audit predictions in a base/cache.h cache of 8 slots.  The key is
 *	  every input of the check, serialised: what libpq checks, the host, the
 *	  CA and CRL paths with their file signatures, and the chain's DER,
 *	  compared in full.  An entry lives at most TTL seconds and never past
 *	  the earliest notAfter of its chain, so an expiry or a replaced bundle
 *	  is seen at once, and a CRL or clock change within a minute.
 */
#include "predcache.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "keybuf.h"
#include "store.h"

#define NPRED 8
#define TTL	  60

/*
 * CACHE_TRY: asked after every audited connection, in the application's
 * thread; a busy cache means checking the chain again (the check's cost,
 * never a wait behind another thread's).
 */
static struct cache preds = CACHE_INIT(NPRED, CACHE_TRY, free);

/* The key of a check into *K; false when the check is not cacheable. */
static bool
make_key(struct keybuf *k, const struct verify_input *in)
{
	unsigned char flags =
		(unsigned char) (in->root_required | (in->check_host << 1) | (in->root_exists << 2));

	if (in->rootcert == NULL)
	{
		kb_init(k);
		kb_put_str(k, NULL);
	}
	else if (!store_key(k, in->rootcert, in->crl, in->crldir) && in->root_exists)
		return false;
	kb_put(k, &flags, 1);
	kb_put_str(k, in->check_host ? in->host : NULL);
	kb_put(k, &in->nchain, sizeof(in->nchain));
	for (int i = 0; i < in->nchain; i++)
	{
		if (in->chain[i].der == NULL)
			return false;
		kb_put(k, &in->chain[i].der_len, sizeof(in->chain[i].der_len));
		kb_put(k, in->chain[i].der, (size_t) in->chain[i].der_len);
	}
	return k->ok;
}

static bool
copy_out(void *value, void *out)
{
	*(struct pgs_prediction *) out = *(const struct pgs_prediction *) value;
	return true;
}

/* Remembers PRED under K until EXPIRES. */
static void
remember(const struct keybuf *k, time_t expires, const struct pgs_prediction *pred)
{
	struct pgs_prediction *v = malloc(sizeof(*v));

	if (v == NULL)
		return;
	*v = *pred;
	cache_put(&preds, k->p, k->len, v, expires);
}

void
predcache_predict(const struct verify_input *in, struct pgs_prediction *out)
{
	struct keybuf k = {0};
	time_t now = time(NULL);
	time_t expires = now + TTL;

	if (in->nchain <= 0 || !make_key(&k, in))
	{
		free(k.p);
		verify_predict(in, out);
		return;
	}
	if (!cache_get(&preds, k.p, k.len, copy_out, out))
	{
		verify_predict(in, out);
		for (int i = 0; i < in->nchain; i++)
		{
			if (in->chain[i].not_after_t > 0 && in->chain[i].not_after_t < expires)
				expires = in->chain[i].not_after_t;
		}
		remember(&k, expires, out);
	}
	free(k.p);
}
