/*
 * predcache.h
 *	  Recent audit predictions, so that a server sending the same chain on
 *	  every connection is checked once a minute, not once per connection.
 */
#ifndef PGTLS_SHIM_PREDCACHE_H
#define PGTLS_SHIM_PREDCACHE_H

#include "verify.h"

/*
 * verify_predict (same arguments and result), answered from a cache
 * when the same check (chain, host, unchanged CA and CRL files) was made
 * less than a minute ago and no certificate of the chain has expired since.
 * Thread-safe.
 */
void predcache_predict(const struct verify_input *in, struct pgs_prediction *out);

#endif
