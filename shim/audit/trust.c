/*
 * trust.c
 *	  next_ca against a trust store, cached in a base/cache.h cache of 8
 *	  slots: a fleet auditing with next_ca checks each (store, next_ca) pair
 *	  once per change of either file.
 */
#include "trust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "keybuf.h"
#include "audit_openssl.h"
#include "reasons.h"
#include "store.h"

#define NTRUST	 8
#define MAX_NEXT 8

struct answer
{
	int result;
	char why[200];
};

/*
 * CACHE_BLOCK: the lock is held only to look an answer up or store one (a
 * compare of at most 8 keys, a copy of 200 bytes: no I/O, no other lock;
 * the check itself runs unlocked), so a wait is never longer than that,
 * while a try-lock's miss would read the next_ca file and verify it again
 * (milliseconds) to save those microseconds.
 */
static struct cache answers = CACHE_INIT(NTRUST, CACHE_BLOCK, free);

/* Reads up to MAX certificates of the PEM file PATH into CERTS; returns how many. */
static int
read_pem(const struct audit_openssl *t, const char *path, void **certs, int max)
{
	void *bio;
	int n = 0;

	if (!store_regular_file(path) || (bio = t->BIO_new_file(path, "r")) == NULL)
		return 0;
	while (n < max && (certs[n] = t->PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		n++;
	t->BIO_free(bio);
	t->ERR_clear_error();
	return n;
}

/* Verifies CERTS[0] (with CERTS[1..N) untrusted) against STORE; WHY on failure. */
static int
verifies(const struct audit_openssl *t, void *store, void **certs, int n, char *why, size_t len)
{
	void *untrusted = t->OPENSSL_sk_new_null();
	void *ctx = t->X509_STORE_CTX_new();
	char subject[160];
	int ok = 0;

	for (int i = 1; untrusted && i < n; i++)
		t->OPENSSL_sk_push(untrusted, certs[i]);
	if (ctx && untrusted && t->X509_STORE_CTX_init(ctx, store, certs[0], untrusted) == 1)
	{
		t->X509_VERIFY_PARAM_set_auth_level(t->X509_STORE_CTX_get0_param(ctx),
											audit_openssl_security_level(t));
		ok = t->X509_verify_cert(ctx) == 1;
		if (!ok)
			snprintf(
				why, len, "does not trust %s (%s)",
				t->X509_NAME_oneline(t->X509_get_subject_name(certs[0]), subject, sizeof(subject)),
				t->X509_verify_cert_error_string(t->X509_STORE_CTX_get_error(ctx)));
	}
	else
		snprintf(why, len, "cannot check next_ca");
	if (ctx)
		t->X509_STORE_CTX_free(ctx);
	if (untrusted)
		t->OPENSSL_sk_free(untrusted);
	return ok;
}

/* The answer, uncached. */
static int
check(const char *rootcert, const char *next_ca, char *why, size_t len)
{
	const struct audit_openssl *t = audit_openssl_get();
	void *certs[MAX_NEXT];
	void *store;
	const char *bad = NULL;
	int n;
	int r = -1;

	if (t == NULL)
	{
		snprintf(why, len, "no libssl to check with");
		return -1;
	}
	if ((n = read_pem(t, next_ca, certs, MAX_NEXT)) == 0)
	{
		snprintf(why, len, "next_ca %s holds no certificate", next_ca);
		return -1;
	}
	if ((store = store_get(t, rootcert, NULL, NULL, &bad)) != NULL)
	{
		r = verifies(t, store, certs, n, why, len);
		t->X509_STORE_free(store);
	}
	else
	{
		/* No root file at all trusts nothing; an unreadable one cannot be told. */
		snprintf(why, len, "%s: %s", bad, rootcert);
		r = strcmp(bad, R_BUNDLE_MISSING) == 0 ? 0 : -1;
	}
	for (int i = 0; i < n; i++)
		t->X509_free(certs[i]);
	t->ERR_clear_error();
	return r;
}

struct got
{
	char *why;
	size_t len;
	int result;
};

static bool
copy_out(void *value, void *out)
{
	const struct answer *a = value;
	struct got *g = out;

	snprintf(g->why, g->len, "%s", a->why);
	g->result = a->result;
	return true;
}

int
trust_next_ca(const char *rootcert, const char *next_ca, char *why, size_t len)
{
	struct keybuf k;
	struct got g = {.why = why, .len = len};
	struct answer *a;
	int r;

	why[0] = '\0';
	if (!store_key(&k, rootcert, NULL, NULL) || !kb_put_file(&k, next_ca) || !k.ok)
	{
		free(k.p);
		return check(rootcert, next_ca, why, len);
	}
	if (cache_get(&answers, k.p, k.len, copy_out, &g))
	{
		free(k.p);
		return g.result;
	}
	/* Checked unlocked: it reads next_ca and takes store.c's lock. */
	r = check(rootcert, next_ca, why, len);
	if ((a = malloc(sizeof(*a))) != NULL)
	{
		a->result = r;
		snprintf(a->why, sizeof(a->why), "%s", why);
		cache_put(&answers, k.p, k.len, a, 0);
	}
	free(k.p);
	return r;
}
