/*
 * report_hosts.c
 *	  The earliest certificate expiry of each server host `pgtls-shim
 *	  report` saw, whatever --by groups by: what --format openmetrics prints
 *	  as pgtls_shim_certificate_expiry_timestamp_seconds{host="..."}.  A
 *	  table in the log tools' hash table (logs/htab.c), one entry per
 *	  host, merged across the threads like the groups.
 */
#include <stdlib.h>
#include <string.h>

#include "summary.h"

static uint64_t
host_hash(const char *host)
{
	return htab_hash(host, strlen(host));
}

bool
hosts_add(struct report *r, const char *host, const char *not_after)
{
	struct host_expiry **e, *h = NULL;
	uint64_t hash;

	if (not_after == NULL || strlen(not_after) >= sizeof(h->expiry))
		return true;
	host = host ? host : "";
	hash = host_hash(host);
	for (e = htab_first(&r->hosts, hash); e && h == NULL; e = htab_next(&r->hosts, hash, e))
		if (*e && strcmp((*e)->host, host) == 0)
			h = *e;
	if (h == NULL)
	{
		if ((h = calloc(1, sizeof(*h))) == NULL || (h->host = strdup(host)) == NULL ||
			(e = htab_add(&r->hosts, hash)) == NULL)
		{
			if (h)
				free(h->host);
			free(h);
			return false;
		}
		*e = h;
		r->nhosts++;
	}
	if (h->expiry[0] == '\0' || strcmp(not_after, h->expiry) < 0)
		memcpy(h->expiry, not_after, strlen(not_after) + 1);
	return true;
}

struct hmerge
{
	struct report *dst;
	bool ok;
};

static void
merge_one(void *arg, void *e)
{
	struct hmerge *m = arg;
	const struct host_expiry *h = *(struct host_expiry **) e;

	if (h != NULL && m->ok)
		m->ok = hosts_add(m->dst, h->host, h->expiry);
}

bool
hosts_merge(struct report *dst, const struct report *src)
{
	struct hmerge m = {dst, true};

	htab_each(&src->hosts, merge_one, &m);
	return m.ok;
}

static int
cmp_host(const void *a, const void *b)
{
	return strcmp((*(const struct host_expiry *const *) a)->host,
				  (*(const struct host_expiry *const *) b)->host);
}

struct host_expiry **
hosts_sorted(const struct report *r)
{
	size_t n;

	return (struct host_expiry **) htab_sorted(&r->hosts, cmp_host, &n, NULL);
}

static void
free_one(void *arg, void *e)
{
	struct host_expiry *h = *(struct host_expiry **) e;

	(void) arg;
	if (h != NULL)
	{
		free(h->host);
		free(h);
	}
}

void
hosts_free(struct report *r)
{
	htab_each(&r->hosts, free_one, NULL);
	htab_free(&r->hosts);
	r->nhosts = 0;
}
