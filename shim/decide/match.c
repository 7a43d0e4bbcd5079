/*
 * match.c
 *	  Which rule a connection target matches: glob patterns per key (host
 *	  names case-insensitive), CIDR blocks for hostaddr.  Pure.
 */
#include "match.h"

#include <arpa/inet.h>
#include <fnmatch.h>
#include <string.h>

static const char *
nz(const char *s)
{
	return s ? s : "";
}

/* Does ADDR (text) fall inside the CIDR block P? */
static bool
cidr_match(const struct pgs_pattern *p, const char *addr)
{
	uint8_t a[16];
	int bytes;
	int bits;

	if (inet_pton(p->family, addr, a) != 1)
		return false;
	bytes = p->prefix_len / 8;
	bits = p->prefix_len % 8;
	if (memcmp(a, p->addr, (size_t) bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	return ((a[bytes] ^ p->addr[bytes]) & (uint8_t) (0xFF << (8 - bits))) == 0;
}

/* A pattern that names a Unix-socket directory ("/..." or "@..."). */
static bool
socket_pattern(const struct pgs_pattern *p)
{
	return p->text[0] == '/' || p->text[0] == '@';
}

/*
 * Does VALUE match one of PS?  HOST_KEY: host patterns, where a socket
 * pattern matches only a target that really is a Unix socket (UNIX_SOCKET),
 * so that host=/tmp with a hostaddr, which libpq reaches over TCP, is not
 * taken for one.
 */
static bool
patterns_match(const struct pgs_patterns *ps, const char *value, int flags, bool allow_cidr,
			   bool host_key, bool unix_socket)
{
	for (size_t i = 0; i < ps->n; i++)
	{
		const struct pgs_pattern *p = &ps->v[i];

		if (host_key && socket_pattern(p) && !unix_socket)
			continue;
		if (allow_cidr && p->is_cidr)
		{
			if (cidr_match(p, value))
				return true;
		}
		else if (fnmatch(p->text, value, flags) == 0)
			return true;
	}
	return false;
}

/*
 * A TCP host name as rules see it: one trailing root dot dropped
 * ("db.example.com." is db.example.com), into BUF.
 */
static const char *
host_value(const struct pgs_target *t, char *buf, size_t len)
{
	size_t n = strlen(nz(t->host));

	if (t->unix_socket || n < 2 || t->host[n - 1] != '.' || n >= len)
		return nz(t->host);
	memcpy(buf, t->host, n - 1);
	buf[n - 1] = '\0';
	return buf;
}

static bool
rule_matches(const struct pgs_rule *r, const struct pgs_facts *f, const struct pgs_target *t)
{
	char host[256];
	const char *values[PGS_M_NKEYS] = {
		[PGS_M_HOST] = host_value(t, host, sizeof(host)),
		[PGS_M_HOSTADDR] = nz(t->hostaddr),
		[PGS_M_PORT] = nz(t->port),
		[PGS_M_DBNAME] = nz(f->dbname),
		[PGS_M_USER] = nz(f->user),
		[PGS_M_PROGRAM] = nz(f->program),
		[PGS_M_APPLICATION_NAME] = nz(f->application_name),
		[PGS_M_SCRIPT] = nz(f->script),
	};

	for (int k = 0; k < PGS_M_NKEYS; k++)
	{
		const struct pgs_patterns *ps = &r->match[k];

		if (ps->n == 0)
			continue;
		if (!patterns_match(ps, values[k], k == PGS_M_HOST ? FNM_CASEFOLD : 0, k == PGS_M_HOSTADDR,
							k == PGS_M_HOST, t->unix_socket))
			return false;
	}
	return true;
}

const struct pgs_rule *
policy_match(const struct pgs_policy *policy, const struct pgs_facts *facts,
			 const struct pgs_target *target)
{
	for (size_t i = 0; i < policy->nrules; i++)
	{
		if (rule_matches(&policy->rules[i], facts, target))
			return &policy->rules[i];
	}
	return NULL;
}
