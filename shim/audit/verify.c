/*
 * verify.c
 *	  The chain check of the audit's prediction, made as libssl makes it for
 *	  libpq: X509_verify_cert against the trust store libpq would build, with
 *	  the "ssl_server" defaults (the SSL-server purpose) and OpenSSL's
 *	  security level as the authentication level; then libpq's host-name
 *	  check.  The chain arrives as DER and is decoded with the audit's own
 *	  OpenSSL.
 */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "hostmatch.h"
#include "audit_openssl.h"
#include "reasons.h"
#include "store.h"

#define MAX_CERTS 16

/* Decodes CHAIN's DER into CERTS (at most MAX); returns how many. */
static int
decode_chain(const struct audit_openssl *t, const struct pgs_cert *chain, int nchain, void **certs,
			 int max)
{
	int n = 0;

	for (int i = 0; i < nchain && n < max; i++)
	{
		const unsigned char *p = chain[i].der;

		if (p && (certs[n] = t->d2i_X509(NULL, &p, chain[i].der_len)) != NULL)
			n++;
	}
	return n;
}

/*
 * Verifies CERTS[0] with CERTS[1..N) as intermediates against STORE, at
 * security LEVEL, into *OUT.
 */
static void
verify_chain(const struct audit_openssl *t, void *store, void **certs, int n, int level,
			 struct pgs_prediction *out)
{
	void *untrusted = t->OPENSSL_sk_new_null();
	void *ctx = t->X509_STORE_CTX_new();
	int e;

	if (untrusted == NULL || ctx == NULL ||
		t->X509_STORE_CTX_init(ctx, store, certs[0], untrusted) != 1)
	{
		snprintf(out->verify_error, sizeof(out->verify_error), "cannot check the chain");
		out->reason = R_NOT_VERIFIED;
	}
	else
	{
		for (int i = 1; i < n; i++)
			t->OPENSSL_sk_push(untrusted, certs[i]);
		/* What ssl_verify_cert_chain sets up for a client checking a server. */
		t->X509_STORE_CTX_set_default(ctx, "ssl_server");
		t->X509_VERIFY_PARAM_set_auth_level(t->X509_STORE_CTX_get0_param(ctx), level);
		if (t->X509_verify_cert(ctx) == 1)
			out->would_verify = true;
		else
		{
			e = t->X509_STORE_CTX_get_error(ctx);
			snprintf(out->verify_error, sizeof(out->verify_error), "%s",
					 t->X509_verify_cert_error_string(e));
			out->reason = reasons_for_verify_error(e);
		}
	}
	if (ctx)
		t->X509_STORE_CTX_free(ctx);
	if (untrusted)
		t->OPENSSL_sk_free(untrusted);
}

/* The raw bytes of an ASN1_STRING S as a cert_name of TYPE. */
static struct cert_name
asn1_name(const struct audit_openssl *t, const void *s, enum cert_name_type type)
{
	return (struct cert_name){type, t->ASN1_STRING_get0_data(s), (size_t) t->ASN1_STRING_length(s)};
}

/* libpq's host-name check of LEAF: 1, 0 or -1 as hostmatch_check. */
static int
check_host(const struct audit_openssl *t, void *leaf, const char *host)
{
	GENERAL_NAMES *san = t->X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	int nsan = san ? t->OPENSSL_sk_num(san) : 0;
	struct cert_name *names = nsan > 0 ? calloc((size_t) nsan, sizeof(*names)) : NULL;
	struct cert_name cn;
	struct cert_names all = {.san = names};
	void *subject = t->X509_get_subject_name(leaf);
	int idx = subject ? t->X509_NAME_get_index_by_NID(subject, NID_commonName, -1) : -1;
	int rc = -1;

	for (int i = 0; names != NULL && i < nsan; i++)
	{
		const GENERAL_NAME *g = t->OPENSSL_sk_value(san, i);

		names[all.nsan++] = g->type == GEN_DNS	   ? asn1_name(t, g->d.dNSName, CERT_NAME_DNS)
							: g->type == GEN_IPADD ? asn1_name(t, g->d.iPAddress, CERT_NAME_IP)
												   : (struct cert_name){CERT_NAME_OTHER, NULL, 0};
	}
	if (idx >= 0)
	{
		cn = asn1_name(t, t->X509_NAME_ENTRY_get_data(t->X509_NAME_get_entry(subject, idx)),
					   CERT_NAME_DNS);
		all.cn = &cn;
	}
	if (nsan == 0 || names != NULL)
		rc = hostmatch_check(host, &all);
	free(names);
	if (san)
		t->GENERAL_NAMES_free(san);
	return rc;
}

