/*
 * backstop.h
 *	  In other people's processes: part of the preloaded library only.
 *	  Enforcement's second layer: what is still not verified once libpq has
 *	  connected with the injected settings (GSS encryption, a Unix socket
 *	  the policy refuses, an old TLS protocol, a host under another rule).
 */
#ifndef PGTLS_SHIM_BACKSTOP_H
#define PGTLS_SHIM_BACKSTOP_H

#include <stddef.h>

#include "decide.h"
#include "inspect.h"

/*
 * Why enforcement refuses (or, in audit, would refuse) the established
 * connection OBS decided by D at sslmode USED_SSLMODE (the one libpq used); NULL when it would not.
 */
const char *backstop_reason(const struct pgs_decision *d, const struct pgs_observed *obs,
							enum pgs_sslmode used_sslmode);

/*
 * With several hosts, the decision was made for the strictest of their
 * rules.  If the host libpq ended up on selects another rule, the settings
 * applied were not its own: says so in NOTE (LEN bytes) and returns the
 * reason, else NULL.
 */
const char *backstop_rule_mismatch(const struct pgs_policy *policy, const struct pgs_facts *f,
								   const struct pgs_decision *d, const struct pgs_observed *obs,
								   char *note, size_t len);

#endif
