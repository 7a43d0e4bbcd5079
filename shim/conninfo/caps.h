/*
 * caps.h
 *	  What one loaded libpq supports, so that the decision injects only
 *	  keywords it knows (an unknown one makes libpq fail with "invalid
 *	  connection option") and emulates what it lacks.
 */
#ifndef PGTLS_SHIM_CAPS_H
#define PGTLS_SHIM_CAPS_H

#include <stdbool.h>

struct pgs_caps
{
	int version; /* PQlibVersion(), e.g. 150018 */
	bool has_ssl_min_protocol;
	bool has_gssencmode;
	bool has_sslcrl;
	bool has_sslcrldir;			 /* libpq 14 */
	bool has_sslrootcert_system; /* libpq 16 accepts sslrootcert=system */
	bool has_sslkeylogfile;		 /* libpq 18 */
	/*
	 * What "system" means where libpq lacks it: OpenSSL's default CA file
	 * as the libpq's own OpenSSL names it, SSL_CERT_FILE honoured.  The one
	 * place the shim decides which file the operating system's store is.
	 */
	const char *system_bundle;
};

#endif
