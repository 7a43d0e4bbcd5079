/*
 * reasons.h
 *	  The one vocabulary for why a connection is (or would be) refused: the
 *	  same words in enforce's refusal, audit's prediction and `report`.
 */
#ifndef PGTLS_SHIM_REASONS_H
#define PGTLS_SHIM_REASONS_H

#define R_NOT_VERIFIED	 "server certificate not verified"
#define R_UNKNOWN_CA	 "unknown CA"
#define R_WRONG_HOST	 "wrong host"
#define R_NO_HOST_NAME	 "no host name to verify"
#define R_PURPOSE		 "server certificate not for a TLS server"
#define R_TOO_WEAK		 "server certificate too weak"
#define R_EXPIRED		 "server certificate expired"
#define R_NOT_YET_VALID	 "server certificate not yet valid"
#define R_REVOKED		 "server certificate revoked"
#define R_NO_TLS_SERVER	 "server does not support TLS"
#define R_NO_TLS		 "server did not use TLS"
#define R_HANDSHAKE		 "TLS handshake failed"
#define R_CLIENT_CERT	 "client certificate unusable"
#define R_OLD_PROTOCOL	 "TLS protocol below min_protocol"
#define R_UNIX_SOCKET	 "Unix-socket connection (no TLS)"
#define R_GSSENC		 "GSS-encrypted session (no TLS)"
#define R_BUNDLE_MISSING "CA bundle missing"
#define R_BUNDLE_BAD	 "CA bundle unreadable"
#define R_RULE_MISMATCH	 "the host connected to selects a different rule"
#define R_STALE_SETTINGS "the connection's settings predate the policy in force: reconnect"
#define R_OUT_OF_MEMORY	 "out of memory"

/* The reason for OpenSSL's X509_V_ERR_* code ERR. */
const char *reasons_for_verify_error(int err);

#endif
