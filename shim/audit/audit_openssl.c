/*
 * audit_openssl.c
 *	  Loads the audit's OpenSSL once (pthread_once).  The handle is kept:
 *	  harmless, and no unload races with threads still verifying.
 */
#include "audit_openssl.h"

#include <pthread.h>
#include <stdbool.h>

#include "dlload.h"

#define S(f) DL_SYM(struct audit_openssl, f)

static const struct dl_sym syms[] = {
	S(d2i_X509),
	S(X509_free),
	S(X509_STORE_new),
	S(X509_STORE_free),
	S(X509_STORE_up_ref),
	S(X509_STORE_load_locations),
	S(X509_STORE_set_default_paths),
	S(X509_STORE_set_flags),
	S(X509_STORE_get0_objects),
	S(X509_OBJECT_get0_X509),
	S(X509_check_purpose),
	S(X509_STORE_CTX_new),
	S(X509_STORE_CTX_init),
	S(X509_STORE_CTX_set_default),
	S(X509_STORE_CTX_get0_param),
	S(X509_VERIFY_PARAM_set_auth_level),
	S(X509_STORE_CTX_free),
	S(X509_STORE_CTX_get_error),
	S(X509_verify_cert),
	S(X509_verify_cert_error_string),
	S(X509_get_ext_d2i),
	S(GENERAL_NAMES_free),
	S(ASN1_STRING_get0_data),
	S(ASN1_STRING_length),
	S(X509_get_subject_name),
	S(X509_NAME_get_index_by_NID),
	S(X509_NAME_get_entry),
	S(X509_NAME_ENTRY_get_data),
	S(X509_NAME_oneline),
	S(BIO_new_file),
	S(PEM_read_bio_X509),
	S(BIO_free),
	S(OPENSSL_sk_new_null),
	S(OPENSSL_sk_push),
	S(OPENSSL_sk_free),
	S(OPENSSL_sk_num),
	S(OPENSSL_sk_value),
	S(ERR_clear_error),
	S(TLS_client_method),
	S(SSL_CTX_new),
	S(SSL_CTX_free),
	S(SSL_CTX_get_security_level),
	S(SSL_new),
	S(SSL_free),
	S(SSL_set_fd),
	S(SSL_ctrl),
	S(SSL_connect),
	S(SSL_get_error),
	S(SSL_get_version),
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_once_t level_once = PTHREAD_ONCE_INIT;
static struct audit_openssl T;
static bool ok;
static int level = 1;

/*
 * The security level libpq's SSL_CTX gets: a new context's, from OpenSSL's
 * configuration (Debian: SECLEVEL=2), since libpq never sets one.
 */
static void
read_level(void)
{
	void *ctx = T.SSL_CTX_new(T.TLS_client_method());

	if (ctx)
	{
		level = T.SSL_CTX_get_security_level(ctx);
		T.SSL_CTX_free(ctx);
	}
}

int
audit_openssl_security_level(const struct audit_openssl *t)
{
	(void) t; /* the one table */
	pthread_once(&level_once, read_level);
	return level;
}

static void
load(void)
{
	static const char *const names[] = {"libssl.so.3", "libssl.so.1.1"};
	void *h = dl_open_first(names, 2, NULL);

	ok = h != NULL && dl_fill(h, syms, sizeof(syms) / sizeof(syms[0]), &T, sizeof(T), NULL) &&
		 libpq_openssl_load(h, &T.chain, NULL);
}

const struct audit_openssl *
audit_openssl_get(void)
{
	pthread_once(&once, load);
	return ok ? &T : NULL;
}
