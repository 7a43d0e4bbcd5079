/*
 * certcache.c
 *	  Described certificates in a base/cache.h cache of 16 slots, keyed by
 *	  DER (compared in full: a hash collision must not put another
 *	  certificate's text in a record).  Each value is a malloc'd pgs_cert
 *	  holding the text only (the key holds the DER).
 */
#include "certcache.h"

#include <stdlib.h>
#include <string.h>

#include "cache.h"

#define NCERTS 16

static void
destroy(void *value)
{
	cert_free(value);
	free(value);
}

/*
 * CACHE_TRY: this runs for every certificate of every connection, enforce
 * and audit, in the application's thread; a busy cache only means describing
 * the certificate again (microseconds), so the lock is never waited for.
 */
static struct cache certs = CACHE_INIT(NCERTS, CACHE_TRY, destroy);

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
copy_out(void *value, void *out)
{
	return copy_text(out, value);
}

bool
certcache_get(struct pgs_cert *c)
{
	if (c->der == NULL || c->der_len <= 0)
		return false;
	return cache_get(&certs, c->der, (size_t) c->der_len, copy_out, c);
}

void
certcache_put(const struct pgs_cert *c)
{
	struct pgs_cert *v;

	if (c->der == NULL || c->der_len <= 0 || (v = calloc(1, sizeof(*v))) == NULL)
		return;
	if (!copy_text(v, c))
	{
		free(v);
		return;
	}
	cache_put(&certs, c->der, (size_t) c->der_len, v, 0);
}
