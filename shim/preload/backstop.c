/*
 * backstop.c
 *	  In other people's processes: part of the preloaded library only.
 *	  The after-connect checks of enforcement, shared with audit's
 *	  prediction of them.
 */
#include "backstop.h"

#include <stdio.h>
#include <string.h>

#include "match.h"
#include "reasons.h"

const char *
backstop_reason(const struct pgs_decision *d, const struct pgs_observed *obs,
				enum pgs_sslmode used_sslmode)
{
	const struct pgs_settings *s = d->settings;

	if (d->refuse)
		return d->refuse;
	if (obs->unix_socket)
		return s->unix_socket_refuse ? R_UNIX_SOCKET : NULL;
	if (obs->gssenc)
		return s->gssenc_allow ? NULL : R_GSSENC;
	if (!obs->tls)
	{
		/* Under prefer libpq asked for TLS: the server said no (libpq falls
		 * back after a failed handshake too, but that is rare). */
		return d->app_sslmode == PGS_SSL_PREFER ? R_NO_TLS_SERVER : R_NO_TLS;
	}
	if (pgs_tls_below(obs->protocol, s->min_protocol))
		return R_OLD_PROTOCOL;
	if (d->mode == PGS_MODE_ENFORCE && s->sslmode >= PGS_SSL_VERIFY_CA &&
		used_sslmode < PGS_SSL_VERIFY_CA)
		return R_NOT_VERIFIED;
	/* Whatever the floor: libpq did not check the chain (require with no
	 * root file found), so the record would say verification "none". */
	if (d->mode == PGS_MODE_ENFORCE && !obs->peer_verified)
		return R_NOT_VERIFIED;
	return NULL;
}

/* The target of F that libpq ended up on: OBS's host (or address) and port. */
static const struct pgs_target *
final_target(const struct pgs_facts *f, const struct pgs_observed *obs)
{
	for (size_t i = 0; i < f->ntargets; i++)
	{
		const struct pgs_target *t = &f->targets[i];
		const char *h = t->host[0] ? t->host : t->hostaddr;

		if (strcmp(h, obs->host) == 0 && (obs->port == NULL || strcmp(t->port, obs->port) == 0) &&
			(t->hostaddr[0] == '\0' || obs->hostaddr == NULL ||
			 strcmp(t->hostaddr, obs->hostaddr) == 0))
			return t;
	}
	return NULL;
}

const char *
backstop_rule_mismatch(const struct pgs_policy *policy, const struct pgs_facts *f,
					   const struct pgs_decision *d, const struct pgs_observed *obs, char *note,
					   size_t len)
{
	const struct pgs_target *t;
	struct pgs_target peer;
	const struct pgs_rule *used;

	if ((f->ntargets < 2 && !policy->uses_hostaddr) || obs->host == NULL || obs->unix_socket ||
		(t = final_target(f, obs)) == NULL)
		return NULL;
	/* The peer as libpq reached it: the address it really connected to. */
	peer = *t;
	if (obs->hostaddr != NULL)
		peer.hostaddr = obs->hostaddr;
	used = policy_match(policy, f, &peer);
	if (used == d->rule)
		return NULL;
	snprintf(note, len, "connected to %s, which selects %s%s%s, not the %s%s%s applied", obs->host,
			 used ? "rule \"" : "the top-level mode", used ? used->name : "", used ? "\"" : "",
			 d->rule ? "rule \"" : "top-level mode", d->rule ? d->rule->name : "",
			 d->rule ? "\"" : "");
	return R_RULE_MISMATCH;
}
