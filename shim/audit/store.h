/*
 * store.h
 *	  Trust stores as libpq builds them: the root file (or OpenSSL's
 *	  default paths for "system") and the CRLs libpq would load, cached per
 *	  file version so that a 100-certificate bundle is parsed once, not per
 *	  connection.
 */
#ifndef PGTLS_SHIM_STORE_H
#define PGTLS_SHIM_STORE_H

#include <stdbool.h>

#include "keybuf.h"
#include "audit_openssl.h"

/*
 * Returns a referenced X509_STORE of T (the caller frees it with
 * T->X509_STORE_free) for ROOTCERT ("system" or a file), with the CRLs of
 * CRL and CRLDIR (either may be NULL) when libpq would load them: both
 * loadable, else none (libpq silently ignores a CRL it cannot load).  NULL
 * with *WHY (reasons.h) when the root file cannot be used.
 */
void *store_get(const struct audit_openssl *t, const char *rootcert, const char *crl,
				const char *crldir, const char **why);

/*
 * The cache key of a store for these files into *K (kb_init'ed here): a
 * changed file is another key.  False when ROOTCERT cannot be stat'ed.
 */
bool store_key(struct keybuf *k, const char *rootcert, const char *crl, const char *crldir);

/* True when PATH is a regular file: opening it cannot block. */
bool store_regular_file(const char *path);

#endif
