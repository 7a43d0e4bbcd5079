/*
 * trust.h
 *	  Does a trust store trust the CA of the next rotation?  (contract:
 *	  next_ca.)  The first certificate of the next_ca file must verify
 *	  against the store libpq would build from the root file, with the
 *	  file's other certificates as untrusted intermediates.
 */
#ifndef PGTLS_SHIM_TRUST_H
#define PGTLS_SHIM_TRUST_H

#include <stddef.h>

/*
 * 1 when the store of ROOTCERT (a file, or "system") trusts NEXT_CA, 0 when
 * it does not, -1 when it cannot be told (a file unreadable); WHY (LEN
 * bytes) says what is missing, or why it cannot be told.  Answers are
 * cached per version of both files.  Thread-safe.
 */
int trust_next_ca(const char *rootcert, const char *next_ca, char *why, size_t len);

#endif
