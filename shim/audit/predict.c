/*
 * predict.c
 *	  The audit prediction: which CA file enforcement's libpq would read
 *	  (the injected or the app's sslrootcert, else ~/.postgresql/root.crt),
 *	  which CRL, at which sslmode, and whether the chain passes with them.
 */
#include "predict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predcache.h"
#include "probe.h"
#include "reasons.h"

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

void
predict_tls(const struct pgs_decision *d, const struct pgs_facts *f, const struct pgs_caps *caps,
			const struct pgs_observed *obs, struct pgs_prediction *pred)
{
	const char *root = enforced_value(d, "sslrootcert", f->sslrootcert);
	const char *crl = enforced_value(d, "sslcrl", f->sslcrl);
	char home_root[4096];

	if (root != NULL && strcmp(root, "system") == 0)
		root = caps->system_bundle;
	if (root == NULL)
	{
		const char *home = getenv("HOME");

		snprintf(home_root, sizeof(home_root), "%s/.postgresql/root.crt", home ? home : "");
		root = home_root;
	}
	predict_cached(obs->chain, obs->nchain, root, crl, d->effective, obs->host, pred);
	if (pred->reason == NULL && pgs_tls_below(obs->protocol, d->settings->min_protocol))
		pred->reason = R_OLD_PROTOCOL;
}

const char *
predict_plaintext(const struct pgs_decision *d, const struct pgs_facts *f,
				  const struct pgs_caps *caps, const struct pgs_observed *obs, int timeout_ms,
				  struct pgs_observed *probe, struct pgs_prediction *pred)
{
	probe_server(obs->host, obs->hostaddr, obs->port, timeout_ms, probe);
	if (!probe->tls)
		return probe->error && strcmp(probe->error, R_NO_TLS_SERVER) == 0 ? R_NO_TLS_SERVER
																		  : R_NO_TLS;
	/* The probe verified as libpq would, for the host the app connects to. */
	probe->host = obs->host ? strdup(obs->host) : NULL;
	predict_tls(d, f, caps, probe, pred);
	return pred->reason;
}
