/*
 * record.c
 *	  Builds the contract's JSON record for one connection attempt.  Field
 *	  order follows the contract's table.  Only connection facts, the
 *	  decision and what libpq reports after connecting are written; none of
 *	  them can hold a password (libpq's messages never quote one).
 */
#include "record.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "recfields.h"
#include "text.h"

/* policy: {path, sha256}, or null. */
static void
policy_object(struct jbuf *b, const struct pgs_policy *p)
{
	if (p == NULL)
	{
		jb_null(b);
		return;
	}
	jb_obj_begin(b);
	jb_kstr(b, RF_POLICY_PATH, p->path);
	jb_kstr(b, RF_POLICY_SHA256, p->sha256[0] ? p->sha256 : NULL);
	jb_obj_end(b);
}

static void
head(struct jbuf *b, const struct pgs_origin *who, const char *event, enum pgs_severity sev)
{
	char ts[40];

	format_ts(who->ts_ms, ts, sizeof(ts));
	jb_obj_begin(b);
	jb_kstr(b, RF_TS, ts);
	jb_kstr(b, RF_EVENT, event);
	jb_kint(b, RF_PID, who->pid);
	jb_kstr(b, RF_PROGRAM, who->program);
	jb_kstr(b, RF_SCRIPT, who->script);
	jb_kstr(b, RF_HOSTNAME, who->hostname);
	jb_kstr(b, RF_SHIM_VERSION, PGS_VERSION);
	jb_kint(b, RF_SCHEMA_VERSION, PGS_SCHEMA_VERSION);
	jb_key(b, RF_POLICY);
	policy_object(b, who->policy);
	jb_kstr(b, RF_UNIT, who->unit);
	jb_kstr(b, RF_SEVERITY, pgs_severity_name(sev));
}

static void
injections(struct jbuf *b, const struct pgs_decision *d)
{
	jb_obj_begin(b);
	for (size_t i = 0; i < d->ninject; i++)
		jb_kstr(b, d->inject[i].keyword, d->inject[i].value);
	jb_obj_end(b);
}

static void
tls_object(struct jbuf *b, const struct pgs_observed *o)
{
	if (o == NULL || !o->tls)
	{
		jb_null(b);
		return;
	}
	jb_obj_begin(b);
	jb_kstr(b, RF_TLS_PROTOCOL, o->protocol);
	jb_kstr(b, RF_TLS_CIPHER, o->cipher);
	jb_kint(b, RF_TLS_KEY_BITS, o->key_bits);
	jb_kbool(b, RF_TLS_COMPRESSION, o->compression);
	jb_obj_end(b);
}

/* The certificates the server sent: to libpq, or else to the audit probe. */
static const struct pgs_observed *
served(const struct pgs_record *r)
{
	if (r->obs && r->obs->tls && r->obs->nchain > 0)
		return r->obs;
	return r->probe;
}

static void
chain_array(struct jbuf *b, const struct pgs_observed *o, bool want)
{
	if (!want || o == NULL || !o->tls || o->nchain == 0)
	{
		jb_null(b);
		return;
	}
	jb_arr_begin(b);
	for (int i = 0; i < o->nchain; i++)
	{
		const struct pgs_cert *c = &o->chain[i];

		jb_obj_begin(b);
		jb_kstr(b, RF_CERT_SUBJECT, c->subject);
		jb_kstr(b, RF_CERT_ISSUER, c->issuer);
		jb_kstr(b, RF_CERT_SERIAL, c->serial);
		jb_kstr(b, RF_CERT_NOT_BEFORE, c->not_before[0] ? c->not_before : NULL);
		jb_kstr(b, RF_CERT_NOT_AFTER, c->not_after[0] ? c->not_after : NULL);
		jb_kstr(b, RF_POLICY_SHA256, c->sha256[0] ? c->sha256 : NULL);
		jb_kstr(b, RF_CERT_KEY, c->key[0] ? c->key : NULL);
		jb_obj_end(b);
	}
	jb_arr_end(b);
}

static void
audit_object(struct jbuf *b, const struct pgs_record *r)
{
	if (r->d->mode != PGS_MODE_AUDIT)
	{
		jb_null(b);
		return;
	}
	jb_obj_begin(b);
	if (r->pred && r->pred->checked)
	{
		jb_kbool(b, RF_AUDIT_WOULD_VERIFY, r->pred->would_verify);
		jb_kstr(b, RF_AUDIT_VERIFY_ERROR, r->pred->verify_error[0] ? r->pred->verify_error : NULL);
	}
	else
	{
		jb_knull(b, RF_AUDIT_WOULD_VERIFY);
		jb_knull(b, RF_AUDIT_VERIFY_ERROR);
	}
	if (r->pred && r->pred->hostname_match >= 0)
		jb_kbool(b, RF_AUDIT_HOSTNAME_MATCH, r->pred->hostname_match == 1);
	else
		jb_knull(b, RF_AUDIT_HOSTNAME_MATCH);
	jb_kbool(b, RF_AUDIT_WOULD_REFUSE, r->refuse_reason != NULL);
	jb_kstr(b, RF_REASON, r->refuse_reason);
	jb_key(b, RF_AUDIT_WOULD_INJECT);
	injections(b, r->d);
	jb_obj_end(b);
}

