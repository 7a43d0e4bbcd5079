/*
 * hostmatch.h
 *	  libpq's rules for matching a host name against a server certificate's
 *	  names (fe-secure-common.c, fe-secure-openssl.c, libpq 15 to 18), as a
 *	  pure function.
 */
#ifndef PGTLS_SHIM_HOSTMATCH_H
#define PGTLS_SHIM_HOSTMATCH_H

#include <stdbool.h>
#include <stddef.h>

enum cert_name_type
{
	CERT_NAME_DNS, /* a dNSName SAN, or the CN */
	CERT_NAME_IP,  /* an iPAddress SAN: 4 or 16 bytes */
	CERT_NAME_OTHER
};

/* One name from the certificate, as raw bytes (may hold NULs). */
struct cert_name
{
	enum cert_name_type type;
	const unsigned char *data;
	size_t len;
};

struct cert_names
{
	const struct cert_name *san; /* the subjectAltName entries, in order */
	size_t nsan;
	const struct cert_name *cn; /* the subject's first CN, or NULL */
};

/*
 * libpq's verify-full check of HOST: 1 when it matches, 0 when it does not,
 * -1 when libpq fails the check outright (no host name, a name with an
 * embedded NUL or an address of a bad length before any match).  SANs are
 * tried in order: dNSNames against the host as a string (even an IP
 * address), iPAddresses against an address host; the CN only when no SAN
 * is of the host's own type (dNSName for a name, iPAddress for an address);
 * a single leading "*." wildcard label; case-insensitive.
 */
int hostmatch_check(const char *host, const struct cert_names *names);

#endif
