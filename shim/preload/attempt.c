/*
 * session.c
 *	  One connection attempt: the decision before it, and inspection,
 *	  enforcement and the record after it.  Enforcement is two layers: the
 *	  injected keywords make libpq itself refuse what it cannot verify, and a
 *	  backstop here refuses what is still not verified once connected (GSS
 *	  encryption, a Unix socket the policy refuses, an old TLS protocol).
 */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "inspect.h"
#include "probe.h"
#include "record.h"
#include "predcache.h"

/* libpq's and OpenSSL's wording for failures of TLS or verification. */
static const struct
{
	const char *needle;
	const char *reason;
} tls_failures[] = {
	{"server does not support SSL", "server does not support TLS"},
	{"does not match host name", "server certificate not verified"},
	{"certificate verify failed", "server certificate not verified"},
	{"root certificate file", "server certificate not verified"},
	{"could not read root certificate", "server certificate not verified"},
	{"could not load SSL certificate revocation", "server certificate not verified"},
	{"host name must be specified", "server certificate not verified"},
	{"SSL error", "TLS handshake failed"},
	{"SSL SYSCALL", "TLS handshake failed"},
	{"unsupported protocol", "TLS handshake failed"},
};

static const char *
tls_failure_reason(const char *error)
{
	for (size_t i = 0; error && i < sizeof(tls_failures) / sizeof(tls_failures[0]); i++)
	{
		if (strstr(error, tls_failures[i].needle))
			return tls_failures[i].reason;
	}
	return NULL;
}

/* The contract's message, ending in a newline as libpq's do; malloc'd. */
static char *
refusal_message(const struct pgs_decision *d, const char *reason, const char *detail)
{
	char *msg = NULL;
	char who[300];

	if (d->rule)
		snprintf(who, sizeof(who), "rule \"%s\"", d->rule->name);
	else
		snprintf(who, sizeof(who), "the policy's top-level mode");
	if (asprintf(&msg, "pgtls-shim: refused by %s (%s): %s%s%s\n", who, pgs_mode_name(d->mode),
				 reason, detail ? ": " : "", detail ? detail : "") < 0)
		return NULL;
	return msg;
}

static void
write_record(struct conn_state *st, const struct pgs_observed *obs, enum pgs_outcome outcome,
			 const char *error, const char *reason, enum pgs_sslmode effective, bool verified,
			 const struct pgs_prediction *pred, const struct pgs_observed *probe,
			 const char *extra_warning)
{
	struct pgs_record r = {
		.ts_ms = st->start_ms,
		.pid = getpid(),
		.facts = &st->fb.f,
		.d = &st->d,
		.obs = obs,
		.outcome = outcome,
		.error = error,
		.refuse_reason = reason,
		.effective = effective,
		.verified = verified,
		.duration_ms = runtime_mono_ms() - st->start_mono,
		.now_s = runtime_now_ms() / 1000,
		.pred = pred,
		.probe = probe,
		.extra_warning = extra_warning,
	};
	struct jbuf b;
	char *line = error ? one_line(error) : NULL;

	if (st->snap->sink == NULL)
	{
		free(line);
		return;
	}
	r.error = line ? line : error;
	r.log_chain = st->snap->policy->log.chain;
	jb_init(&b);
	if (record_connect(&r, &b))
		sink_write(st->snap->sink, b.p, b.len);
	jb_free(&b);
	free(line);
}

void
session_restart(struct conn_state *st)
{
	st->start_ms = runtime_now_ms();
	st->start_mono = runtime_mono_ms();
	st->pending = true;
}

