/*
 * reasons.c
 *	  Classifying a verification failure into the shared vocabulary, from
 *	  OpenSSL's error code (never from a message, which may be translated).
 */
#include "reasons.h"

#include <openssl/x509_vfy.h>

const char *
reasons_for_verify_error(int err)
{
	switch (err)
	{
		case X509_V_ERR_CERT_HAS_EXPIRED:
			return R_EXPIRED;
		case X509_V_ERR_CERT_NOT_YET_VALID:
			return R_NOT_YET_VALID;
		case X509_V_ERR_CERT_REVOKED:
			return R_REVOKED;
		case X509_V_ERR_INVALID_PURPOSE:
			return R_PURPOSE;
		case X509_V_ERR_CA_MD_TOO_WEAK:
		case X509_V_ERR_EE_KEY_TOO_SMALL:
		case X509_V_ERR_CA_KEY_TOO_SMALL:
			return R_TOO_WEAK;
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
