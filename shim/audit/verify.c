/*
 * verify.c
 *	  Chain verification for the audit prediction, with a libcrypto the shim
 *	  loads itself (dlopen, on the first audit that needs it).  Objects of
 *	  this libcrypto never meet libpq's: the chain arrives as DER.  CA
 *	  bundles are cached as X509_STORE objects (reference-counted, safe to
 *	  share between threads for verification), keyed by path and file
 *	  identity, so a 100-certificate bundle is parsed once, not per
 *	  connection.
 */
#include "verify.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "dlload.h"
#include "filesig.h"
#include "forksafe.h"
#include "hostmatch.h"
#include "reasons.h"

struct crypto
{
	void *(*d2i_X509)(void **a, const unsigned char **pp, long len);
	void (*X509_free)(void *x);
	void *(*X509_STORE_new)(void);
	void (*X509_STORE_free)(void *st);
	int (*X509_STORE_up_ref)(void *st);
	int (*X509_STORE_load_locations)(void *st, const char *file, const char *dir);
	int (*X509_STORE_set_flags)(void *st, unsigned long flags);
	void *(*X509_STORE_CTX_new)(void);
	int (*X509_STORE_CTX_init)(void *ctx, void *st, void *x, void *chain);
	void (*X509_STORE_CTX_free)(void *ctx);
	int (*X509_STORE_CTX_get_error)(const void *ctx);
	int (*X509_verify_cert)(void *ctx);
	const char *(*X509_verify_cert_error_string)(long n);
	void *(*OPENSSL_sk_new_null)(void);
	int (*OPENSSL_sk_push)(void *sk, const void *p);
	void (*OPENSSL_sk_free)(void *sk);
	int (*OPENSSL_sk_num)(const void *sk);
	void *(*OPENSSL_sk_value)(const void *sk, int i);
	void *(*X509_get_ext_d2i)(const void *x, int nid, int *crit, int *idx);
	void (*GENERAL_NAMES_free)(void *names);
	const unsigned char *(*ASN1_STRING_get0_data)(const void *s);
	int (*ASN1_STRING_length)(const void *s);
	void *(*X509_get_subject_name)(const void *x);
	int (*X509_NAME_get_index_by_NID)(const void *name, int nid, int last);
	void *(*X509_NAME_get_entry)(const void *name, int loc);
	void *(*X509_NAME_ENTRY_get_data)(const void *ne);
	void (*ERR_clear_error)(void);
	void *(*X509_STORE_get0_objects)(const void *st);
	void *(*X509_OBJECT_get0_X509)(const void *obj);
	int (*X509_check_purpose)(void *x, int id, int ca);
};

#define NCACHE 16

struct cached_store
{
	char *path;
	struct file_sig sig;
	void *store; /* one reference held by the cache */
	unsigned long used;
};

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static struct crypto C;
static bool crypto_ok;
static struct proc_lock cache_lock = PROC_LOCK_INIT;
static struct cached_store cache[NCACHE];
static unsigned long cache_clock;

static const struct dl_sym crypto_syms[] = {
	DL_SYM(struct crypto, d2i_X509),
	DL_SYM(struct crypto, X509_free),
	DL_SYM(struct crypto, X509_STORE_new),
	DL_SYM(struct crypto, X509_STORE_free),
	DL_SYM(struct crypto, X509_STORE_up_ref),
	DL_SYM(struct crypto, X509_STORE_load_locations),
	DL_SYM(struct crypto, X509_STORE_set_flags),
	DL_SYM(struct crypto, X509_STORE_CTX_new),
	DL_SYM(struct crypto, X509_STORE_CTX_init),
	DL_SYM(struct crypto, X509_STORE_CTX_free),
	DL_SYM(struct crypto, X509_STORE_CTX_get_error),
	DL_SYM(struct crypto, X509_verify_cert),
	DL_SYM(struct crypto, X509_verify_cert_error_string),
	DL_SYM(struct crypto, OPENSSL_sk_new_null),
	DL_SYM(struct crypto, OPENSSL_sk_push),
	DL_SYM(struct crypto, OPENSSL_sk_free),
	DL_SYM(struct crypto, OPENSSL_sk_num),
	DL_SYM(struct crypto, OPENSSL_sk_value),
	DL_SYM(struct crypto, X509_get_ext_d2i),
	DL_SYM(struct crypto, GENERAL_NAMES_free),
	DL_SYM(struct crypto, ASN1_STRING_get0_data),
	DL_SYM(struct crypto, ASN1_STRING_length),
	DL_SYM(struct crypto, X509_get_subject_name),
	DL_SYM(struct crypto, X509_NAME_get_index_by_NID),
	DL_SYM(struct crypto, X509_NAME_get_entry),
	DL_SYM(struct crypto, X509_NAME_ENTRY_get_data),
	DL_SYM(struct crypto, ERR_clear_error),
	DL_SYM(struct crypto, X509_STORE_get0_objects),
	DL_SYM(struct crypto, X509_OBJECT_get0_X509),
	DL_SYM(struct crypto, X509_check_purpose),
};

