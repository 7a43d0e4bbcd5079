/*
 * reasons.c
 *	  Classifying a failure into the shared vocabulary.
 */
#include "reasons.h"

#include <stddef.h>
#include <string.h>

#include <openssl/x509_vfy.h>

/* libpq's and OpenSSL's wording for failures of TLS or verification. */
static const struct
{
	const char *needle;
	const char *reason;
} libpq_failures[] = {
	{"server does not support SSL", R_NO_TLS_SERVER},
	{"does not match host name", R_NOT_VERIFIED},
	{"certificate verify failed", R_NOT_VERIFIED},
	{"root certificate file", R_NOT_VERIFIED},
	{"could not read root certificate", R_NOT_VERIFIED},
	{"could not load SSL certificate revocation", R_NOT_VERIFIED},
	{"host name must be specified", R_NOT_VERIFIED},
	{"SSL error", R_HANDSHAKE},
	{"SSL SYSCALL", R_HANDSHAKE},
	{"unsupported protocol", R_HANDSHAKE},
};

const char *
reason_for_libpq_error(const char *error)
{
	for (size_t i = 0; error && i < sizeof(libpq_failures) / sizeof(libpq_failures[0]); i++)
	{
		if (strstr(error, libpq_failures[i].needle))
			return libpq_failures[i].reason;
	}
	return NULL;
}

const char *
reason_for_verify_error(int err)
{
	switch (err)
	{
		case X509_V_ERR_CERT_HAS_EXPIRED:
			return R_EXPIRED;
		case X509_V_ERR_CERT_NOT_YET_VALID:
			return R_NOT_YET_VALID;
		case X509_V_ERR_CERT_REVOKED:
			return R_REVOKED;
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
			return R_UNKNOWN_CA;
		default:
			return R_NOT_VERIFIED;
	}
}
