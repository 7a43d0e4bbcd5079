/*
 * predcache.c
 *	  A small LRU of audit predictions.  The key is every input of the
 *	  check, serialised: what libpq checks, the host, the CA and CRL paths
 *	  with their file signatures, and the chain's DER, compared in full.  An entry lives at
 *	  most TTL seconds and never past the earliest notAfter of its chain, so
 *	  an expiry or a replaced bundle is seen at once, and a CRL or clock
 *	  change within a minute.  The lock is only tried: a busy cache means
 *	  checking again.
 */
#include "predcache.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forksafe.h"
#include "keybuf.h"
#include "store.h"

#define NPRED 8
#define TTL	  60

struct entry
{
	unsigned char *key;
	size_t len;
	time_t expires;
	unsigned long used;
	struct pgs_prediction pred;
};

static struct proc_lock lock = PROC_LOCK_INIT;
static struct entry entries[NPRED];
static unsigned long clock_;

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
lookup(const struct keybuf *k, time_t now, struct pgs_prediction *out)
{
	bool hit = false;

	if (!proc_trylock(&lock))
		return false;
	for (int i = 0; i < NPRED; i++)
	{
		struct entry *e = &entries[i];

		if (e->len == k->len && now < e->expires && memcmp(e->key, k->p, k->len) == 0)
		{
			*out = e->pred;
			e->used = ++clock_;
			hit = true;
			break;
		}
	}
	proc_unlock(&lock);
	return hit;
}

/* Stores PRED under K (taking K's buffer; K is emptied). */
static void
store(struct keybuf *k, time_t expires, const struct pgs_prediction *pred)
{
	struct entry *victim = &entries[0];

	if (!proc_trylock(&lock))
		return;
	for (int i = 1; i < NPRED; i++)
	{
		if (entries[i].used < victim->used)
			victim = &entries[i];
	}
	free(victim->key);
	*victim = (struct entry){
		.key = k->p,
		.len = k->len,
		.expires = expires,
		.used = ++clock_,
		.pred = *pred,
	};
	k->p = NULL;
	proc_unlock(&lock);
}

void
predict_cached(const struct verify_input *in, struct pgs_prediction *out)
{
	struct keybuf k = {0};
	time_t now = time(NULL);
	time_t expires = now + TTL;

	if (in->nchain <= 0 || !make_key(&k, in))
	{
		free(k.p);
		predict_verification(in, out);
		return;
	}
	if (!lookup(&k, now, out))
	{
		predict_verification(in, out);
		for (int i = 0; i < in->nchain; i++)
		{
			if (in->chain[i].not_after_t > 0 && in->chain[i].not_after_t < expires)
				expires = in->chain[i].not_after_t;
		}
		store(&k, expires, out);
	}
	free(k.p);
}
