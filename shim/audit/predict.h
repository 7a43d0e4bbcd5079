/*
 * predict.h
 *	  Audit: what enforcement would have done with a connection that was
 *	  left alone.  The chain the server sent (or, for a plaintext
 *	  connection, the one the TLS probe sees) is checked as libpq would
 *	  check it with the settings enforcement injects.
 */
#ifndef PGTLS_SHIM_PREDICT_H
#define PGTLS_SHIM_PREDICT_H

#include "decide.h"
#include "inspect.h"
#include "verify.h"

/*
 * For a TLS connection OBS decided by D for the app's facts F under libpq
 * capabilities CAPS: fills *PRED with the check enforcement's libpq would
 * make, pred->reason the refusal it would end in (reasons.h), or NULL.
 */
void predict_tls(const struct pgs_decision *d, const struct pgs_facts *f,
				 const struct pgs_caps *caps, const struct pgs_observed *obs,
				 struct pgs_prediction *pred);

/*
 * For a connection OBS that used no TLS: the shim's own TLS probe of the
 * same server (at most TIMEOUT_MS) into *PROBE (freed by the caller with
 * observed_free), then predict_tls on what it saw.  Returns the reason
 * enforcement would refuse, or NULL.
 */
const char *predict_plaintext(const struct pgs_decision *d, const struct pgs_facts *f,
							  const struct pgs_caps *caps, const struct pgs_observed *obs,
							  int timeout_ms, struct pgs_observed *probe,
							  struct pgs_prediction *pred);

#endif