/* The store for IN into *STORE; false with OUT's reason when libpq would fail. */
static bool
open_store(const struct audit_openssl *t, const struct verify_input *in, void **store,
		   struct pgs_prediction *out)
{
	const char *why = NULL;

	*store = store_get(t, in->rootcert, in->crl, in->crldir, &why);
	if (*store != NULL)
		return true;
	snprintf(out->verify_error, sizeof(out->verify_error), "%s: %s", why, in->rootcert);
	out->reason = why;
	return false;
}

/*
 * The chain as objects of T into CERTS: libpq's own when they belong to the
 * same libcrypto (no second parse; *BORROWED), else decoded from DER.
 */
static int
chain_for(const struct audit_openssl *t, const struct verify_input *in, void **certs,
		  bool *borrowed)
{
	*borrowed = in->x509 != NULL && in->x509_ossl != NULL &&
				(const void *) in->x509_ossl->X509_get_subject_name ==
					(const void *) t->X509_get_subject_name;
	if (!*borrowed)
		return decode_chain(t, in->chain, in->nchain, certs, MAX_CERTS);
	for (int i = 0; i < in->nchain && i < MAX_CERTS; i++)
		certs[i] = in->x509[i];
	return in->nchain < MAX_CERTS ? in->nchain : MAX_CERTS;
}

void
verify_predict(const struct verify_input *in, struct pgs_prediction *out)
{
	const struct audit_openssl *t;
	void *certs[MAX_CERTS] = {0};
	void *store = NULL;
	bool borrowed = false;
	int n = 0;

	memset(out, 0, sizeof(*out));
	out->hostname_match = -1;
	if (in->nchain == 0 || (!in->root_exists && !in->root_required))
		return; /* libpq checks nothing */
	out->checked = true;
	if (!in->root_exists)
	{
		snprintf(out->verify_error, sizeof(out->verify_error), "%s: %s", R_BUNDLE_MISSING,
				 in->rootcert ? in->rootcert : "no home directory for ~/.postgresql/root.crt");
		out->reason = R_BUNDLE_MISSING;
		return;
	}
	if ((t = audit_openssl_get()) == NULL)
	{
		snprintf(out->verify_error, sizeof(out->verify_error), "no libssl to check with");
		out->reason = R_NOT_VERIFIED;
		return;
	}
	if (open_store(t, in, &store, out) && (n = chain_for(t, in, certs, &borrowed)) > 0)
		verify_chain(t, store, certs, n,
					 in->security_level >= 0 ? in->security_level : audit_openssl_security_level(t),
					 out);
	if (n > 0 && in->check_host)
	{
		/* libpq checks the name once the chain passed; shown in any case. */
		int rc = check_host(t, certs[0], in->host);

		out->hostname_match = rc == 1 ? 1 : 0;
		if (rc != 1 && out->would_verify)
			out->reason = (in->host == NULL || in->host[0] == '\0') ? R_NO_HOST_NAME : R_WRONG_HOST;
	}
	t->ERR_clear_error();
	if (store)
		t->X509_STORE_free(store);
	for (int i = 0; i < n && !borrowed; i++)
		t->X509_free(certs[i]);
}