static void
probe_object(struct jbuf *b, const struct pgs_observed *p)
{
	if (p == NULL)
	{
		jb_null(b);
		return;
	}
	jb_obj_begin(b);
	jb_kbool(b, RF_TLS, p->tls);
	jb_kstr(b, RF_TLS_PROTOCOL, p->protocol);
	jb_kstr(b, RF_ERROR, p->error);
	jb_obj_end(b);
}

/* C expires within R's expiry_warning_days (or has expired); *LEFT: seconds left. */
static bool
expiring(const struct pgs_record *r, const struct pgs_cert *c, int64_t *left)
{
	int days = r->d->settings ? r->d->settings->expiry_warning_days : 0;

	*left = (int64_t) c->not_after_t - r->now_s;
	return c->not_after[0] != '\0' && *left < (int64_t) days * 86400;
}

static void
warnings(struct jbuf *b, const struct pgs_record *r)
{
	const struct pgs_observed *o = served(r);

	jb_arr_begin(b);
	for (size_t i = 0; i < r->d->nwarn; i++)
		jb_str(b, r->d->warn[i]);
	if (r->extra_warning)
		jb_str(b, r->extra_warning);
	for (int i = 0; o != NULL && i < o->nchain; i++)
	{
		const struct pgs_cert *c = &o->chain[i];
		int64_t left;
		char text[1024];

		if (!expiring(r, c, &left))
			continue;
		if (left < 0)
			snprintf(text, sizeof(text), "certificate \"%s\" expired on %s",
					 c->subject ? c->subject : "?", c->not_after);
		else
			snprintf(text, sizeof(text), "certificate \"%s\" expires on %s (in %lld days)",
					 c->subject ? c->subject : "?", c->not_after, (long long) (left / 86400));
		jb_str(b, text);
	}
	jb_arr_end(b);
}

static void
rotation_object(struct jbuf *b, const struct pgs_rotation *r)
{
	if (r == NULL || r->next_ca == NULL)
	{
		jb_null(b);
		return;
	}
	jb_obj_begin(b);
	jb_kstr(b, RF_ROT_NEXT_CA, r->next_ca);
	jb_kstr(b, RF_ROT_AS_IS, r->as_is);
	jb_kstr(b, RF_ROT_ENFORCED, r->enforced);
	jb_kstr(b, RF_REASON, r->reason[0] ? r->reason : NULL);
	jb_obj_end(b);
}

/* R would break at rotation (contract: audit as_is, enforce enforced). */
static bool
breaks_at_rotation(const struct pgs_record *r)
{
	const char *v;

	if (r->rotation == NULL || r->rotation->next_ca == NULL)
		return false;
	v = r->d->mode == PGS_MODE_AUDIT ? r->rotation->as_is : r->rotation->enforced;
	return v != NULL && strcmp(v, "breaks") == 0;
}

enum pgs_severity
record_severity(const struct pgs_record *r)
{
	const struct pgs_observed *o = served(r);
	int64_t left;

	if (r->outcome != PGS_OUTCOME_OK)
		return PGS_SEV_ERROR;
	if (r->d->nwarn > 0 || r->extra_warning != NULL)
		return PGS_SEV_WARNING;
	for (int i = 0; o != NULL && i < o->nchain; i++)
	{
		if (expiring(r, &o->chain[i], &left))
			return PGS_SEV_WARNING;
	}
	if ((r->d->mode == PGS_MODE_AUDIT && r->refuse_reason != NULL) || breaks_at_rotation(r))
		return PGS_SEV_NOTICE;
	return PGS_SEV_INFO;
}

static const char *
first_nonempty(const char *a, const char *b)
{
	return (a && a[0]) ? a : ((b && b[0]) ? b : NULL);
}

