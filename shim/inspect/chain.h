/*
 * chain.h
 *	  The certificate chain a server sent, read from an SSL * through the
 *	  table of the OpenSSL that owns it.
 */
#ifndef PGTLS_SHIM_CHAIN_H
#define PGTLS_SHIM_CHAIN_H

#include "cert.h"
#include "libpq_openssl.h"

/*
 * Describes the peer chain of SSL (an SSL * of the OpenSSL behind O), leaf
 * first, into OUT (at most MAX entries, each freed with cert_free by the
 * caller).  Returns how many were filled.
 */
int chain_read(const struct libpq_openssl *o, void *ssl, struct pgs_cert *out, int max);

/* The peer chain's X509 objects of SSL, borrowed, into OUT (at most MAX); returns how many. */
int chain_objects(const struct libpq_openssl *o, void *ssl, void **out, int max);

#endif
