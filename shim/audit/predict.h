/*
 * predict.h
 *	  Audit: what enforcement would have done with a connection that was
 *	  left alone.  The chain the server sent (or, for a plaintext or failed
 *	  connection, the one the TLS probe sees) is checked as libpq would
 *	  check it with the settings enforcement uses, resolved in libpq's own
 *	  order: sslrootcert ("system": OpenSSL's default paths on libpq 16+),
 *	  else ~/.postgresql/root.crt when it exists; sslcrl and sslcrldir, else
 *	  ~/.postgresql/root.crl.
 */
#ifndef PGTLS_SHIM_PREDICT_H
#define PGTLS_SHIM_PREDICT_H

#include <stddef.h>

#include "decide.h"
#include "inspect.h"
#include "verify.h"

/* What a prediction is about: the decision, the app's facts, the libpq. */
struct predict_ctx
{
	const struct pgs_decision *d;
	const struct pgs_facts *f;
	const struct pgs_caps *caps;
	const char *host; /* the host name libpq verifies: the target's, "" when only hostaddr */
};

/* What a CA rotation would do (contract: rotation). */
struct pgs_rotation
{
	const char *next_ca;  /* NULL: no next_ca applies */
	const char *as_is;	  /* "unaffected", "ok" or "breaks" */
	const char *enforced; /* "ok" or "breaks" */
	char reason[400];	  /* "" when nothing breaks */
};

/*
 * For the chain of a TLS connection OBS (leaf first): fills *PRED with the
 * check enforcement's libpq would make; pred->reason is the refusal it
 * would end in (reasons.h), or NULL.
 */
void predict_tls(const struct predict_ctx *c, const struct pgs_observed *obs,
				 struct pgs_prediction *pred);

/*
 * The shim's own TLS probe of OBS's server (at most TIMEOUT_MS) into *PROBE
 * (the caller frees it with observed_free), then predict_tls on what it
 * saw.  Returns the reason enforcement would refuse, or NULL when TLS with
 * enforcement's settings would work.
 */
const char *predict_by_probe(const struct predict_ctx *c, const struct pgs_observed *obs,
							 int timeout_ms, struct pgs_observed *probe,
							 struct pgs_prediction *pred);

/*
 * What the application as it is, and this policy's enforcement, would do
 * once the server's certificate comes from c->d->settings->next_ca: each
 * store libpq would use (the app's own, in libpq's order; enforcement's)
 * must trust next_ca, when libpq checks the chain at all.  Fills *OUT;
 * out->next_ca stays NULL when no next_ca applies.
 */
void predict_rotation(const struct predict_ctx *c, struct pgs_rotation *out);

/*
 * The CA file the application itself makes libpq use (its sslrootcert, or
 * ~/.postgresql/root.crt when it exists, or "system"), into BUF (LEN
 * bytes); NULL when there is none.
 */
const char *predict_app_rootcert(const struct pgs_facts *f, const struct pgs_caps *caps, char *buf,
								 size_t len);

/*
 * libpq's rule for the client certificate (initialize_SSL, 15 to 18): true
 * when libpq would give up on TLS before sending a byte of it, because the
 * certificate (sslcert, else ~/.postgresql/postgresql.crt) cannot be
 * stat()ed for another reason than its absence, cannot be opened, or has
 * no key file beside it (sslkey, else ~/.postgresql/postgresql.key).  Under
 * prefer libpq then goes on in plaintext; under enforcement it fails.
 */
bool predict_client_cert_fails(const struct pgs_facts *f);

/*
 * Enforcement's libpq would check no chain at all, known before connecting:
 * D's sslmode is require (below verify-ca, libpq checks the chain only when
 * the root file it looks at exists: initialize_SSL in 15 to 18), and the
 * root D leaves libpq (its sslrootcert, else ~/.postgresql/root.crt) does not
 * exist.  Returns R_NOT_VERIFIED then, else NULL; NULL too when a target is
 * a Unix socket (it may be the one libpq uses), and when the policy allows
 * GSS encryption and libpq may use it (gssencmode not "disable"): the
 * check after connecting decides those.  stat() only: never blocks.
 */
const char *predict_unchecked_chain(const struct pgs_decision *d, const struct pgs_facts *f,
									const struct pgs_caps *caps);

/*
 * The host name libpq verifies for the target it connected to (OBS_HOST and
 * OBS_PORT as PQhost and PQport report them): the target's host, "" when it
 * was given only a hostaddr.
 */
const char *predict_verify_host(const struct pgs_facts *f, const char *obs_host,
								const char *obs_port);

#endif
