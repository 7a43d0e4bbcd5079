/*
 * libpq_openssl.c
 *	  Fills an libpq_openssl table by dlsym on a handle: libpq's (its OpenSSL),
 *	  or the shim's own libssl for the audit's TLS probe.
 */
#include "libpq_openssl.h"

#include "dlload.h"

#define FN(f) DL_SYM(struct libpq_openssl, f)

static const struct dl_sym fns[] = {
	FN(SSL_get_peer_cert_chain),
	FN(OPENSSL_sk_num),
	FN(OPENSSL_sk_value),
	FN(X509_get_subject_name),
	FN(X509_get_issuer_name),
	FN(X509_get_serialNumber),
	FN(X509_get0_notBefore),
	FN(X509_get0_notAfter),
	FN(X509_digest),
	FN(X509_get0_pubkey),
	FN(i2d_X509),
	FN(EVP_sha256),
	DL_SYM_ALT(struct libpq_openssl, EVP_PKEY_get_base_id, "EVP_PKEY_base_id"),
	DL_SYM_ALT(struct libpq_openssl, EVP_PKEY_get_bits, "EVP_PKEY_bits"),
	FN(ASN1_TIME_to_tm),
	FN(ASN1_INTEGER_to_BN),
	FN(BN_bn2hex),
	FN(BN_free),
	FN(CRYPTO_free),
	FN(X509_NAME_print_ex),
	FN(BIO_s_mem),
	FN(BIO_new),
	FN(BIO_ctrl),
	FN(BIO_free),
	FN(SSL_get_current_cipher),
	FN(SSL_CIPHER_get_bits),
	FN(SSL_get_verify_mode),
	FN(SSL_get_security_level),
	FN(X509_get_default_cert_file),
	FN(X509_get_default_cert_file_env),
};

bool
libpq_openssl_load(void *h, struct libpq_openssl *o, bool (*reject)(const void *))
{
	return dl_fill(h, fns, sizeof(fns) / sizeof(fns[0]), o, sizeof(*o), reject);
}
