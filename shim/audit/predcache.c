/*
 * predcache.c
 *	  A small LRU of audit predictions.  The key is every input of the
 *	  check, serialized: sslmode, host, the CA and CRL paths with their file
 *	  identities, and the chain's DER, compared in full.  An entry lives at
 *	  most TTL seconds and never past the earliest notAfter of its chain, so
 *	  an expiry or a replaced bundle is seen at once, and a CRL or clock
 *	  change within a minute.  The lock is only tried: a busy cache means
 *	  checking again.
 */
#include "predcache.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filesig.h"
#include "forksafe.h"

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

struct keybuf
{
	unsigned char *p;
	size_t len;
	size_t cap;
	bool ok;
};

static void
put(struct keybuf *k, const void *data, size_t n)
{
	if (!k->ok)
		return;
	if (k->len + n > k->cap)
	{
		size_t cap = (k->len + n) * 2;
		unsigned char *p = realloc(k->p, cap);

		if (p == NULL)
		{
			k->ok = false;
			return;
		}
		k->p = p;
		k->cap = cap;
	}
	memcpy(k->p + k->len, data, n);
	k->len += n;
}

static void
put_str(struct keybuf *k, const char *s)
{
	put(k, s ? "s" : "n", 1);
	if (s)
		put(k, s, strlen(s) + 1);
}

/* Path and identity of a file; false when it cannot be stat'ed. */
static bool
put_file(struct keybuf *k, const char *path)
{
	struct file_sig sig;

	put_str(k, path);
	if (path == NULL)
		return true;
	if (!filesig_read(path, &sig))
		return false;
	put(k, &sig, sizeof(sig)); /* zeroed by filesig_read, padding included */
	return true;
}

/* The key of a check into *K; false when the check is not cacheable. */
static bool
make_key(struct keybuf *k, const struct pgs_cert *chain, int nchain, const char *rootcert,
		 const char *crl, enum pgs_sslmode sslmode, const char *host)
{
	int mode = (int) sslmode;

	*k = (struct keybuf){.ok = true};
	put(k, &mode, sizeof(mode));
	put_str(k, host);
	if (!put_file(k, rootcert) || !put_file(k, crl))
		return false;
	put(k, &nchain, sizeof(nchain));
	for (int i = 0; i < nchain; i++)
	{
		if (chain[i].der == NULL)
			return false;
		put(k, &chain[i].der_len, sizeof(chain[i].der_len));
		put(k, chain[i].der, (size_t) chain[i].der_len);
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
predict_cached(const struct pgs_cert *chain, int nchain, const char *rootcert, const char *crl,
			   enum pgs_sslmode sslmode, const char *host, struct pgs_prediction *out)
{
	struct keybuf k = {0};
	time_t now = time(NULL);
	time_t expires = now + TTL;

	if (sslmode < PGS_SSL_VERIFY_CA || nchain <= 0 ||
		!make_key(&k, chain, nchain, rootcert, crl, sslmode, host))
	{
		free(k.p);
		predict_verification(chain, nchain, rootcert, crl, sslmode, host, out);
		return;
	}
	if (!lookup(&k, now, out))
	{
		predict_verification(chain, nchain, rootcert, crl, sslmode, host, out);
		for (int i = 0; i < nchain; i++)
		{
			if (chain[i].not_after_t > 0 && chain[i].not_after_t < expires)
				expires = chain[i].not_after_t;
		}
		store(&k, expires, out);
	}
	free(k.p);
}
