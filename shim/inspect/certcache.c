/*
 * certcache.c
 *	  A small LRU of described certificates, keyed by DER (compared in
 *	  full: a hash collision must not put another certificate's text in a
 *	  record).  The lock is only ever tried, never waited for: a busy cache
 *	  just means describing the certificate again.
 */
#include "certcache.h"

#include <stdlib.h>
#include <string.h>

#include "forksafe.h"

#define NCERTS 16

static struct proc_lock lock = PROC_LOCK_INIT;
static struct pgs_cert certs[NCERTS];
static unsigned long used[NCERTS];
static unsigned long clock_;

static bool
dup_str(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src == NULL || *dst != NULL;
}

/*
 * Copies SRC's description (not its DER) into *DST, whose der and der_len
 * are kept.  False on out-of-memory, with no string of DST allocated.
 */
static bool
copy_text(struct pgs_cert *dst, const struct pgs_cert *src)
{
	unsigned char *der = dst->der;
	int der_len = dst->der_len;

	*dst = *src;
	dst->der = der;
	dst->der_len = der_len;
	dst->subject = dst->issuer = dst->serial = NULL;
	if (dup_str(&dst->subject, src->subject) && dup_str(&dst->issuer, src->issuer) &&
		dup_str(&dst->serial, src->serial))
		return true;
	free(dst->subject);
	free(dst->issuer);
	dst->subject = dst->issuer = NULL;
	return false;
}

static bool
cert_copy(struct pgs_cert *dst, const struct pgs_cert *src)
{
	memset(dst, 0, sizeof(*dst));
	if (src->der_len > 0)
	{
		if ((dst->der = malloc((size_t) src->der_len)) == NULL)
			return false;
		memcpy(dst->der, src->der, (size_t) src->der_len);
		dst->der_len = src->der_len;
	}
	if (copy_text(dst, src))
		return true;
	free(dst->der);
	memset(dst, 0, sizeof(*dst));
	return false;
}

/* The slot holding DER, or -1.  Caller holds the lock. */
static int
find(const unsigned char *der, int len)
{
	for (int i = 0; i < NCERTS; i++)
	{
		if (certs[i].der_len == len && len > 0 && memcmp(certs[i].der, der, (size_t) len) == 0)
			return i;
	}
	return -1;
}

bool
certcache_get(struct pgs_cert *c)
{
	int i;
	bool hit = false;

	if (c->der == NULL || !proc_trylock(&lock))
		return false;
	if ((i = find(c->der, c->der_len)) >= 0 && copy_text(c, &certs[i]))
	{
		used[i] = ++clock_;
		hit = true;
	}
	proc_unlock(&lock);
	return hit;
}

void
certcache_put(const struct pgs_cert *c)
{
	int victim = 0;

	if (c->der == NULL || !proc_trylock(&lock))
		return;
	if (find(c->der, c->der_len) < 0)
	{
		for (int i = 1; i < NCERTS; i++)
		{
			if (used[i] < used[victim])
				victim = i;
		}
		cert_free(&certs[victim]);
		if (cert_copy(&certs[victim], c))
			used[victim] = ++clock_;
	}
	proc_unlock(&lock);
}
