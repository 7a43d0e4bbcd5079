/*
 * plan.c
 *	  params -> facts -> decision -> rewrite.  Owns the facts and the
 *	  dry-run connection until the caller takes or frees them.
 */
#include "plan.h"

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

enum plan_result
plan_connection(const struct pq_api *api, const struct pgs_policy *policy, struct pgs_params *p,
				const char *program, struct pgs_plan *out)
{
	memset(out, 0, sizeof(*out));
	switch (facts_gather(api, p, program, &out->fb, &out->dry_run))
	{
		case FACTS_OK:
			break;
		case FACTS_LIBPQ_ERROR:
			return PLAN_LIBPQ_ERROR;
		case FACTS_OOM:
			return PLAN_OOM;
	}
	if (policy == NULL)
		return PLAN_OK;
	decide(policy, &out->fb.f, &api->caps, &out->d);
	out->decided = true;
	if (out->d.mode != PGS_MODE_ENFORCE || out->d.refuse || out->d.ninject == 0)
		return PLAN_OK;
	if (!rewrite(&out->d, p))
		return PLAN_REWRITE_OOM;
	out->rewritten = true;
	return PLAN_OK;
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