enum begin_kind
session_begin(const struct pq_api *api, struct pgs_params *p, struct conn_state **out,
			  bool *rewrite)
{
	struct snapshot *snap = runtime_acquire();
	struct conn_state *st;
	PGconn *probe = NULL;
	struct pgs_caps caps = {
		.has_ssl_min_protocol = api->has_ssl_min_protocol,
		.has_gssencmode = api->has_gssencmode,
		.has_sslcrl = api->has_sslcrl,
		.has_sslrootcert_system = api->has_sslrootcert_system,
		.system_bundle = "/etc/ssl/certs/ca-certificates.crt",
	};
	char *msg;

	*out = NULL;
	*rewrite = false;
	if ((snap->policy == NULL && snap->error == NULL) ||
		(snap->error != NULL && runtime_on_error_allow()))
	{
		runtime_release(snap);
		return BEGIN_PASS;
	}
	st = conn_state_new(api, snap);
	if (st == NULL)
	{
		runtime_release(snap);
		return BEGIN_PASS;
	}
	session_restart(st);
	if (facts_gather(api, p, runtime_program(), &st->fb, &probe) != FACTS_OK)
	{
		/* libpq rejects the parameters itself: it will say so, unchanged. */
		conn_state_free(st);
		return BEGIN_PASS;
	}
	if (snap->error != NULL)
	{
		if (asprintf(&msg, "pgtls-shim: refused: the policy cannot be loaded: %s\n", snap->error) <
			0)
			msg = NULL;
		st->conn = probe;
		st->blocked = true;
		st->pending = false;
		conn_state_refuse(st, msg);
		*out = st;
		return BEGIN_REFUSED;
	}
	decide(snap->policy, &st->fb.f, &caps, &st->d);
	if (st->d.mode == PGS_MODE_OFF)
	{
		api->finish(probe);
		conn_state_free(st);
		return BEGIN_PASS;
	}
	*out = st;
	if (st->d.mode == PGS_MODE_ENFORCE && st->d.refuse)
	{
		st->conn = probe;
		st->blocked = true;
		st->pending = false;
		conn_state_refuse(st, refusal_message(&st->d, st->d.refuse, NULL));
		write_record(st, NULL, PGS_OUTCOME_REFUSED, st->refusal, st->d.refuse, st->d.requested,
					 false, NULL, NULL, NULL);
		return BEGIN_REFUSED;
	}
	if (st->d.mode == PGS_MODE_ENFORCE && st->d.ninject > 0)
	{
		for (size_t i = 0; i < st->d.ninject; i++)
		{
			if (!params_push(p, st->d.inject[i].keyword, st->d.inject[i].value))
			{
				/* Cannot enforce without memory: fail closed. */
				st->conn = probe;
				st->blocked = true;
				st->pending = false;
				conn_state_refuse(st, refusal_message(&st->d, "out of memory", NULL));
				return BEGIN_REFUSED;
			}
		}
		*rewrite = true;
	}
	api->finish(probe);
	return BEGIN_CONNECT;
}

/* Why enforcement refuses (or would refuse) this established connection. */
static const char *
backstop_reason(const struct pgs_decision *d, const struct pgs_observed *obs,
				enum pgs_sslmode effective)
{
	const struct pgs_settings *s = d->settings;

	if (d->refuse)
		return d->refuse;
	if (obs->unix_socket)
		return s->unix_socket_refuse ? "Unix-socket connection (no TLS)" : NULL;
	if (obs->gssenc)
		return s->gssenc_allow ? NULL : "GSS-encrypted session (no TLS)";
	if (!obs->tls)
		return "server did not use TLS";
	if (s->min_protocol != PGS_TLS_ANY &&
		pgs_tls_rank(obs->protocol) < pgs_tls_rank(pgs_tlsver_name(s->min_protocol)))
		return "TLS protocol below min_protocol";
	if (d->mode == PGS_MODE_ENFORCE && s->sslmode >= PGS_SSL_VERIFY_CA &&
		effective < PGS_SSL_VERIFY_CA)
		return "server certificate not verified";
	return NULL;
}

/* The value enforcement gives KEYWORD: injected, else the app's own. */
static const char *
enforced_value(const struct pgs_decision *d, const char *keyword, const char *app)
{
	for (size_t i = 0; i < d->ninject; i++)
	{
		if (strcmp(d->inject[i].keyword, keyword) == 0)
			return d->inject[i].value;
	}
	return app;
}

/*
 * Audit: would libpq, with what enforcement injects, accept the chain this
 * server sent?  The CA file is the one libpq would read: the injected or
 * the app's sslrootcert, else ~/.postgresql/root.crt.
 */
static void
predict(const struct conn_state *st, const struct pgs_observed *obs, struct pgs_prediction *pred)
{
	const struct pgs_settings *s = st->d.settings;
	const struct pgs_decision *d = &st->d;
	const char *root = enforced_value(d, "sslrootcert", st->fb.f.sslrootcert);
	const char *crl = enforced_value(d, "sslcrl", st->fb.f.sslcrl);
	char home_root[4096];

	if (root != NULL && strcmp(root, "system") == 0)
		root = "/etc/ssl/certs/ca-certificates.crt";
	if (root == NULL)
	{
		const char *home = getenv("HOME");

		snprintf(home_root, sizeof(home_root), "%s/.postgresql/root.crt", home ? home : "");
		root = home_root;
	}
	predict_cached(obs->chain, obs->nchain, root, crl, d->effective, obs->host, pred);
	if (pred->reason == NULL && s->min_protocol != PGS_TLS_ANY &&
		pgs_tls_rank(obs->protocol) < pgs_tls_rank(pgs_tlsver_name(s->min_protocol)))
		pred->reason = "TLS protocol below min_protocol";
}

/*
 * Audit of a connection that used no TLS: with audit.probe, the shim's own
 * handshake shows whether enforcement (which would require TLS) would work.
 * Returns the reason enforcement would refuse, or NULL.
 */
