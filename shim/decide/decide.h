/*
 * decide.h
 *	  The decision: given a policy and the facts of a connection (the values
 *	  libpq will use), which rule applies, in which mode, what the shim
 *	  injects, and whether enforcement refuses before connecting.  Pure: no
 *	  I/O, no allocation, no global state; plan.c runs it for the library
 *	  and for `pgtls-shim explain` alike.
 */
#ifndef PGTLS_SHIM_DECIDE_H
#define PGTLS_SHIM_DECIDE_H

#include "caps.h"
#include "facts.h"
#include "policy.h"

#define PGS_MAX_INJECT 8
#define PGS_MAX_WARN   6

struct pgs_injection
{
	const char *keyword;
	const char *value; /* points into the policy or a literal */
};

struct pgs_decision
{
	enum pgs_mode mode;
	const struct pgs_rule *rule; /* NULL: the top-level mode applied */
	const struct pgs_settings *settings;
	enum pgs_sslmode app_sslmode;	   /* the app's own sslmode ("prefer" when unset) */
	enum pgs_sslmode enforced_sslmode; /* the sslmode libpq uses if enforced */
	size_t ninject;					   /* what enforcement injects */
	struct pgs_injection inject[PGS_MAX_INJECT];
	const char *refuse; /* enforce: reason to refuse before connecting */
	size_t nwarn;
	const char *warn[PGS_MAX_WARN]; /* static texts */
};

/*
 * Decides for FACTS under POLICY into *out.  Every target is matched; the
 * strictest mode applies.  Never fails; pointers in *out point into POLICY,
 * FACTS or CAPS, which must outlive it.
 */
void decide(const struct pgs_policy *policy, const struct pgs_facts *facts,
			const struct pgs_caps *caps, struct pgs_decision *out);

/*
 * The value KEYWORD has under D's enforcement: the injected one, else APP
 * (the application's own).  Pure.
 */
const char *decision_enforced(const struct pgs_decision *d, const char *keyword, const char *app);

#endif
