/*
 * hostmatch.c
 *	  Host name versus certificate names, with libpq's rules, so that the
 *	  audit's prediction agrees with what libpq decides in enforce.
 */
#include "hostmatch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* libpq's wildcard_certificate_match: "*.example.com" covers one label. */
static bool
wildcard_match(const char *pattern, const char *host)
{
	size_t lenpat = strlen(pattern);
	size_t lenstr = strlen(host);

	if (lenpat < 3 || pattern[0] != '*' || pattern[1] != '.' || lenpat > lenstr)
		return false;
	if (strcasecmp(pattern + 1, host + lenstr - lenpat + 1) != 0)
		return false;
	/* No dot left of where the pattern started to match. */
	return memchr(host, '.', lenstr - lenpat) == NULL;
}

/* pq_verify_peer_name_matches_certificate_name. */
static int
name_matches(const struct cert_name *n, const char *host)
{
	char name[1024];

	if (memchr(n->data, '\0', n->len) != NULL)
		return -1; /* embedded NUL: CVE-2009-4034 */
	if (n->len >= sizeof(name))
		return 0; /* longer than any host name */
	memcpy(name, n->data, n->len);
	name[n->len] = '\0';
	return strcasecmp(name, host) == 0 || wildcard_match(name, host) ? 1 : 0;
}

/* pq_verify_peer_name_matches_certificate_ip: inet_aton, as libpq, for IPv4. */
static int
ip_matches(const struct cert_name *n, const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (n->len == 4)
		return inet_aton(host, &a4) && memcmp(n->data, &a4.s_addr, 4) == 0 ? 1 : 0;
	if (n->len == 16)
		return inet_pton(AF_INET6, host, &a6) == 1 && memcmp(n->data, a6.s6_addr, 16) == 0 ? 1 : 0;
	return -1;
}

static bool
is_ip_address(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	return inet_aton(host, &a4) || inet_pton(AF_INET6, host, &a6) == 1;
}

int
hostmatch_check(const char *host, const struct cert_names *names)
{
	enum cert_name_type own;
	bool check_cn = true;
	int rc = 0;

	if (host == NULL || host[0] == '\0')
		return -1;
	own = is_ip_address(host) ? CERT_NAME_IP : CERT_NAME_DNS;
	for (size_t i = 0; i < names->nsan; i++)
	{
		const struct cert_name *n = &names->san[i];

		if (n->type == own)
			check_cn = false;
		if (n->type == CERT_NAME_DNS)
			rc = name_matches(n, host);
		else if (n->type == CERT_NAME_IP)
			rc = ip_matches(n, host);
		if (rc != 0)
			return rc;
	}
	if (check_cn && names->cn != NULL)
		rc = name_matches(names->cn, host);
	return rc;
}
