/*
 * begin.c
 *	  The plan stage of an attempt: under the policy in force now, gather
 *	  what libpq will use, decide, and either pass the call through, refuse
 *	  it before any network access, or connect with the injections.
 */
#include <stdio.h>

#include "attempt.h"
#include "clock.h"
#include "logging.h"
#include "process.h"
#include "reasons.h"
#include "refusal.h"

void
attempt_restart(struct conn_state *st)
{
	st->start_ms = clock_now_ms();
	st->start_mono_us = clock_mono_us();
	st->pending = true;
}

/* The policy cannot be loaded (and PGTLS_SHIM_ON_ERROR is not allow): refuse. */
static enum begin_kind
refuse_unloadable(struct conn_state *st)
{
	char *msg;

	if (asprintf(&msg, "pgtls-shim: refused: the policy cannot be loaded: %s\n", st->snap->error) <
		0)
		msg = NULL;
	refuse_before_connect(st, plan_take_dry_run(&st->plan), msg);
	return BEGIN_REFUSED;
}

/* Refuses what the decision refuses before connecting, and records it. */
static enum begin_kind
refuse_decided(struct conn_state *st)
{
	const struct pgs_decision *d = &st->plan.d;
	struct pgs_record r = {
		.outcome = PGS_OUTCOME_REFUSED,
		.refuse_reason = d->refuse,
		.effective = d->requested,
	};

	refuse_before_connect(st, plan_take_dry_run(&st->plan), refusal_message(d, d->refuse, NULL));
	r.error = st->refusal;
	attempt_log(st, &r);
	return BEGIN_REFUSED;
}

enum begin_kind
attempt_begin(const struct pq_api *api, struct pgs_params *p, struct conn_state **out,
			  bool *rewrite)
{
	struct snapshot *snap = snapshot_acquire();
	struct conn_state *st;
	enum plan_result pr;

	*out = NULL;
	*rewrite = false;
	if ((snap->policy == NULL && snap->error == NULL) ||
		(snap->error != NULL && process_on_error_allow()))
	{
		snapshot_release(snap);
		return BEGIN_PASS;
	}
	if ((st = conn_state_new(api, snap)) == NULL)
	{
		snapshot_release(snap);
		return BEGIN_PASS;
	}
	attempt_restart(st);
	pr = plan_connection(api, snap->policy, p, process_program(), &st->plan);
	if (pr == PLAN_LIBPQ_ERROR || pr == PLAN_OOM ||
		(snap->error == NULL && st->plan.d.mode == PGS_MODE_OFF))
	{
		/* libpq rejects the parameters itself (it will say so), or mode off. */
		conn_state_free(st);
		return BEGIN_PASS;
	}
	*out = st;
	if (snap->error != NULL)
		return refuse_unloadable(st);
	if (st->plan.d.mode == PGS_MODE_ENFORCE && st->plan.d.refuse)
		return refuse_decided(st);
	if (pr == PLAN_REWRITE_OOM)
	{
		/* Cannot enforce without memory: fail closed. */
		refuse_before_connect(st, plan_take_dry_run(&st->plan),
							  refusal_message(&st->plan.d, R_OUT_OF_MEMORY, NULL));
		return BEGIN_REFUSED;
	}
	*rewrite = st->plan.rewritten;
	api->finish(plan_take_dry_run(&st->plan));
	return BEGIN_CONNECT;
}
