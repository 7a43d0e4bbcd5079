/*
 * libpq_openssl.h
 *	  libpq's OpenSSL: the functions the shim applies to libpq's TLS
 *	  objects, resolved from the OpenSSL that this libpq itself loaded (never
 *	  from a copy the shim links: a client may bundle its own libpq and
 *	  OpenSSL, and objects of one OpenSSL must not be handed to another).
 *	  Types are opaque here.  (The audit's own OpenSSL, audit_openssl.h,
 *	  fills one more of these tables to read its probe's chain.)
 */
#ifndef PGTLS_SHIM_LIBPQ_OPENSSL_H
#define PGTLS_SHIM_LIBPQ_OPENSSL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct libpq_openssl
{
	void *(*SSL_get_peer_cert_chain)(const void *ssl);
	int (*OPENSSL_sk_num)(const void *sk);
	void *(*OPENSSL_sk_value)(const void *sk, int i);
	void *(*X509_get_subject_name)(const void *x);
	void *(*X509_get_issuer_name)(const void *x);
	void *(*X509_get_serialNumber)(void *x);
	const void *(*X509_get0_notBefore)(const void *x);
	const void *(*X509_get0_notAfter)(const void *x);
	int (*X509_digest)(const void *x, const void *md, unsigned char *out, unsigned int *len);
	void *(*X509_get0_pubkey)(const void *x);
	int (*i2d_X509)(const void *x, unsigned char **out);
	const void *(*EVP_sha256)(void);
	int (*EVP_PKEY_get_base_id)(const void *pkey); /* or EVP_PKEY_base_id */
	int (*EVP_PKEY_get_bits)(const void *pkey);	   /* or EVP_PKEY_bits */
	int (*ASN1_TIME_to_tm)(const void *t, struct tm *tm);
	void *(*ASN1_INTEGER_to_BN)(const void *ai, void *bn);
	char *(*BN_bn2hex)(const void *bn);
	void (*BN_free)(void *bn);
	void (*CRYPTO_free)(void *p, const char *file, int line);
	int (*X509_NAME_print_ex)(void *bio, const void *name, int indent, unsigned long flags);
	const void *(*BIO_s_mem)(void);
	void *(*BIO_new)(const void *method);
	long (*BIO_ctrl)(void *bio, int cmd, long larg, void *parg);
	int (*BIO_free)(void *bio);
	const void *(*SSL_get_current_cipher)(const void *ssl);
	int (*SSL_CIPHER_get_bits)(const void *cipher, int *alg_bits);
	int (*SSL_get_verify_mode)(const void *ssl);
	int (*SSL_get_security_level)(const void *ssl);
	const char *(*X509_get_default_cert_file)(void);
	const char *(*X509_get_default_cert_file_env)(void);
};

/*
 * Fills *O with dlsym on handle H (whose dependencies hold libssl and
 * libcrypto).  A symbol for which REJECT returns true (the shim's own
 * exports) counts as missing; REJECT may be NULL.  All or nothing: false when
 * any function is missing, since a partial table would crash on an old
 * OpenSSL.
 */
bool libpq_openssl_load(void *h, struct libpq_openssl *o, bool (*reject)(const void *));

#endif