static const char *
probe_and_predict(const struct conn_state *st, const struct pgs_observed *obs,
				  struct pgs_observed *probe, struct pgs_prediction *pred)
{
	probe_server(obs->host, obs->hostaddr, obs->port, st->snap->policy->audit.probe_timeout_ms,
				 probe);
	if (!probe->tls)
		return probe->error && strstr(probe->error, "does not support TLS")
				   ? "server does not support TLS"
				   : "server did not use TLS";
	/* The probe verified as libpq would, for the host the app connects to. */
	probe->host = obs->host ? strdup(obs->host) : NULL;
	predict(st, probe, pred);
	return pred->reason;
}

/*
 * With several hosts, the decision was made for the strictest of their rules.
 * If the host libpq ended up on selects another rule, the settings applied
 * were not its own: says so in NOTE and returns the reason, else NULL.
 */
static const char *
rule_mismatch(const struct conn_state *st, const struct pgs_observed *obs, char *note, size_t len)
{
	const struct pgs_facts *f = &st->fb.f;
	const struct pgs_rule *used;

	if (f->ntargets < 2 || obs->host == NULL)
		return NULL;
	for (size_t i = 0; i < f->ntargets; i++)
	{
		const struct pgs_target *t = &f->targets[i];
		const char *h = t->host[0] ? t->host : t->hostaddr;

		if (strcmp(h, obs->host) != 0 || (obs->port && strcmp(t->port, obs->port) != 0))
			continue;
		used = policy_match(st->snap->policy, f, t);
		if (used == st->d.rule)
			return NULL;
		snprintf(note, len, "connected to %s, which selects %s%s%s, not the %s%s%s applied",
				 obs->host, used ? "rule \"" : "the top-level mode", used ? used->name : "",
				 used ? "\"" : "", st->d.rule ? "rule \"" : "top-level mode",
				 st->d.rule ? st->d.rule->name : "", st->d.rule ? "\"" : "");
		return "the host connected to selects a different rule";
	}
	return NULL;
}

/* Closes CONN's socket under libpq, which then marks it CONNECTION_BAD. */
static void
kill_conn(const struct pq_api *api, PGconn *conn)
{
	int fd = api->socket(conn);

	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	(void) api->consumeInput(conn);
}

void
session_finish_attempt(struct conn_state *st, PGconn *conn)
{
	int saved = errno;
	struct pgs_observed obs;
	const struct pgs_decision *d = &st->d;
	bool enforce = d->mode == PGS_MODE_ENFORCE;
	enum pgs_sslmode effective = enforce ? d->effective : d->requested;
	enum pgs_outcome outcome = PGS_OUTCOME_OK;
	const char *reason = NULL;
	const char *error = NULL;
	char *msg = NULL;
	struct pgs_prediction pred = {.hostname_match = -1};
	struct pgs_observed probe;
	bool probed = false;
	char mismatch[512] = "";

	st->pending = false;
	inspect_conn(st->api, conn, true, &obs);
	if (!obs.ok)
	{
		const char *why = enforce ? tls_failure_reason(obs.error) : NULL;

		outcome = PGS_OUTCOME_FAILED;
		error = obs.error;
		if (why)
			error = msg = refusal_message(d, why, obs.error);
	}
	else if (((reason = backstop_reason(d, &obs, effective)) != NULL ||
			  (reason = rule_mismatch(st, &obs, mismatch, sizeof(mismatch))) != NULL) &&
			 enforce)
	{
		kill_conn(st->api, conn);
		st->blocked = true;
		outcome = PGS_OUTCOME_REFUSED;
		error = msg = refusal_message(d, reason, NULL);
	}
	if (d->mode == PGS_MODE_AUDIT && obs.ok && obs.tls && reason == NULL)
	{
		predict(st, &obs, &pred);
		reason = pred.reason;
	}
	else if (d->mode == PGS_MODE_AUDIT && obs.ok && !obs.tls && !obs.unix_socket &&
			 (!obs.gssenc || !d->settings->gssenc_allow) && !d->refuse &&
			 st->snap->policy->audit.probe)
	{
		/* Plaintext, or GSS that enforce would disable: would TLS work? */
		reason = probe_and_predict(st, &obs, &probe, &pred);
		probed = true;
	}
	write_record(st, &obs, outcome, error, reason, effective,
				 outcome == PGS_OUTCOME_OK && decision_verified(obs.tls, effective), &pred,
				 probed ? &probe : NULL, mismatch[0] ? mismatch : NULL);
	if (probed)
		observed_free(&probe);
	conn_state_refuse(st, msg);
	observed_free(&obs);
	errno = saved;
}
