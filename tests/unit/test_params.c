/*
 * test_params.c
 *	  conninfo/params.c against the real libpq (linked here, as the command
 *	  links it): every form an application uses (conninfo, URI, arrays with
 *	  expand_dbname, PQsetdbLogin's arguments, a connection's own options)
 *	  becomes keyword/value arrays, NULL-terminated, holding what libpq's
 *	  parser holds; params_push appends (later keywords win in libpq), and a
 *	  string libpq rejects is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "params.h"

#include "check.h"

static struct pq_api api;

/* The value of the last KW in P (libpq's rule: the later one wins), or NULL. */
static const char *
value_of(const struct pgs_params *p, const char *kw)
{
	const char *v = NULL;

	for (size_t i = 0; i < p->n; i++)
	{
		if (strcmp(p->kw[i], kw) == 0)
			v = p->val[i];
	}
	return v;
}

static int
is(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* P is well formed: N entries, then the NULL terminator in both arrays. */
static int
terminated(const struct pgs_params *p)
{
	return p->kw != NULL && p->val != NULL && p->kw[p->n] == NULL && p->val[p->n] == NULL &&
		   p->cap > p->n;
}

static void
test_conninfo(void)
{
	struct pgs_params p;

	CHECK(params_from_conninfo(&api, "host=db.test port=5433 dbname='my db' sslmode=disable", &p));
	CHECK(terminated(&p) && p.n == 4 && p.expand == 0 && p.parsed != NULL);
	CHECK(is(value_of(&p, "host"), "db.test") && is(value_of(&p, "port"), "5433"));
	CHECK(is(value_of(&p, "dbname"), "my db") && is(value_of(&p, "sslmode"), "disable"));
	/* Only what the string sets: libpq's defaults are not filled in. */
	CHECK(value_of(&p, "user") == NULL);
	/* Appended after: the shim's keywords, which libpq takes as the later ones. */
	CHECK(params_push(&p, "sslmode", "verify-full"));
	CHECK(terminated(&p) && p.n == 5 && is(value_of(&p, "sslmode"), "verify-full"));
	params_free(&api, &p);
	CHECK(p.kw == NULL && p.val == NULL && p.parsed == NULL && p.n == 0);

	CHECK(params_from_conninfo(&api, "postgresql://app@db.test:7/reporting?sslmode=require", &p));
	CHECK(terminated(&p) && p.n == 5);
	CHECK(is(value_of(&p, "user"), "app") && is(value_of(&p, "host"), "db.test"));
	CHECK(is(value_of(&p, "port"), "7") && is(value_of(&p, "dbname"), "reporting"));
	CHECK(is(value_of(&p, "sslmode"), "require"));
	params_free(&api, &p);

	/* libpq rejects the string: false, and params_free is still safe. */
	CHECK(!params_from_conninfo(&api, "host=db.test bogus_keyword=1", &p));
	params_free(&api, &p);
	CHECK(!params_from_conninfo(&api, "host='unterminated", &p));
	params_free(&api, &p);
	/* The empty string is valid: nothing set. */
	CHECK(params_from_conninfo(&api, "", &p));
	CHECK(terminated(&p) && p.n == 0);
	params_free(&api, &p);
}

static void
test_arrays(void)
{
	const char *kw[] = {"dbname", "host", "sslmode", NULL};
	const char *val[] = {"postgresql://x/y", "db.test", NULL, NULL};
	const char *none[] = {NULL};
	struct pgs_params p;
	char name[32];

	CHECK(params_from_arrays(kw, val, 1, &p));
	CHECK(terminated(&p) && p.n == 3 && p.expand == 1 && p.parsed == NULL);
	/* The app's own pointers, in its order, NULL values kept. */
	for (size_t i = 0; i < 3; i++)
		CHECK(p.kw[i] == kw[i] && p.val[i] == val[i]);
	/* Growth: a hundred more, every one kept. */
	for (int i = 0; i < 100; i++)
		CHECK(params_push(&p, "application_name", kw[i % 3]));
	CHECK(terminated(&p) && p.n == 103 && p.kw[102] != NULL && p.val[102] == kw[99 % 3]);
	params_free(&api, &p);

	CHECK(params_from_arrays(none, none, 0, &p));
	CHECK(terminated(&p) && p.n == 0 && p.expand == 0);
	snprintf(name, sizeof(name), "%s", "x");
	CHECK(params_push(&p, name, name) && p.kw[0] == name && p.val[0] == name);
	params_free(&api, &p);
}

static void
test_setdb(void)
{
	static const char *order[] = {"dbname", "host", "port", "options", "user", "password"};
	struct pgs_params p;

	/* dbname first with expand_dbname: each non-empty argument then overrides. */
	CHECK(params_from_setdb("h", NULL, "-c x=1", "host=other dbname=d", "u", NULL, &p));
	CHECK(terminated(&p) && p.n == 6 && p.expand == 1);
	for (size_t i = 0; i < 6; i++)
		CHECK(is(p.kw[i], order[i]));
	CHECK(is(p.val[0], "host=other dbname=d") && is(p.val[1], "h") && p.val[2] == NULL);
	CHECK(is(p.val[3], "-c x=1") && is(p.val[4], "u") && p.val[5] == NULL);
	params_free(&api, &p);
}

static void
test_conn(void)
{
	struct pgs_params p;
	/* No server is asked: the socket directory does not exist. */
	PGconn *conn = PQconnectStart("host=/nonexistent/pgtls-unit dbname=d user=u sslmode=disable");

	CHECK(conn != NULL);
	if (conn == NULL)
		return;
	CHECK(params_from_conn(&api, conn, &p));
	CHECK(terminated(&p) && p.parsed != NULL && p.n > 0);
	CHECK(is(value_of(&p, "host"), "/nonexistent/pgtls-unit") && is(value_of(&p, "dbname"), "d"));
	CHECK(is(value_of(&p, "user"), "u") && is(value_of(&p, "sslmode"), "disable"));
	params_free(&api, &p);
	PQfinish(conn);
}

int
main(void)
{
	api.conninfoParse = PQconninfoParse;
	api.conninfo = PQconninfo;
	api.conninfoFree = PQconninfoFree;
	api.freemem = PQfreemem;
	test_conninfo();
	test_arrays();
	test_setdb();
	test_conn();
	return check_summary();
}