static void
load_crypto(void)
{
	static const char *const names[] = {"libcrypto.so.3", "libcrypto.so.1.1"};
	void *h = dl_open_first(names, 2, NULL);

	/* The handle is kept even on failure: harmless, and no unload races. */
	crypto_ok = h != NULL && dl_fill(h, crypto_syms, sizeof(crypto_syms) / sizeof(crypto_syms[0]),
									 &C, sizeof(C), NULL);
}

/*
 * Computes now, in the loading thread, what OpenSSL otherwise caches in each
 * certificate of STORE on first use (its extensions): two threads verifying
 * against a freshly shared store would both fill that cache, a data race
 * inside libcrypto (ThreadSanitizer, test_concurrency).
 */
static void
warm_store(void *store)
{
	void *objs = C.X509_STORE_get0_objects(store);

	for (int i = 0; objs && i < C.OPENSSL_sk_num(objs); i++)
	{
		void *x = C.X509_OBJECT_get0_X509(C.OPENSSL_sk_value(objs, i));

		if (x != NULL)
			(void) C.X509_check_purpose(x, -1, 0);
	}
}

/*
 * Returns a referenced X509_STORE for ROOTCERT (+CRL), from the cache when
 * the files are unchanged; NULL with *why set when the bundle is unusable.
 */
static void *
get_store(const char *rootcert, const char *crl, const char **why)
{
	struct file_sig sig;
	struct cached_store *slot = &cache[0];
	void *store = NULL;

	if (!filesig_read(rootcert, &sig))
	{
		*why = R_BUNDLE_MISSING;
		return NULL;
	}
	proc_lock(&cache_lock);
	for (int i = 0; i < NCACHE; i++)
	{
		struct cached_store *c = &cache[i];

		if (c->path && strcmp(c->path, rootcert) == 0 && crl == NULL &&
			filesig_equal(&c->sig, &sig))
		{
			c->used = ++cache_clock;
			C.X509_STORE_up_ref(c->store);
			proc_unlock(&cache_lock);
			return c->store;
		}
		if (c->used < slot->used)
			slot = c;
	}
	store = C.X509_STORE_new();
	if (store == NULL || C.X509_STORE_load_locations(store, rootcert, NULL) != 1 ||
		(crl &&
		 (C.X509_STORE_load_locations(store, crl, NULL) != 1 ||
		  C.X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL) != 1)))
	{
		C.ERR_clear_error();
		if (store)
			C.X509_STORE_free(store);
		proc_unlock(&cache_lock);
		*why = R_BUNDLE_BAD;
		return NULL;
	}
	warm_store(store);
	if (crl == NULL)
	{
		/* Replace the least recently used entry. */
		if (slot->store)
			C.X509_STORE_free(slot->store);
		free(slot->path);
		*slot = (struct cached_store){
			.path = strdup(rootcert),
			.sig = sig,
			.store = store,
			.used = ++cache_clock,
		};
		if (slot->path == NULL)
			*slot = (struct cached_store){0};
		else
			C.X509_STORE_up_ref(store);
	}
	proc_unlock(&cache_lock);
	return store;
}

