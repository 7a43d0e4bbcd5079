/*
 * failure.h
 *	  Why a failed attempt failed, as the shared vocabulary says it: from the
 *	  shim's own TLS probe of the same server checked with enforcement's
 *	  settings, never from libpq's (translatable) message.  Answers are
 *	  remembered for a few seconds, so a client retrying in a loop does not
 *	  make a probe per attempt.
 */
#ifndef PGTLS_SHIM_FAILURE_H
#define PGTLS_SHIM_FAILURE_H

#include "predict.h"

/*
 * The reason (reasons.h) enforcement gives the failed attempt OBS under C,
 * or NULL when it is not a TLS failure (a wrong password, a server down).
 * Fills *PRED with the check behind it.  The probe runs at most TIMEOUT_MS.
 * Thread-safe.
 */
const char *failure_reason(const struct predict_ctx *c, const struct pgs_observed *obs,
						   int timeout_ms, struct pgs_prediction *pred);

#endif
