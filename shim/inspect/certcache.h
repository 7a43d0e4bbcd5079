/*
 * certcache.h
 *	  The text of certificates already seen (subject, issuer, serial,
 *	  validity, fingerprint, key), keyed by their DER bytes.  A server sends
 *	  the same chain on every connection; describing it once saves most of
 *	  the shim's per-connection work.  Process-wide, thread-safe, bounded.
 */
#ifndef PGTLS_SHIM_CERTCACHE_H
#define PGTLS_SHIM_CERTCACHE_H

#include <stdbool.h>

#include "attr.h"
#include "cert.h"

/*
 * When a certificate with exactly the DER bytes of C->der is cached, fills
 * the rest of *C with malloc'd copies (owned by *C, freed by
 * observed_free) and returns true.  False when absent, or when the cache is
 * busy in another thread: the caller then describes the certificate itself.
 */
bool certcache_get(struct pgs_cert *c) PGS_WUR;

/* Remembers a copy of C (with its DER), evicting the least recently used. */
void certcache_put(const struct pgs_cert *c);

#endif