/* Collects the leaf's names for host_matches and runs it. */
static bool
check_host(void *leaf, const char *host)
{
	struct cert_name dns[32];
	struct cert_name ip[32];
	struct cert_name cn;
	struct cert_names names = {.dns = dns, .ip = ip};
	GENERAL_NAMES *san = C.X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	void *subject;
	int idx;
	bool ok;

	for (int i = 0; san && i < C.OPENSSL_sk_num(san); i++)
	{
		const GENERAL_NAME *g = C.OPENSSL_sk_value(san, i);
		const ASN1_STRING *s = g->type == GEN_DNS	  ? (const ASN1_STRING *) g->d.dNSName
							   : g->type == GEN_IPADD ? g->d.iPAddress
													  : NULL;
		struct cert_name n;

		if (s == NULL)
			continue;
		n.data = C.ASN1_STRING_get0_data(s);
		n.len = (size_t) C.ASN1_STRING_length(s);
		if (g->type == GEN_DNS && names.ndns < 32)
			dns[names.ndns++] = n;
		else if (g->type == GEN_IPADD && names.nip < 32)
			ip[names.nip++] = n;
	}
	subject = C.X509_get_subject_name(leaf);
	idx = subject ? C.X509_NAME_get_index_by_NID(subject, NID_commonName, -1) : -1;
	if (idx >= 0)
	{
		const void *d = C.X509_NAME_ENTRY_get_data(C.X509_NAME_get_entry(subject, idx));

		cn.data = C.ASN1_STRING_get0_data(d);
		cn.len = (size_t) C.ASN1_STRING_length(d);
		names.cn = &cn;
	}
	ok = host_matches(host, &names);
	if (san)
		C.GENERAL_NAMES_free(san);
	return ok;
}

/* Decodes CHAIN's DER into CERTS (at most MAX); returns how many. */
static int
decode_chain(const struct pgs_cert *chain, int nchain, void **certs, int max)
{
	int n = 0;

	for (int i = 0; i < nchain && n < max; i++)
	{
		const unsigned char *p = chain[i].der;

		if (p && (certs[n] = C.d2i_X509(NULL, &p, chain[i].der_len)) != NULL)
			n++;
	}
	return n;
}

/* Verifies CERTS[0] with CERTS[1..N) as intermediates against STORE into *OUT. */
static void
verify_chain(void *store, void **certs, int n, struct pgs_prediction *out)
{
	void *untrusted = C.OPENSSL_sk_new_null();
	void *ctx = C.X509_STORE_CTX_new();
	int e;

	if (untrusted == NULL || ctx == NULL)
	{
		snprintf(out->verify_error, sizeof(out->verify_error), "cannot check the chain");
		out->reason = R_NOT_VERIFIED;
	}
	else
	{
		for (int i = 1; i < n; i++)
			C.OPENSSL_sk_push(untrusted, certs[i]);
		if (C.X509_STORE_CTX_init(ctx, store, certs[0], untrusted) == 1 &&
			C.X509_verify_cert(ctx) == 1)
			out->would_verify = true;
		else
		{
			e = C.X509_STORE_CTX_get_error(ctx);
			snprintf(out->verify_error, sizeof(out->verify_error), "%s",
					 C.X509_verify_cert_error_string(e));
			out->reason = reason_for_verify_error(e);
		}
	}
	if (ctx)
		C.X509_STORE_CTX_free(ctx);
	if (untrusted)
		C.OPENSSL_sk_free(untrusted);
}

void
predict_verification(const struct pgs_cert *chain, int nchain, const char *rootcert,
					 const char *crl, enum pgs_sslmode sslmode, const char *host,
					 struct pgs_prediction *out)
{
	void *certs[16] = {0};
	void *store = NULL;
	const char *why = NULL;
	int n;

	memset(out, 0, sizeof(*out));
	out->hostname_match = -1;
	if (sslmode < PGS_SSL_VERIFY_CA || nchain == 0)
		return;
	out->checked = true;
	pthread_once(&crypto_once, load_crypto);
	if (!crypto_ok)
	{
		snprintf(out->verify_error, sizeof(out->verify_error), "no libcrypto to check with");
		out->reason = R_NOT_VERIFIED;
		return;
	}
	n = decode_chain(chain, nchain, certs, 16);
	if (n == 0 || (store = get_store(rootcert, crl, &why)) == NULL)
	{
		snprintf(out->verify_error, sizeof(out->verify_error), "%s%s%s",
				 why ? why : "cannot check the chain", why ? ": " : "", why ? rootcert : "");
		out->reason = why ? why : R_NOT_VERIFIED;
	}
	else
		verify_chain(store, certs, n, out);
	if (store != NULL && sslmode == PGS_SSL_VERIFY_FULL)
	{
		out->hostname_match = check_host(certs[0], host) ? 1 : 0;
		if (out->would_verify && !out->hostname_match)
			out->reason = R_WRONG_HOST;
	}
	C.ERR_clear_error();
	if (store)
		C.X509_STORE_free(store);
	for (int i = 0; i < n; i++)
		C.X509_free(certs[i]);
}
