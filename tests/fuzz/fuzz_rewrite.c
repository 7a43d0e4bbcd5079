/*
 * fuzz_rewrite.c
 *	  The connection rewrite, against the real libpq.  The input is a
 *	  conninfo string or keyword/value arrays (with or without
 *	  expand_dbname).  Whatever the application passed, once the shim appends
 *	  its keywords libpq must use them: sslmode and sslrootcert read back
 *	  through libpq (PQconninfo of a never-connected conn) are the injected
 *	  ones, and host, port, dbname and user are unchanged.  For conninfo
 *	  strings, explain's redacted string must parse with PQconninfoParse to
 *	  the same values, with every secret (libpq's dispchar "*") masked.
 *
 *	  Input: field 0 = 'c' (conninfo), 'a' (arrays) or 'e' (arrays with
 *	  expand_dbname); then the conninfo, or keyword, value, ...; a value of
 *	  "\x7f" is NULL.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "facts.h"
#include "redact.h"
#include "fields.h"
#include "fuzzlocale.h"

#define INJECTED_CA "/nonexistent/pgtls-fuzz-ca.pem"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	fuzz_locale_init();
	/* libpq's environment must not decide the outcome. */
	setenv("PGSERVICEFILE", "/nonexistent/pg_service.conf", 1);
	setenv("PGSYSCONFDIR", "/nonexistent", 1);
	setenv("PGPASSFILE", "/nonexistent/pgpass", 1);
	unsetenv("PGSERVICE");
	unsetenv("PGSSLMODE");
	unsetenv("PGSSLROOTCERT");
	return 0;
}

static int
same(const char *a, const char *b)
{
	a = a ? a : "";
	b = b ? b : "";
	return strcmp(a, b) == 0;
}

static const char *
opt(const PQconninfoOption *o, const char *kw)
{
	for (; o && o->keyword; o++)
		if (strcmp(o->keyword, kw) == 0)
			return o->val;
	return NULL;
}

/* explain's string: parses back to the same values, password masked. */
static void
check_redacted(const struct pq_api *api, const char *conninfo, struct pgs_params *p)
{
	char *red = cli_redacted_conninfo(p);
	PQconninfoOption *want, *got;

	if (red == NULL)
		return;
	want = api->conninfoParse(conninfo, NULL);
	got = api->conninfoParse(red, NULL);
	if (want == NULL || got == NULL)
		abort(); /* the original parsed once already; the rendering must too */
	for (PQconninfoOption *o = got; o->keyword; o++)
	{
		const char *w = opt(want, o->keyword);

		if (o->dispchar != NULL && o->dispchar[0] == '*')
		{
			if (!same(o->val, (w && w[0]) ? "********" : NULL))
				abort();
		}
		else if (!same(o->val, w))
			abort();
	}
	api->conninfoFree(want);
	api->conninfoFree(got);
	free(red);
}

static void
check_injection(const struct pq_api *api, struct pgs_params *p)
{
	struct pgs_factbuf before, after;
	PGconn *dry_run = NULL;

	if (facts_gather(api, p, "/fuzz", &before, &dry_run) != FACTS_OK)
	{
		factbuf_free(api, &before); /* it holds libpq's message */
		return;						/* libpq rejects the application's parameters itself */
	}
	api->finish(dry_run);
	if (!params_push(p, "sslmode", "verify-full") || !params_push(p, "sslrootcert", INJECTED_CA))
	{
		factbuf_free(api, &before);
		return;
	}
	if (facts_gather(api, p, "/fuzz", &after, &dry_run) != FACTS_OK)
		abort(); /* the injection made libpq reject a connection it accepted */
	api->finish(dry_run);
	if (!same(after.f.sslmode, "verify-full") || !same(after.f.sslrootcert, INJECTED_CA))
		abort(); /* the application's setting won over the injected one */
	if (before.f.ntargets != after.f.ntargets || !same(before.f.dbname, after.f.dbname) ||
		!same(before.f.user, after.f.user))
		abort();
	for (size_t i = 0; i < before.f.ntargets; i++)
		if (!same(before.f.targets[i].host, after.f.targets[i].host) ||
			!same(before.f.targets[i].hostaddr, after.f.targets[i].hostaddr) ||
			!same(before.f.targets[i].port, after.f.targets[i].port))
			abort();
	factbuf_free(api, &before);
	factbuf_free(api, &after);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pq_api *api = cli_pq_api();
	struct fields fs;
	struct pgs_params p = {0};
	const char *kind;
	const char *kw[MAX_FIELDS / 2 + 1];
	const char *val[MAX_FIELDS / 2 + 1];
	size_t n = 0;

	if (!fields_split(&fs, data, size))
		return 0;
	kind = fields_next(&fs);
	if (kind[0] == 'c')
	{
		const char *conninfo = fields_next(&fs);

		if (conninfo != NULL && params_from_conninfo(api, conninfo, &p))
		{
			check_redacted(api, conninfo, &p);
			check_injection(api, &p);
		}
		params_free(api, &p);
	}
	else if (kind[0] == 'a' || kind[0] == 'e')
	{
		const char *k, *v;

		while ((k = fields_next(&fs)) != NULL && (v = fields_next(&fs)) != NULL)
		{
			kw[n] = k;
			val[n++] = strcmp(v, "\x7f") == 0 ? NULL : v;
		}
		kw[n] = val[n] = NULL;
		if (params_from_arrays(kw, val, kind[0] == 'e', &p))
			check_injection(api, &p);
		params_free(api, &p);
	}
	fields_free(&fs);
	return 0;
}
