/*
 * attempt_plan.c
 *	  In other people's processes: part of the preloaded library only.
 *	  The plan stage of an attempt: under the policy in force now, gather
 *	  what libpq will use, decide, and either pass the call through, refuse
 *	  it before any network access, or connect with the injections.
 */
#include <stdio.h>

#include "attempt.h"
#include "attempt_record.h"
#include "clock.h"
#include "predict.h"
#include "process.h"
#include "reasons.h"
#include "refusal.h"

/* Marks ST as a new attempt starting now. */
static void
start_attempt(struct conn_state *st)
{
	st->start_ms = clock_now_ms();
	st->start_mono_us = clock_mono_us();
	st->pending = true;
}

/* What a refused app sees while SNAP's policy cannot be loaded; malloc'd, NULL on OOM. */
static char *
unloadable_message(const struct snapshot *snap)
{
	char *msg;

	if (asprintf(&msg, "pgtls-shim: refused: the policy cannot be loaded: %s\n", snap->error) < 0)
		return NULL;
	return msg;
}

/* The policy cannot be loaded (and PGTLS_SHIM_ON_ERROR is not allow): refuse. */
static enum planned
refuse_unloadable(struct conn_state *st)
{
	refuse_before_connect(st, plan_take_dry_run(&st->plan), unloadable_message(st->snap));
	return PLANNED_REFUSED;
}

/* Refuses what the decision refuses before connecting, and records it. */
static enum planned
refuse_decided(struct conn_state *st)
{
	const struct pgs_decision *d = &st->plan.d;
	struct pgs_record r = {
		.outcome = PGS_OUTCOME_REFUSED,
		.refuse_reason = d->refuse,
		.used_sslmode = d->app_sslmode,
	};

	refuse_before_connect(st, plan_take_dry_run(&st->plan), refusal_message(d, d->refuse, NULL));
	r.error = st->refusal;
	attempt_record(st, &r);
	return PLANNED_REFUSED;
}

/*
 * What enforcement knows it refuses before connecting: the decision's own
 * refusal, else a chain libpq would not check (require with no root file).
 * Set in audit too, where it is the prediction.
 */
static void
refusal_known_now(struct conn_state *st)
{
	struct pgs_decision *d = &st->plan.d;

	if (d->refuse == NULL)
		d->refuse = predict_unchecked_chain(d, &st->plan.fb.f, &st->api->caps);
}

enum planned
attempt_plan(const struct pq_api *api, struct pgs_params *p, struct conn_state **out, bool *rewrite)
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
		return PLANNED_PASS;
	}
	if ((st = conn_state_new(api, snap)) == NULL)
	{
		snapshot_release(snap);
		return PLANNED_PASS;
	}
	start_attempt(st);
	pr = plan_connection(api, snap->policy, p, process_program(), process_script(), &st->plan);
	if (pr == PLAN_LIBPQ_ERROR || pr == PLAN_OOM ||
		(snap->error == NULL && st->plan.d.mode == PGS_MODE_OFF))
	{
		/* libpq rejects the parameters itself (it will say so), or mode off. */
		conn_state_free(st);
		return PLANNED_PASS;
	}
	*out = st;
	if (snap->error != NULL)
		return refuse_unloadable(st);
	refusal_known_now(st);
	if (st->plan.d.mode == PGS_MODE_ENFORCE && st->plan.d.refuse)
		return refuse_decided(st);
	if (pr == PLAN_REWRITE_OOM)
	{
		/* Cannot enforce without memory: fail closed. */
		refuse_before_connect(st, plan_take_dry_run(&st->plan),
							  refusal_message(&st->plan.d, R_OUT_OF_MEMORY, NULL));
		return PLANNED_REFUSED;
	}
	*rewrite = st->plan.rewritten;
	api->finish(plan_take_dry_run(&st->plan));
	return PLANNED_CONNECT;
}

/* A reset refused before reconnecting: CONN is closed under libpq (it then
 * reports CONNECTION_BAD), MSG (owned from here) is what it shows. */
static enum planned
refuse_reset(struct conn_state *st, PGconn *conn, const char *reason, char *msg)
{
	struct pgs_record r = {
		.outcome = PGS_OUTCOME_REFUSED,
		.refuse_reason = reason,
		.used_sslmode = st->plan.d.app_sslmode,
	};

	refusal_close(st->api, conn);
	st->blocked = true;
	st->pending = false;
	conn_state_refuse(st, msg);
	r.error = st->refusal;
	attempt_record(st, &r);
	return PLANNED_REFUSED;
}

/* The state for a reset of CONN under SNAP: *STP's, renewed, or a new one in the table. */
static struct conn_state *
reset_state(const struct pq_api *api, PGconn *conn, struct snapshot *snap, struct conn_state **stp)
{
	struct conn_state *st = *stp;

	if (st == NULL)
	{
		if ((st = conn_state_new(api, snap)) == NULL)
			return NULL;
		st->conn = conn;
		conns_put(st);
		*stp = st;
	}
	else
	{
		snapshot_release(st->snap);
		st->snap = snap;
		plan_free(api, &st->plan);
	}
	start_attempt(st);
	return st;
}

enum planned
attempt_plan_reset(const struct pq_api *api, PGconn *conn, struct conn_state **stp)
{
	struct snapshot *snap = snapshot_acquire();
	struct conn_state *st;
	struct pgs_params p;
	enum plan_result pr = PLAN_OOM;

	if ((snap->policy == NULL && snap->error == NULL) ||
		(snap->error != NULL && process_on_error_allow()) ||
		(st = reset_state(api, conn, snap, stp)) == NULL)
	{
		snapshot_release(snap);
		return PLANNED_PASS;
	}
	/* PQreset reconnects with the options the connection holds now. */
	if (params_from_conn(api, conn, &p))
		pr = plan_connection(api, snap->policy, &p, process_program(), process_script(), &st->plan);
	params_free(api, &p);
	api->finish(plan_take_dry_run(&st->plan));
	if (pr == PLAN_LIBPQ_ERROR || pr == PLAN_OOM ||
		(snap->error == NULL && st->plan.d.mode == PGS_MODE_OFF))
		return PLANNED_PASS;
	if (snap->error != NULL)
		return refuse_reset(st, conn, NULL, unloadable_message(snap));
	refusal_known_now(st);
	if (st->plan.d.mode != PGS_MODE_ENFORCE)
		return PLANNED_CONNECT;
	if (st->plan.d.refuse)
		return refuse_reset(st, conn, st->plan.d.refuse,
							refusal_message(&st->plan.d, st->plan.d.refuse, NULL));
	if (plan_needs_injection(&st->plan))
		return refuse_reset(st, conn, R_STALE_SETTINGS,
							refusal_message(&st->plan.d, R_STALE_SETTINGS, NULL));
	return PLANNED_CONNECT;
}
