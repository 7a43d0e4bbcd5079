/*
 * store.c
 *	  X509_STOREs (reference-counted, safe to share between threads for
 *	  verification) in a base/cache.h cache of 16 slots, keyed by every
 *	  file that went into them.  A file that is not a regular file is never
 *	  opened (SSL_CERT_FILE under "system" included): a FIFO planted at a
 *	  CA path must not hang the host process.
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509_vfy.h>

#include "cache.h"
#include "reasons.h"

#define NCACHE 16

/* A cached store and the table it belongs to. */
struct held
{
	const struct audit_openssl *t;
	void *store; /* one reference held by the cache */
};

static void
destroy(void *value)
{
	struct held *h = value;

	h->t->X509_STORE_free(h->store);
	free(h);
}

/*
 * CACHE_BLOCK, and the store is built with the lock held (cache_get_or_make):
 * a store is a whole CA bundle parsed (OpenSSL's default paths, a
 * 100-certificate file: milliseconds), and the threads of a pool connect at
 * once.  A waiter for the same bundle waits no longer than the parse it
 * would otherwise make itself, and the bundle is parsed once instead of once
 * per thread (the point of this cache: the CPU and memory of N parses at a
 * pool's start); a waiter for another bundle waits for one parse more.  The
 * wait is bounded: only regular files are opened (store_regular_file), and
 * nothing under the lock takes another lock of the shim's.  Only the
 * audit's checks ask (a chain's prediction, a failed attempt's probe,
 * next_ca), once libpq has connected or failed.
 */
static struct cache stores = CACHE_INIT(NCACHE, CACHE_BLOCK, destroy);

bool
store_regular_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * Computes now, in the loading thread, what OpenSSL otherwise caches in each
 * certificate of STORE on first use (its extensions): two threads verifying
 * against a freshly shared store would both fill that cache, a data race
 * inside libcrypto (ThreadSanitizer, test_concurrency).
 */
static void
warm(const struct audit_openssl *t, void *store)
{
	void *objs = t->X509_STORE_get0_objects(store);

	for (int i = 0; objs && i < t->OPENSSL_sk_num(objs); i++)
	{
		void *x = t->X509_OBJECT_get0_X509(t->OPENSSL_sk_value(objs, i));

		if (x != NULL)
			(void) t->X509_check_purpose(x, -1, 0);
	}
}

/* libpq's CRL rule: load CRL file and directory together, or neither. */
static void
load_crls(const struct audit_openssl *t, void *store, const char *crl, const char *crldir)
{
	if ((crl == NULL || store_regular_file(crl)) && (crl != NULL || crldir != NULL) &&
		t->X509_STORE_load_locations(store, crl, crldir) == 1)
		t->X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	t->ERR_clear_error();
}

/* A new store; NULL with *WHY when the root cannot be loaded. */
static void *
build(const struct audit_openssl *t, const char *rootcert, const char *crl, const char *crldir,
	  const char **why)
{
	bool system = strcmp(rootcert, "system") == 0;
	const char *env;
	void *store;

	if (!system && !store_regular_file(rootcert))
	{
		*why = access(rootcert, F_OK) == 0 ? R_BUNDLE_BAD : R_BUNDLE_MISSING;
		return NULL;
	}
	/* OpenSSL's default paths open $SSL_CERT_FILE (read as OpenSSL does,
	 * not in a setuid process) without this check: a FIFO there would
	 * block under the cache lock.  A missing one OpenSSL skips. */
	if (system && (env = secure_getenv("SSL_CERT_FILE")) != NULL && access(env, F_OK) == 0 &&
		!store_regular_file(env))
	{
		*why = R_BUNDLE_BAD;
		return NULL;
	}
	store = t->X509_STORE_new();
	if (store == NULL || (system ? t->X509_STORE_set_default_paths(store)
								 : t->X509_STORE_load_locations(store, rootcert, NULL)) != 1)
	{
		t->ERR_clear_error();
		if (store)
			t->X509_STORE_free(store);
		*why = R_BUNDLE_BAD;
		return NULL;
	}
	load_crls(t, store, crl, crldir);
	warm(t, store);
	return store;
}

bool
store_key(struct keybuf *k, const char *rootcert, const char *crl, const char *crldir)
{
	kb_init(k);
	if (strcmp(rootcert, "system") == 0)
	{
		/* OpenSSL's default paths follow SSL_CERT_FILE and SSL_CERT_DIR. */
		kb_put_str(k, "system");
		kb_put_str(k, getenv("SSL_CERT_FILE"));
		kb_put_str(k, getenv("SSL_CERT_DIR"));
	}
	else if (!kb_put_file(k, rootcert))
		return false;
	(void) kb_put_file(k, crl); /* a missing CRL is keyed as missing */
	(void) kb_put_file(k, crldir);
	return k->ok;
}

/* What make() builds from. */
struct recipe
{
	const struct audit_openssl *t;
	const char *rootcert;
	const char *crl;
	const char *crldir;
	const char *why; /* set when the root cannot be loaded */
};

/* A held store of the recipe ARG, or NULL (with its why, or out of memory). */
static void *
make(void *arg)
{
	struct recipe *r = arg;
	struct held *h = malloc(sizeof(*h));

	if (h == NULL)
		return NULL;
	h->t = r->t;
	if ((h->store = build(r->t, r->rootcert, r->crl, r->crldir, &r->why)) == NULL)
	{
		free(h);
		return NULL;
	}
	return h;
}

/* A reference to the held store VALUE into *(void **) OUT. */
static bool
copy_out(void *value, void *out)
{
	struct held *h = value;

	if (h->t->X509_STORE_up_ref(h->store) != 1)
		return false;
	*(void **) out = h->store;
	return true;
}

void *
store_get(const struct audit_openssl *t, const char *rootcert, const char *crl, const char *crldir,
		  const char **why)
{
	struct keybuf k;
	struct recipe r = {.t = t, .rootcert = rootcert, .crl = crl, .crldir = crldir};
	void *store = NULL;
	bool got;

	if (!store_key(&k, rootcert, crl, crldir))
	{
		free(k.p);
		return build(t, rootcert, crl, crldir, why);
	}
	got = cache_get_or_make(&stores, k.p, k.len, make, &r, copy_out, &store);
	free(k.p);
	if (got)
		return store;
	if (r.why != NULL)
	{
		*why = r.why;
		return NULL;
	}
	/* Out of memory for the cache's part: a store of its own. */
	return build(t, rootcert, crl, crldir, why);
}
