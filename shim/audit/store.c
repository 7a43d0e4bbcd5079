/*
 * store.c
 *	  A small LRU of X509_STOREs (reference-counted, safe to share between
 *	  threads for verification), keyed by every file that went into them.
 *	  A file that is not a regular file is never opened: a FIFO planted at a
 *	  CA path must not hang the host process.
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509_vfy.h>

#include "forksafe.h"
#include "reasons.h"

#define NCACHE 16

struct cached
{
	struct keybuf key;
	void *store; /* one reference held by the cache */
	unsigned long used;
};

static struct proc_lock lock = PROC_LOCK_INIT;
static struct cached cache[NCACHE];
static unsigned long clock_;

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
warm(const struct own_ssl *t, void *store)
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
load_crls(const struct own_ssl *t, void *store, const char *crl, const char *crldir)
{
	if ((crl == NULL || store_regular_file(crl)) && (crl != NULL || crldir != NULL) &&
		t->X509_STORE_load_locations(store, crl, crldir) == 1)
		t->X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	t->ERR_clear_error();
}

/* A new store; NULL with *WHY when the root cannot be loaded. */
static void *
build(const struct own_ssl *t, const char *rootcert, const char *crl, const char *crldir,
	  const char **why)
{
	bool system = strcmp(rootcert, "system") == 0;
	void *store;

	if (!system && !store_regular_file(rootcert))
	{
		*why = access(rootcert, F_OK) == 0 ? R_BUNDLE_BAD : R_BUNDLE_MISSING;
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

void *
store_get(const struct own_ssl *t, const char *rootcert, const char *crl, const char *crldir,
		  const char **why)
{
	struct keybuf k;
	struct cached *victim = &cache[0];
	void *store;

	if (!store_key(&k, rootcert, crl, crldir))
	{
		free(k.p);
		return build(t, rootcert, crl, crldir, why);
	}
	proc_lock(&lock);
	for (int i = 0; i < NCACHE; i++)
	{
		struct cached *c = &cache[i];

		if (c->store && c->key.len == k.len && memcmp(c->key.p, k.p, k.len) == 0)
		{
			c->used = ++clock_;
			t->X509_STORE_up_ref(c->store);
			proc_unlock(&lock);
			free(k.p);
			return c->store;
		}
		if (c->used < victim->used)
			victim = c;
	}
	if ((store = build(t, rootcert, crl, crldir, why)) != NULL)
	{
		if (victim->store)
			t->X509_STORE_free(victim->store);
		free(victim->key.p);
		*victim = (struct cached){.key = k, .store = store, .used = ++clock_};
		k.p = NULL;
		t->X509_STORE_up_ref(store);
	}
	proc_unlock(&lock);
	free(k.p);
	return store;
}
