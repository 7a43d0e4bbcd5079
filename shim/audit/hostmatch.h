/*
 * hostmatch.h
 *	  libpq's rules for matching a host name against a server certificate's
 *	  names (fe-secure-common.c, fe-secure-openssl.c), as a pure function.
 */
#ifndef PGTLS_SHIM_HOSTMATCH_H
#define PGTLS_SHIM_HOSTMATCH_H

#include <stdbool.h>
#include <stddef.h>

/* One name from the certificate, as raw bytes (may hold NULs). */
struct cert_name
{
	const unsigned char *data;
	size_t len;
};

struct cert_names
{
	const struct cert_name *dns; /* dNSName SANs */
	size_t ndns;
	const struct cert_name *ip; /* iPAddress SANs, 4 or 16 bytes */
	size_t nip;
	const struct cert_name *cn; /* the subject's CN, or NULL */
};

/*
 * True when HOST matches as libpq checks it for verify-full: an IP-literal
 * host against iPAddress SANs, a name against dNSName SANs; the CN only when
 * there is no dNSName SAN; a single leading "*." wildcard label;
 * case-insensitive; a name with an embedded NUL never matches.
 */
bool host_matches(const char *host, const struct cert_names *names);

#endif
