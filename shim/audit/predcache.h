/*
 * predcache.h
 *	  Recent audit predictions, so that a server sending the same chain on
 *	  every connection is checked once a minute, not once per connection.
 */
#ifndef PGTLS_SHIM_PREDCACHE_H
#define PGTLS_SHIM_PREDCACHE_H

#include "verify.h"

/*
 * predict_verification (same arguments and result), answered from a cache
 * when the same chain was checked for the same host, sslmode and unchanged
 * CA and CRL files (path, inode, size, mtime) less than a minute ago and no
 * certificate of it has expired since.  Thread-safe.
 */
void predict_cached(const struct pgs_cert *chain, int nchain, const char *rootcert, const char *crl,
					enum pgs_sslmode sslmode, const char *host, struct pgs_prediction *out);

#endif
