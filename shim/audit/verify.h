/*
 * verify.h
 *	  The audit's independent check: would libpq, with the settings
 *	  enforcement injects, accept the chain this server sent?  Uses the
 *	  shim's own libcrypto, loaded with dlopen on first use (never a
 *	  DT_NEEDED), so it works whatever OpenSSL the application bundles.
 */
#ifndef PGTLS_SHIM_VERIFY_H
#define PGTLS_SHIM_VERIFY_H

#include <stdbool.h>

#include "cert.h"
#include "policy.h"

/* The audit's independent check of the chain. */
struct pgs_prediction
{
	bool checked; /* false: nothing to check (no chain, or below verify-ca) */
	bool would_verify;
	char verify_error[160]; /* OpenSSL's reason, or the bundle's problem */
	int hostname_match;		/* -1 not checked, 0 no, 1 yes */
	const char *reason;		/* static (reasons.h): why enforcement would refuse, or NULL */
};

/*
 * Checks CHAIN (leaf first, DER) against the CA bundle ROOTCERT (a PEM
 * file, with CRLs from CRL when not NULL) at SSLMODE, with HOST for
 * verify-full, into *out.  Below verify-ca only a missing chain counts.
 * Bundles are parsed once per (path, inode, size, mtime).  Thread-safe.
 */
void predict_verification(const struct pgs_cert *chain, int nchain, const char *rootcert,
						  const char *crl, enum pgs_sslmode sslmode, const char *host,
						  struct pgs_prediction *out);

#endif
