/*
 * audit_openssl.h
 *	  The audit's own OpenSSL: libssl (and through it libcrypto), loaded
 *	  with dlopen on the first audit that needs it, never a DT_NEEDED.  When
 *	  the application's libpq uses the system's libssl.so.3, this is that
 *	  same library, already loaded.  Its objects never meet libpq's
 *	  (libpq_openssl.h): the chain arrives as DER.  One table for the chain
 *	  check and the probe.
 */
#ifndef PGTLS_SHIM_AUDIT_OPENSSL_H
#define PGTLS_SHIM_AUDIT_OPENSSL_H

#include "libpq_openssl.h"

struct audit_openssl
{
	/* Certificates and stores. */
	void *(*d2i_X509)(void **a, const unsigned char **pp, long len);
	void (*X509_free)(void *x);
	void *(*X509_STORE_new)(void);
	void (*X509_STORE_free)(void *st);
	int (*X509_STORE_up_ref)(void *st);
	int (*X509_STORE_load_locations)(void *st, const char *file, const char *dir);
	int (*X509_STORE_set_default_paths)(void *st);
	int (*X509_STORE_set_flags)(void *st, unsigned long flags);
	void *(*X509_STORE_get0_objects)(const void *st);
	void *(*X509_OBJECT_get0_X509)(const void *obj);
	int (*X509_check_purpose)(void *x, int id, int ca);
	/* Verification, as libssl verifies a server's chain. */
	void *(*X509_STORE_CTX_new)(void);
	int (*X509_STORE_CTX_init)(void *ctx, void *st, void *x, void *chain);
	int (*X509_STORE_CTX_set_default)(void *ctx, const char *name);
	void *(*X509_STORE_CTX_get0_param)(void *ctx);
	void (*X509_VERIFY_PARAM_set_auth_level)(void *param, int level);
	void (*X509_STORE_CTX_free)(void *ctx);
	int (*X509_STORE_CTX_get_error)(const void *ctx);
	int (*X509_verify_cert)(void *ctx);
	const char *(*X509_verify_cert_error_string)(long n);
	/* Names. */
	void *(*X509_get_ext_d2i)(const void *x, int nid, int *crit, int *idx);
	void (*GENERAL_NAMES_free)(void *names);
	const unsigned char *(*ASN1_STRING_get0_data)(const void *s);
	int (*ASN1_STRING_length)(const void *s);
	void *(*X509_get_subject_name)(const void *x);
	int (*X509_NAME_get_index_by_NID)(const void *name, int nid, int last);
	void *(*X509_NAME_get_entry)(const void *name, int loc);
	void *(*X509_NAME_ENTRY_get_data)(const void *ne);
	char *(*X509_NAME_oneline)(const void *name, char *buf, int size);
	/* PEM files. */
	void *(*BIO_new_file)(const char *path, const char *mode);
	void *(*PEM_read_bio_X509)(void *bio, void **x, void *cb, void *u);
	int (*BIO_free)(void *bio);
	/* Stacks and errors. */
	void *(*OPENSSL_sk_new_null)(void);
	int (*OPENSSL_sk_push)(void *sk, const void *p);
	void (*OPENSSL_sk_free)(void *sk);
	int (*OPENSSL_sk_num)(const void *sk);
	void *(*OPENSSL_sk_value)(const void *sk, int i);
	void (*ERR_clear_error)(void);
	/* TLS, for the probe and the security level. */
	const void *(*TLS_client_method)(void);
	void *(*SSL_CTX_new)(const void *method);
	void (*SSL_CTX_free)(void *ctx);
	int (*SSL_CTX_get_security_level)(const void *ctx);
	void *(*SSL_new)(void *ctx);
	void (*SSL_free)(void *ssl);
	int (*SSL_set_fd)(void *ssl, int fd);
	long (*SSL_ctrl)(void *ssl, int cmd, long larg, void *parg);
	int (*SSL_connect)(void *ssl);
	int (*SSL_get_error)(const void *ssl, int ret);
	const char *(*SSL_get_version)(const void *ssl);

	/* Filled once loaded. */
	/* The table chain_read takes, filled from this OpenSSL (not libpq's),
	 * for the probe's SSL. */
	struct libpq_openssl chain;
};

/* The table, loaded on first use; NULL when no usable libssl exists. */
const struct audit_openssl *audit_openssl_get(void);

/*
 * The security level a new SSL_CTX of T gets from OpenSSL's configuration
 * (Debian: 2), as libpq's gets it; computed once.  For when libpq's own SSL
 * object cannot be asked.
 */
int audit_openssl_security_level(const struct audit_openssl *t);

#endif
