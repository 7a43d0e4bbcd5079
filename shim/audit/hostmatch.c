/*
 * hostmatch.c
 *	  Host name versus certificate names, with libpq's rules, so that the
 *	  audit's prediction agrees with what libpq would decide in enforce.
 */
#include "hostmatch.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* libpq's wildcard_certificate_match: "*.example.com" covers one label. */
static bool
wildcard_match(const char *pattern, size_t plen, const char *host)
{
	size_t hlen = strlen(host);
	const char *dot;

	if (plen < 3 || pattern[0] != '*' || pattern[1] != '.' || hlen < plen)
		return false;
	if (strncasecmp(pattern + 1, host + hlen - (plen - 1), plen - 1) != 0)
		return false;
	/* The part the '*' covers must be one non-empty label. */
	dot = memchr(host, '.', hlen - (plen - 1));
	return dot == NULL && hlen > plen - 1;
}

static bool
name_matches(const struct cert_name *n, const char *host)
{
	const char *s = (const char *) n->data;

	if (n->len == 0 || memchr(s, '\0', n->len) != NULL)
		return false; /* embedded NUL: refused, as libpq does */
	if (n->len == strlen(host) && strncasecmp(s, host, n->len) == 0)
		return true;
	return wildcard_match(s, n->len, host);
}

bool
host_matches(const char *host, const struct cert_names *names)
{
	unsigned char addr[16];
	size_t alen = 0;

	if (host == NULL || host[0] == '\0')
		return false;
	if (inet_pton(AF_INET, host, addr) == 1)
		alen = 4;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		alen = 16;
	if (alen > 0)
	{
		for (size_t i = 0; i < names->nip; i++)
		{
			if (names->ip[i].len == alen && memcmp(names->ip[i].data, addr, alen) == 0)
				return true;
		}
	}
	else
	{
		for (size_t i = 0; i < names->ndns; i++)
		{
			if (name_matches(&names->dns[i], host))
				return true;
		}
	}
	/* RFC 6125: a dNSName SAN means the CN is not looked at. */
	return names->ndns == 0 && names->cn != NULL && name_matches(names->cn, host);
}
