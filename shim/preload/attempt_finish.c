/*
 * attempt_finish.c
 *	  In other people's processes: part of the preloaded library only.
 *	  The observe stage and the ones after it, once libpq's own attempt
 *	  has ended: observe what it negotiated, apply enforcement's backstop
 *	  (or, in audit, predict what enforcement would have done), record the
 *	  attempt, and refuse.  Enforcement is two layers: the injected
 *	  keywords make libpq itself refuse what it cannot verify, and the
 *	  backstop refuses what is still not verified.
 *
 *	  Why an attempt failed is never read from libpq's message, which the
 *	  host's locale may have translated: the shim's own TLS probe of the same
 *	  server, checked with enforcement's settings, says which reason of the
 *	  shared vocabulary applies, in enforce and in audit alike.
 */
#include <errno.h>
#include <string.h>

#include "attempt.h"
#include "backstop.h"
#include "failure.h"
#include "attempt_record.h"
#include "predict.h"
#include "reasons.h"
#include "refusal.h"

/* Everything the finishing stages work on for one attempt. */
struct finish
{
	struct conn_state *st;
	struct predict_ctx pc;
	struct pgs_observed obs;
	struct pgs_observed probe;
	struct pgs_prediction pred;
	struct pgs_record r;
	struct pgs_rotation rotation;
	char mismatch[512];
	char app_root[4096];
	char *msg; /* the refusal text PQerrorMessage shows, or NULL */
};

/*
 * Audit of an established connection for which the backstop said REASON
 * (NULL: nothing): returns the reason enforcement would refuse, or NULL.
 */
static const char *
audit_established(struct finish *fx, const char *reason)
{
	const struct pgs_decision *d = fx->pc.d;
	const struct pgs_policy *policy = fx->st->snap->policy;
	const char *r;

	if (fx->obs.tls)
	{
		if (reason == NULL)
			predict_tls(&fx->pc, &fx->obs, &fx->pred);
		return reason ? reason : fx->pred.reason;
	}
	if (fx->obs.unix_socket || (fx->obs.gssenc && d->settings->gssenc_allow) || d->refuse)
		return reason;
	if (predict_client_cert_fails(fx->pc.f))
		return R_CLIENT_CERT; /* libpq gives up on TLS before the server has a say */
	if (!policy->audit.probe)
		return reason;
	/* Plaintext, or GSS that enforce would disable: would TLS work? */
	r = predict_by_probe(&fx->pc, &fx->obs, policy->audit.probe_timeout_ms, &fx->probe, &fx->pred);
	fx->r.probe = &fx->probe;
	return r ? r : (fx->probe.tls ? NULL : R_NO_TLS);
}

/*
 * A failed attempt: is it a TLS failure enforcement owns?  The probe
 * answers (NULL: it is not, e.g. a wrong password or a server down).
 */
static const char *
classify_failure(struct finish *fx)
{
	if (fx->pc.d->mode == PGS_MODE_AUDIT && fx->pc.d->refuse)
		return fx->pc.d->refuse; /* enforce refuses it before connecting */
	if (fx->obs.unix_socket || fx->obs.hostaddr == NULL || fx->pc.d->mode == PGS_MODE_OFF)
		return NULL;
	if (!fx->obs.tls && predict_client_cert_fails(fx->pc.f))
		return R_CLIENT_CERT;
	return failure_reason(&fx->pc, &fx->obs, fx->st->snap->policy->audit.probe_timeout_ms,
						  &fx->pred);
}

/* The backstop on an established connection; refuses it in enforce. */
static void
check_established(struct finish *fx, PGconn *conn)
{
	const struct pgs_decision *d = fx->pc.d;
	struct pgs_record *r = &fx->r;

	r->refuse_reason = backstop_reason(d, &fx->obs, r->used_sslmode);
	if (r->refuse_reason == NULL)
		r->refuse_reason = backstop_rule_mismatch(fx->st->snap->policy, fx->pc.f, d, &fx->obs,
												  fx->mismatch, sizeof(fx->mismatch));
	if (r->refuse_reason != NULL && d->mode == PGS_MODE_ENFORCE)
	{
		refusal_close(fx->st->api, conn);
		fx->st->blocked = true;
		r->outcome = PGS_OUTCOME_REFUSED;
		r->error = fx->msg = refusal_message(d, r->refuse_reason, NULL);
	}
	else if (d->mode == PGS_MODE_AUDIT)
		r->refuse_reason = audit_established(fx, r->refuse_reason);
}

/* What libpq checked: none, the chain, or the chain and the host name. */
static const char *
verification(const struct pgs_observed *obs, enum pgs_sslmode used_sslmode)
{
	if (!obs->ok || !obs->tls || !obs->peer_verified)
		return "none";
	return used_sslmode == PGS_SSL_VERIFY_FULL ? "full" : "chain";
}

void
attempt_finish(struct conn_state *st, PGconn *conn)
{
	int saved = errno;
	struct finish fx = {.st = st, .pred = {.hostname_match = -1}};
	struct pgs_record *r = &fx.r;

	st->pending = false;
	inspect_conn(st->api, conn, &fx.obs);
	fx.pc = (struct predict_ctx){&st->plan.d, &st->plan.fb.f, &st->api->caps,
								 predict_verify_host(&st->plan.fb.f, fx.obs.host, fx.obs.port)};
	*r = (struct pgs_record){.outcome = PGS_OUTCOME_OK, .obs = &fx.obs, .pred = &fx.pred};
	r->used_sslmode =
		fx.pc.d->mode == PGS_MODE_ENFORCE ? fx.pc.d->enforced_sslmode : fx.pc.d->app_sslmode;
	if (!fx.obs.ok)
	{
		r->outcome = PGS_OUTCOME_FAILED;
		r->refuse_reason = classify_failure(&fx);
		if (r->refuse_reason != NULL && fx.pc.d->mode == PGS_MODE_ENFORCE)
			fx.msg = refusal_message(fx.pc.d, r->refuse_reason, fx.obs.error);
		r->error = fx.msg ? fx.msg : fx.obs.error;
	}
	else
		check_established(&fx, conn);
	r->verification = verification(&fx.obs, r->used_sslmode);
	r->verified = r->outcome == PGS_OUTCOME_OK && strcmp(r->verification, "none") != 0;
	r->app_sslrootcert =
		predict_app_rootcert(fx.pc.f, fx.pc.caps, fx.app_root, sizeof(fx.app_root));
	r->extra_warning = fx.mismatch[0] ? fx.mismatch : NULL;
	predict_rotation(&fx.pc, &fx.rotation);
	r->rotation = &fx.rotation;
	attempt_record(st, r);
	observed_free(&fx.probe);
	conn_state_refuse(st, fx.msg);
	observed_free(&fx.obs);
	errno = saved;
}
