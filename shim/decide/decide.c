/*
 * decide.c
 *	  Rule matching and the enforcement decision.  Pure functions of the
 *	  policy and the connection's facts: no I/O, no allocation, so that the
 *	  library and `pgtls-shim explain` cannot disagree, and so that a decision
 *	  costs microseconds even with a thousand rules.
 */
#include "decide.h"

#include <arpa/inet.h>
#include <fnmatch.h>
#include <string.h>
#include <strings.h>

static const char *
nz(const char *s)
{
	return s ? s : "";
}

/* Does ADDR (text) fall inside the CIDR block P? */
static bool
cidr_match(const struct pgs_pattern *p, const char *addr)
{
	uint8_t a[16];
	int bytes;
	int bits;

	if (inet_pton(p->family, addr, a) != 1)
		return false;
	bytes = p->prefix_len / 8;
	bits = p->prefix_len % 8;
	if (memcmp(a, p->addr, (size_t) bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	return ((a[bytes] ^ p->addr[bytes]) & (uint8_t) (0xFF << (8 - bits))) == 0;
}

static bool
patterns_match(const struct pgs_patterns *ps, const char *value, int flags, bool allow_cidr)
{
	for (size_t i = 0; i < ps->n; i++)
	{
		const struct pgs_pattern *p = &ps->v[i];

		if (allow_cidr && p->is_cidr)
		{
			if (cidr_match(p, value))
				return true;
		}
		else if (fnmatch(p->text, value, flags) == 0)
			return true;
	}
	return false;
}

static bool
rule_matches(const struct pgs_rule *r, const struct pgs_facts *f, const struct pgs_target *t)
{
	const char *values[PGS_M_NKEYS] = {
		[PGS_M_HOST] = nz(t->host),
		[PGS_M_HOSTADDR] = nz(t->hostaddr),
		[PGS_M_PORT] = nz(t->port),
		[PGS_M_DBNAME] = nz(f->dbname),
		[PGS_M_USER] = nz(f->user),
		[PGS_M_PROGRAM] = nz(f->program),
		[PGS_M_APPLICATION_NAME] = nz(f->application_name),
	};

	for (int k = 0; k < PGS_M_NKEYS; k++)
	{
		const struct pgs_patterns *ps = &r->match[k];

		if (ps->n == 0)
			continue;
		if (!patterns_match(ps, values[k], k == PGS_M_HOST ? FNM_CASEFOLD : 0, k == PGS_M_HOSTADDR))
			return false;
	}
	return true;
}

const struct pgs_rule *
policy_match(const struct pgs_policy *policy, const struct pgs_facts *facts,
			 const struct pgs_target *target)
{
	for (size_t i = 0; i < policy->nrules; i++)
	{
		if (rule_matches(&policy->rules[i], facts, target))
			return &policy->rules[i];
	}
	return NULL;
}

static void
inject(struct pgs_decision *d, const char *kw, const char *val)
{
	if (d->ninject < PGS_MAX_INJECT)
	{
		d->inject[d->ninject].keyword = kw;
		d->inject[d->ninject].value = val;
		d->ninject++;
	}
}

static void
warn(struct pgs_decision *d, const char *text)
{
	if (d->nwarn < PGS_MAX_WARN)
		d->warn[d->nwarn++] = text;
}

static bool
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/*
 * Matches every target; the strictest mode wins, the first target with that
 * mode names the rule.  Sets d->refuse when enforced targets need different
 * CA bundles (one connection string cannot carry two sslrootcert values).
 */
static void
choose_rule(const struct pgs_policy *policy, const struct pgs_facts *facts, struct pgs_decision *d,
			bool *all_unix)
{
	const struct pgs_rule *chosen[PGS_MAX_HOSTS];
	size_t n = facts->ntargets;

	d->mode = PGS_MODE_OFF;
	d->rule = NULL;
	*all_unix = n > 0;
	for (size_t i = 0; i < n; i++)
	{
		const struct pgs_rule *r = policy_match(policy, facts, &facts->targets[i]);
		enum pgs_mode m = r ? r->mode : policy->mode;

		chosen[i] = r;
		if (i == 0 || m > d->mode)
		{
			d->mode = m;
			d->rule = r;
		}
		if (!facts->targets[i].unix_socket)
			*all_unix = false;
	}
	if (n == 0)
		d->mode = policy->mode;
	d->settings = d->rule ? &d->rule->s : &policy->defaults;
	if (facts->too_many_hosts && d->mode != PGS_MODE_OFF)
		d->refuse = "too many hosts in one connection string to check them all";

	for (size_t i = 0; i < n && d->mode == PGS_MODE_ENFORCE; i++)
	{
		const struct pgs_settings *s = chosen[i] ? &chosen[i]->s : &policy->defaults;

		if (facts->targets[i].unix_socket)
			continue;
		if (!same_str(s->sslrootcert, d->settings->sslrootcert) ||
			!same_str(s->sslcrl, d->settings->sslcrl))
			d->refuse = "the hosts of this connection need different CA bundles";
	}
}

static void
plan_injection(const struct pgs_facts *facts, const struct pgs_caps *caps, struct pgs_decision *d)
{
	const struct pgs_settings *s = d->settings;
	bool force = s->override == PGS_OVERRIDE_FORCE;

	d->effective = d->requested;
	if (force || d->requested < s->sslmode)
	{
		inject(d, "sslmode", pgs_sslmode_name(s->sslmode));
		d->effective = s->sslmode;
	}
	if (s->sslrootcert && (force || facts->sslrootcert == NULL))
	{
		if (strcmp(s->sslrootcert, "system") != 0 || caps->has_sslrootcert_system)
			inject(d, "sslrootcert", s->sslrootcert);
		else if (caps->system_bundle)
		{
			inject(d, "sslrootcert", caps->system_bundle);
			warn(d, "sslrootcert \"system\" is not supported by the loaded libpq: "
					"used OpenSSL's default CA file instead");
		}
	}
	if (s->sslcrl && (force || facts->sslcrl == NULL))
	{
		if (caps->has_sslcrl)
			inject(d, "sslcrl", s->sslcrl);
		else
			warn(d, "sslcrl is not supported by the loaded libpq");
	}
	if (s->min_protocol != PGS_TLS_ANY &&
		(force || pgs_tls_rank(facts->ssl_min_protocol_version) <
					  pgs_tls_rank(pgs_tlsver_name(s->min_protocol))))
	{
		if (caps->has_ssl_min_protocol)
			inject(d, "ssl_min_protocol_version", pgs_tlsver_name(s->min_protocol));
		else
		{
			d->check_protocol_after = true;
			warn(d, "min_protocol has no keyword in the loaded libpq: "
					"checked after the handshake");
		}
	}
	if (!s->gssenc_allow && caps->has_gssencmode &&
		(facts->gssencmode == NULL || strcmp(facts->gssencmode, "disable") != 0))
		inject(d, "gssencmode", "disable");
}

void
decide(const struct pgs_policy *policy, const struct pgs_facts *facts, const struct pgs_caps *caps,
	   struct pgs_decision *d)
{
	bool all_unix;

	memset(d, 0, sizeof(*d));
	if (facts->sslmode == NULL || !pgs_sslmode_parse(facts->sslmode, &d->requested))
		d->requested = PGS_SSL_PREFER;
	choose_rule(policy, facts, d, &all_unix);
	d->effective = d->requested;
	if (d->mode == PGS_MODE_OFF)
		return;
	if (all_unix)
	{
		/* No TLS on a Unix socket: nothing to inject, only allow or refuse. */
		if (d->settings->unix_socket_refuse)
			d->refuse = "Unix-socket connection (no TLS)";
		return;
	}
	plan_injection(facts, caps, d);
}

bool
decision_verified(bool tls, enum pgs_sslmode effective)
{
	return tls && effective >= PGS_SSL_VERIFY_CA;
}
