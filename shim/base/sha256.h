/*
 * sha256.h
 *	  SHA-256 (FIPS 180-4), self-contained: the preloaded library must not
 *	  link libcrypto, and hashes the policy's bytes before libpq is loaded.
 *	  Not for secrets (no constant-time concerns, no key material).
 */
#ifndef PGTLS_SHIM_SHA256_H
#define PGTLS_SHIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256
{
	uint32_t h[8];
	uint64_t total; /* bytes hashed so far */
	unsigned char buf[64];
	size_t used; /* bytes waiting in buf */
};

void sha256_init(struct sha256 *c);
/* Adds LEN bytes at DATA (DATA may be NULL when LEN is 0). */
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Finishes into OUT (32 bytes); C must be initialised again to be reused. */
void sha256_final(struct sha256 *c, unsigned char out[32]);
/* Finishes into HEX: 64 lowercase hex digits and a NUL. */
void sha256_final_hex(struct sha256 *c, char hex[65]);

#endif
