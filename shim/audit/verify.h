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

#include "inspect.h"
#include "policy.h"
#include "record.h"

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
