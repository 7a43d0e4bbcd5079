/*
 * decide.c
 *	  The enforcement decision.  A pure function of the policy, the
 *	  connection's facts and the libpq's capabilities: no I/O, no
 *	  allocation, so that the library and `pgtls-shim explain` cannot
 *	  disagree, and so that a decision costs microseconds even with a
 *	  thousand rules.
 */
#include "decide.h"

#include <string.h>

#include "match.h"

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
			!same_str(s->sslcrl, d->settings->sslcrl) ||
			!same_str(s->sslcrldir, d->settings->sslcrldir))
			d->refuse = "the hosts of this connection need different CA bundles";
	}
}

/*
 * sslmode and sslrootcert.  libpq 16 and later refuse sslrootcert=system
 * below verify-full, so where the shim injects it natively the floor it
 * injects with it is raised to verify-full (and says so).
 */
static void
choose_verification(const struct pgs_facts *facts, const struct pgs_caps *caps,
					struct pgs_decision *d)
{
	const struct pgs_settings *s = d->settings;
	bool force = s->override == PGS_OVERRIDE_FORCE;
	bool give_root = s->sslrootcert && (force || facts->sslrootcert == NULL);
	bool system = give_root && strcmp(s->sslrootcert, "system") == 0;
	enum pgs_sslmode floor = s->sslmode;

	if (system && caps->has_sslrootcert_system && floor < PGS_SSL_VERIFY_FULL)
	{
		floor = PGS_SSL_VERIFY_FULL;
		warn(d, "sslrootcert \"system\" requires sslmode verify-full in libpq 16 and later: "
				"raised to verify-full");
	}
	d->enforced_sslmode = d->app_sslmode;
	if (force || d->app_sslmode < floor)
	{
		inject(d, "sslmode", pgs_sslmode_name(floor));
		d->enforced_sslmode = floor;
	}
	if (!give_root)
		return;
	if (!system || caps->has_sslrootcert_system)
		inject(d, "sslrootcert", s->sslrootcert);
	else if (caps->system_bundle)
	{
		inject(d, "sslrootcert", caps->system_bundle);
		warn(d, "sslrootcert \"system\" is not supported by the loaded libpq: "
				"used OpenSSL's default CA file instead");
	}
}

/* CRL, protocol floor, GSS encryption, and the TLS key log (libpq 18). */
static void
choose_extras(const struct pgs_facts *facts, const struct pgs_caps *caps, struct pgs_decision *d)
{
	const struct pgs_settings *s = d->settings;
	bool force = s->override == PGS_OVERRIDE_FORCE;

	if (s->sslcrl && (force || facts->sslcrl == NULL))
	{
		if (caps->has_sslcrl)
			inject(d, "sslcrl", s->sslcrl);
		else
			warn(d, "sslcrl is not supported by the loaded libpq");
	}
	if (s->sslcrldir && (force || facts->sslcrldir == NULL))
	{
		if (caps->has_sslcrldir)
			inject(d, "sslcrldir", s->sslcrldir);
		else
			warn(d, "sslcrldir is not supported by the loaded libpq");
	}
	if (s->min_protocol != PGS_TLS_ANY &&
		(force || pgs_tls_below(facts->ssl_min_protocol_version, s->min_protocol)))
	{
		if (caps->has_ssl_min_protocol)
			inject(d, "ssl_min_protocol_version", pgs_tlsver_name(s->min_protocol));
		else
			warn(d, "min_protocol has no keyword in the loaded libpq: "
					"checked after the handshake");
	}
	if (!s->gssenc_allow && caps->has_gssencmode &&
		(facts->gssencmode == NULL || strcmp(facts->gssencmode, "disable") != 0))
		inject(d, "gssencmode", "disable");
	if (facts->sslkeylogfile != NULL && !s->sslkeylogfile_allow)
	{
		/* libpq ignores an empty value: the keys go to /dev/null instead. */
		warn(d, "the application writes its TLS session keys to a file (sslkeylogfile)");
		if (caps->has_sslkeylogfile)
			inject(d, "sslkeylogfile", "/dev/null");
	}
}

void
decide(const struct pgs_policy *policy, const struct pgs_facts *facts, const struct pgs_caps *caps,
	   struct pgs_decision *d)
{
	bool all_unix;

	memset(d, 0, sizeof(*d));
	if (facts->sslmode == NULL || !pgs_sslmode_parse(facts->sslmode, &d->app_sslmode))
		d->app_sslmode = PGS_SSL_PREFER;
	choose_rule(policy, facts, d, &all_unix);
	d->enforced_sslmode = d->app_sslmode;
	if (d->mode == PGS_MODE_OFF)
		return;
	if (all_unix)
	{
		/* No TLS on a Unix socket: nothing to inject, only allow or refuse. */
		if (d->settings->unix_socket_refuse)
			d->refuse = "Unix-socket connection (no TLS)";
		return;
	}
	choose_verification(facts, caps, d);
	choose_extras(facts, caps, d);
}

const char *
decision_enforced(const struct pgs_decision *d, const char *keyword, const char *app)
{
	for (size_t i = 0; i < d->ninject; i++)
	{
		if (strcmp(d->inject[i].keyword, keyword) == 0)
			return d->inject[i].value;
	}
	return app;
}