/* What the audit and libpq checked, and the fields after it, to duration_ms. */
static void
verification_fields(struct jbuf *b, const struct pgs_record *r)
{
	const struct pgs_observed *o = r->obs;
	char num[32];

	if (r->probe)
	{
		jb_key(b, RF_PROBE);
		probe_object(b, r->probe);
	}
	jb_kstr(b, RF_REASON, r->refuse_reason);
	jb_kstr(b, RF_VERIFICATION, r->verification ? r->verification : "none");
	jb_kstr(b, RF_APP_SSLROOTCERT, r->app_sslrootcert);
	jb_key(b, RF_ROTATION);
	rotation_object(b, r->rotation);
	jb_kstr(b, RF_LOCAL_ADDR, o ? o->local_addr : NULL);
	if (o && o->local_addr)
		jb_kint(b, RF_LOCAL_PORT, o->local_port);
	else
		jb_knull(b, RF_LOCAL_PORT);
	/* Integer arithmetic: printf's %f would write a decimal comma under a
	 * host's LC_NUMERIC (de_DE), and the record would not be JSON. */
	jb_key(b, RF_DURATION_MS);
	snprintf(num, sizeof(num), "%lld.%03lld", (long long) (r->duration_us / 1000),
			 (long long) (r->duration_us % 1000));
	jb_raw(b, num, strlen(num));
	b->need_comma = true;
}

bool
record_connect(const struct pgs_record *r, struct jbuf *b)
{
	static const char *const outcomes[] = {"ok", "refused", "failed"};
	const struct pgs_facts *f = r->facts;
	const struct pgs_target *t = f->ntargets ? &f->targets[0] : NULL;
	const struct pgs_observed *o = r->obs;

	head(b, &r->who, RF_EVENT_CONNECT, record_severity(r));
	jb_kstr(b, RF_APPLICATION_NAME, f->application_name);
	jb_kstr(b, RF_RULE, r->d->rule ? r->d->rule->name : NULL);
	jb_kstr(b, RF_MODE, pgs_mode_name(r->d->mode));
	jb_kstr(b, RF_HOST, first_nonempty(o ? o->host : NULL, t ? t->host : NULL));
	jb_kstr(b, RF_HOSTADDR, first_nonempty(o ? o->hostaddr : NULL, t ? t->hostaddr : NULL));
	jb_kstr(b, RF_PORT, first_nonempty(o ? o->port : NULL, t ? t->port : NULL));
	jb_kstr(b, RF_DBNAME, first_nonempty(o ? o->dbname : NULL, f->dbname));
	jb_kstr(b, RF_USER, first_nonempty(o ? o->user : NULL, f->user));
	jb_kstr(b, RF_TRANSPORT, (o ? o->unix_socket : (t && t->unix_socket)) ? "unix" : "tcp");
	jb_kstr(b, RF_SSLMODE_REQUESTED, pgs_sslmode_name(r->d->app_sslmode));
	jb_kstr(b, RF_SSLMODE_EFFECTIVE, pgs_sslmode_name(r->used_sslmode));
	jb_key(b, RF_INJECTED);
	if (r->d->mode == PGS_MODE_ENFORCE)
		injections(b, r->d);
	else
	{
		jb_obj_begin(b);
		jb_obj_end(b);
	}
	jb_kstr(b, RF_OUTCOME, outcomes[r->outcome]);
	jb_kstr(b, RF_ERROR, r->error);
	jb_key(b, RF_TLS);
	tls_object(b, o);
	jb_kbool(b, RF_GSSENC, o != NULL && o->gssenc);
	jb_kbool(b, RF_VERIFIED, r->verified);
	jb_key(b, RF_CHAIN);
	chain_array(b, served(r), r->log_chain);
	jb_key(b, RF_AUDIT);
	audit_object(b, r);
	jb_key(b, RF_WARNINGS);
	warnings(b, r);
	verification_fields(b, r);
	jb_obj_end(b);
	jb_raw(b, "\n", 1);
	return jb_ok(b);
}

bool
record_policy_error(const struct pgs_origin *who, const char *error, struct jbuf *b)
{
	head(b, who, RF_EVENT_POLICY_ERROR, PGS_SEV_ERROR);
	jb_kstr(b, RF_ERROR, error);
	jb_obj_end(b);
	jb_raw(b, "\n", 1);
	return jb_ok(b);
}

bool
record_blind_spot(const struct pgs_origin *who, const char *libpq, const char *why, struct jbuf *b)
{
	head(b, who, RF_EVENT_BLIND_SPOT, PGS_SEV_ERROR);
	jb_kstr(b, RF_LIBPQ, libpq);
	jb_kstr(b, RF_WHY, why);
	jb_obj_end(b);
	jb_raw(b, "\n", 1);
	return jb_ok(b);
}

bool
record_records_lost(const struct pgs_origin *who, unsigned long lost, int64_t since_ms,
					const char *error, struct jbuf *b)
{
	char since[40];

	format_ts(since_ms, since, sizeof(since));
	head(b, who, RF_EVENT_RECORDS_LOST, PGS_SEV_ERROR);
	jb_kint(b, RF_LOST, (int64_t) lost);
	jb_kstr(b, RF_SINCE, since);
	jb_kstr(b, RF_ERROR, error);
	jb_obj_end(b);
	jb_raw(b, "\n", 1);
	return jb_ok(b);
}
