/*
 * ossl.c
 *	  Fills an ossl_api table by dlsym on a handle: libpq's (its OpenSSL),
 *	  or the shim's own libssl for the audit probe.
 */
#include "ossl.h"

#include <dlfcn.h>
#include <string.h>

bool
ossl_load(void *h, struct ossl_api *o, bool (*reject)(const void *))
{
	static const struct
	{
		size_t offset;
		const char *name;
		const char *alt;
	} fns[] = {
#define FN(f, alt) {offsetof(struct ossl_api, f), #f, alt}
		FN(SSL_get_peer_cert_chain, NULL),
		FN(OPENSSL_sk_num, NULL),
		FN(OPENSSL_sk_value, NULL),
		FN(X509_get_subject_name, NULL),
		FN(X509_get_issuer_name, NULL),
		FN(X509_get_serialNumber, NULL),
		FN(X509_get0_notBefore, NULL),
		FN(X509_get0_notAfter, NULL),
		FN(X509_digest, NULL),
		FN(X509_get0_pubkey, NULL),
		FN(i2d_X509, NULL),
		FN(EVP_sha256, NULL),
		FN(EVP_PKEY_get_base_id, "EVP_PKEY_base_id"),
		FN(EVP_PKEY_get_bits, "EVP_PKEY_bits"),
		FN(ASN1_TIME_to_tm, NULL),
		FN(ASN1_INTEGER_to_BN, NULL),
		FN(BN_bn2hex, NULL),
		FN(BN_free, NULL),
		FN(CRYPTO_free, NULL),
		FN(X509_NAME_print_ex, NULL),
		FN(BIO_s_mem, NULL),
		FN(BIO_new, NULL),
		FN(BIO_ctrl, NULL),
		FN(BIO_free, NULL),
		FN(SSL_get_current_cipher, NULL),
		FN(SSL_CIPHER_get_bits, NULL),
#undef FN
	};

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
	{
		void *p = dlsym(h, fns[i].name);

		if ((p == NULL || (reject && reject(p))) && fns[i].alt)
			p = dlsym(h, fns[i].alt);
		if (p == NULL || (reject && reject(p)))
			return false;
		memcpy((char *) o + fns[i].offset, &p, sizeof(p));
	}
	return true;
}
