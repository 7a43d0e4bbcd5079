/*
 * plan.c
 *	  params -> facts -> decision -> rewrite.  Owns the facts and the
 *	  dry-run connection until the caller takes or frees them.
 */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

/* Appends the decision's injections to P; false (P unchanged) on out-of-memory. */
static bool
rewrite(const struct pgs_decision *d, struct pgs_params *p)
{
	size_t n0 = p->n;

	for (size_t i = 0; i < d->ninject; i++)
	{
		if (!params_push(p, d->inject[i].keyword, d->inject[i].value))
		{
			p->n = n0;
			p->kw[n0] = p->val[n0] = NULL;
			return false;
		}
	}
	return true;
}

/* The last value P gives KEYWORD (later keywords win), else NULL. */
static const char *
param(const struct pgs_params *p, const char *keyword)
{
	const char *v = NULL;

	for (size_t i = 0; i < p->n; i++)
	{
		if (strcmp(p->kw[i], keyword) == 0 && p->val[i] && p->val[i][0])
			v = p->val[i];
	}
	return v;
}

/*
 * libpq 17 refuses sslnegotiation=direct below sslmode=require before it
 * even tries, and the dry run with it: when the app asks for direct
 * negotiation, the facts are read again with sslmode=require, as
 * enforcement will connect, and the app's own sslmode restored in them.
 * False when that is not the case, or libpq still refuses.
 */
static bool
retry_direct(const struct pq_api *api, struct pgs_params *p, const char *program,
			 struct pgs_plan *out)
{
	const char *neg = param(p, "sslnegotiation");
	const char *app = param(p, "sslmode");
	enum pgs_sslmode mode;
	size_t n0 = p->n;
	bool ok;

	if (neg == NULL)
		neg = getenv("PGSSLNEGOTIATION");
	if (app == NULL)
		app = getenv("PGSSLMODE");
	if (neg == NULL || strcmp(neg, "direct") != 0 || !params_push(p, "sslmode", "require"))
		return false;
	factbuf_free(api, &out->fb);
	ok = facts_gather(api, p, program, &out->fb, &out->dry_run) == FACTS_OK;
	p->n = n0;
	p->kw[n0] = p->val[n0] = NULL;
	if (ok)
		out->fb.f.sslmode = pgs_sslmode_parse(app, &mode) ? pgs_sslmode_name(mode) : "prefer";
	return ok;
}

enum plan_result
plan_connection(const struct pq_api *api, const struct pgs_policy *policy, struct pgs_params *p,
				const char *program, const char *script, struct pgs_plan *out)
{
	memset(out, 0, sizeof(*out));
	switch (facts_gather(api, p, program, &out->fb, &out->dry_run))
	{
		case FACTS_OK:
			break;
		case FACTS_LIBPQ_ERROR:
			if (!retry_direct(api, p, program, out))
				return PLAN_LIBPQ_ERROR;
			break;
		case FACTS_OOM:
			return PLAN_OOM;
	}
	out->fb.f.script = script;
	if (policy == NULL)
		return PLAN_OK;
	if (policy->uses_hostaddr)
		facts_resolve(&out->fb); /* rules match the address libpq will connect to */
	decide(policy, &out->fb.f, &api->caps, &out->d);
	out->decided = true;
	if (out->d.mode != PGS_MODE_ENFORCE || out->d.refuse || out->d.ninject == 0)
		return PLAN_OK;
	if (!rewrite(&out->d, p))
		return PLAN_REWRITE_OOM;
	out->rewritten = true;
	return PLAN_OK;
}

/*
 * The keywords only libpq can enforce: the chain and the name are checked
 * in its handshake.  What the others do (no GSS encryption, a minimum
 * protocol) the backstop checks after connecting.
 */
static bool
only_libpq_enforces(const char *keyword)
{
	return strcmp(keyword, "sslmode") == 0 || strcmp(keyword, "sslrootcert") == 0 ||
		   strcmp(keyword, "sslcrl") == 0 || strcmp(keyword, "sslcrldir") == 0;
}

bool
plan_needs_injection(const struct pgs_plan *plan)
{
	const struct pgs_decision *d = &plan->d;

	for (size_t i = 0; plan->decided && i < d->ninject; i++)
	{
		const char *now = facts_option(&plan->fb, d->inject[i].keyword);

		if (only_libpq_enforces(d->inject[i].keyword) &&
			(now == NULL || strcmp(now, d->inject[i].value) != 0))
			return true;
	}
	return false;
}

PGconn *
plan_take_dry_run(struct pgs_plan *plan)
{
	PGconn *conn = plan->dry_run;

	plan->dry_run = NULL;
	return conn;
}

void
plan_free(const struct pq_api *api, struct pgs_plan *plan)
{
	if (plan->dry_run)
		api->finish(plan->dry_run);
	plan->dry_run = NULL;
	factbuf_free(api, &plan->fb);
}
