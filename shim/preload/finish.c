/*
 * finish.c
 *	  The stages after libpq's own attempt: observe what it negotiated,
 *	  apply enforcement's backstop (or, in audit, predict what enforcement
 *	  would have done), record the attempt, and refuse.  Enforcement is two
 *	  layers: the injected keywords make libpq itself refuse what it cannot
 *	  verify, and the backstop refuses what is still not verified.
 */
#include <errno.h>

#include "attempt.h"
#include "backstop.h"
#include "logging.h"
#include "predict.h"
#include "reasons.h"
#include "refusal.h"

/*
 * Audit of an established connection OBS for which the backstop said
 * REASON (NULL: nothing): fills *PRED (and, for a plaintext connection
 * probed, *PROBE) and returns the reason enforcement would refuse, or NULL.
 */
static const char *
audit_predict(const struct conn_state *st, const struct pgs_observed *obs, const char *reason,
			  struct pgs_prediction *pred, struct pgs_observed *probe, bool *probed)
{
	const struct pgs_decision *d = &st->plan.d;
	const struct pgs_facts *f = &st->plan.fb.f;
	const struct pgs_policy *policy = st->snap->policy;

	if (obs->tls)
	{
		if (reason == NULL)
			predict_tls(d, f, &st->api->caps, obs, pred);
		return reason ? reason : pred->reason;
	}
	if (obs->unix_socket || (obs->gssenc && d->settings->gssenc_allow) || d->refuse ||
		!policy->audit.probe)
		return reason;
	/* Plaintext, or GSS that enforce would disable: would TLS work? */
	*probed = true;
	return predict_plaintext(d, f, &st->api->caps, obs, policy->audit.probe_timeout_ms, probe,
							 pred);
}

/* Enforce: a failed attempt's refusal message when the failure is about TLS. */
static char *
failure_message(const struct pgs_decision *d, const struct pgs_observed *obs)
{
	const char *why = d->mode == PGS_MODE_ENFORCE ? reason_for_libpq_error(obs->error) : NULL;

	return why ? refusal_message(d, why, obs->error) : NULL;
}

void
attempt_finish(struct conn_state *st, PGconn *conn)
{
	int saved = errno;
	const struct pgs_decision *d = &st->plan.d;
	bool enforce = d->mode == PGS_MODE_ENFORCE;
	struct pgs_observed obs;
	struct pgs_observed probe = {0};
	struct pgs_prediction pred = {.hostname_match = -1};
	struct pgs_record r = {.outcome = PGS_OUTCOME_OK, .pred = &pred};
	bool probed = false;
	char mismatch[512] = "";
	char *msg = NULL;

	st->pending = false;
	inspect_conn(st->api, conn, &obs);
	r.obs = &obs;
	r.effective = enforce ? d->effective : d->requested;
	if (!obs.ok)
	{
		r.outcome = PGS_OUTCOME_FAILED;
		msg = failure_message(d, &obs);
		r.error = msg ? msg : obs.error;
	}
	else
	{
		r.refuse_reason = backstop_reason(d, &obs, r.effective);
		if (r.refuse_reason == NULL)
			r.refuse_reason = backstop_rule_mismatch(st->snap->policy, &st->plan.fb.f, d, &obs,
													 mismatch, sizeof(mismatch));
		if (r.refuse_reason != NULL && enforce)
		{
			refusal_close(st->api, conn);
			st->blocked = true;
			r.outcome = PGS_OUTCOME_REFUSED;
			r.error = msg = refusal_message(d, r.refuse_reason, NULL);
		}
		else if (d->mode == PGS_MODE_AUDIT)
			r.refuse_reason = audit_predict(st, &obs, r.refuse_reason, &pred, &probe, &probed);
	}
	r.verified = r.outcome == PGS_OUTCOME_OK && decision_verified(obs.tls, r.effective);
	r.probe = probed ? &probe : NULL;
	r.extra_warning = mismatch[0] ? mismatch : NULL;
	attempt_log(st, &r);
	observed_free(&probe);
	conn_state_refuse(st, msg);
	observed_free(&obs);
	errno = saved;
}
