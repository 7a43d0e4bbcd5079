/*
 * verify.h
 *	  The audit's independent check: would libpq, with the settings
 *	  enforcement would use, accept the chain this server sent?  The check
 *	  is libpq's own, made with the audit's OpenSSL (audit_openssl.h): the same CA
 *	  and CRL sources, the SSL-server purpose and OpenSSL's security level
 *	  (as libssl applies them in the handshake), and libpq's host-name rules.
 */
#ifndef PGTLS_SHIM_VERIFY_H
#define PGTLS_SHIM_VERIFY_H

#include <stdbool.h>

#include "cert.h"
#include "libpq_openssl.h"
#include "policy.h"

/* The audit's independent check of the chain. */
struct pgs_prediction
{
	bool checked; /* false: nothing to check (no chain, or libpq would not check it) */
	bool would_verify;
	char verify_error[160]; /* OpenSSL's reason, or the bundle's problem */
	int hostname_match;		/* -1 not checked, 0 no, 1 yes */
	const char *reason;		/* static (reasons.h): why enforcement would refuse, or NULL */
};

/* What libpq would check, resolved the way libpq resolves it (predict.c). */
struct verify_input
{
	const struct pgs_cert *chain; /* leaf first, with DER */
	int nchain;
	void *const *x509;					   /* libpq's objects of the same chain, or NULL */
	const struct libpq_openssl *x509_ossl; /* the OpenSSL they belong to */
	int security_level;					   /* libpq's SSL's, or -1: OpenSSL's default */
	const char *rootcert; /* the file libpq looks at, "system" (OpenSSL's default paths), or NULL */
	bool root_exists;	  /* libpq found it (stat), so it checks the chain */
	bool root_required;	  /* verify-ca/-full: a missing root file is an error */
	const char *crl;	  /* the CRL file libpq would try, or NULL */
	const char *crldir;	  /* sslcrldir, or NULL */
	bool check_host;	  /* verify-full */
	const char *host;	  /* the host name libpq verifies ("" or NULL: none given) */
};

/*
 * Runs the check of IN into *OUT.  With no root file (and none required)
 * libpq checks nothing: out->checked stays false.  Thread-safe.
 */
void verify_predict(const struct verify_input *in, struct pgs_prediction *out);

#endif
