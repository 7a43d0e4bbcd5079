/*
 * params.c
 *	  Builds keyword/value arrays from every form of connection parameters,
 *	  always through libpq's own parser (PQconninfoParse).  The arrays hold
 *	  borrowed pointers: the app's own strings, or p->parsed.
 */
#include "params.h"

#include <stdlib.h>
#include <string.h>

static bool
grow(struct pgs_params *p, size_t want)
{
	size_t cap;
	const char **kw;
	const char **val;

	if (want + 1 <= p->cap)
		return true;
	cap = p->cap ? p->cap * 2 : 32;
	while (cap < want + 1)
		cap *= 2;
	kw = realloc(p->kw, cap * sizeof(*kw));
	if (kw == NULL)
		return false;
	p->kw = kw;
	val = realloc(p->val, cap * sizeof(*val));
	if (val == NULL)
		return false;
	p->val = val;
	p->cap = cap;
	return true;
}

bool
params_push(struct pgs_params *p, const char *kw, const char *val)
{
	if (!grow(p, p->n + 1))
		return false;
	p->kw[p->n] = kw;
	p->val[p->n] = val;
	p->n++;
	p->kw[p->n] = NULL;
	p->val[p->n] = NULL;
	return true;
}

/* Appends every option of p->parsed that has a value; false when there is none or on OOM. */
static bool
push_parsed(struct pgs_params *p)
{
	if (p->parsed == NULL || !grow(p, 0))
		return false;
	p->kw[0] = p->val[0] = NULL;
	for (PQconninfoOption *o = p->parsed; o->keyword; o++)
	{
		if (o->val != NULL && !params_push(p, o->keyword, o->val))
			return false;
	}
	return true;
}

bool
params_from_conninfo(const struct pq_api *api, const char *conninfo, struct pgs_params *p)
{
	char *err = NULL;

	memset(p, 0, sizeof(*p));
	p->parsed = api->conninfoParse(conninfo, &err);
	if (err)
		api->freemem(err);
	return push_parsed(p);
}

bool
params_from_conn(const struct pq_api *api, PGconn *conn, struct pgs_params *p)
{
	memset(p, 0, sizeof(*p));
	p->parsed = api->conninfo(conn);
	return push_parsed(p);
}

bool
params_from_arrays(const char *const *kw, const char *const *val, int expand, struct pgs_params *p)
{
	memset(p, 0, sizeof(*p));
	p->expand = expand;
	if (!grow(p, 0))
		return false;
	p->kw[0] = p->val[0] = NULL;
	for (size_t i = 0; kw[i] != NULL; i++)
	{
		if (!params_push(p, kw[i], val[i]))
			return false;
	}
	return true;
}

/*
 * PQsetdbLogin expands dbName when it is a connection string, then lets
 * each non-empty argument override: exactly expand_dbname with dbname first.
 * (pgtty is ignored by libpq 14 and later, and by the shim.)
 */
bool
params_from_setdb(const char *host, const char *port, const char *options, const char *db,
				  const char *login, const char *pwd, struct pgs_params *p)
{
	memset(p, 0, sizeof(*p));
	p->expand = 1;
	return grow(p, 0) && params_push(p, "dbname", db) && params_push(p, "host", host) &&
		   params_push(p, "port", port) && params_push(p, "options", options) &&
		   params_push(p, "user", login) && params_push(p, "password", pwd);
}

void
params_free(const struct pq_api *api, struct pgs_params *p)
{
	if (p->parsed)
		api->conninfoFree(p->parsed);
	free(p->kw);
	free(p->val);
	memset(p, 0, sizeof(*p));
}
