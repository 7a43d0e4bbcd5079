/*
 * decide.h
 *	  The decision: given a policy and the facts of a connection (the values
 *	  libpq will use), which rule applies, in which mode, what the shim
 *	  injects, and whether enforcement refuses before connecting.  Pure: no
 *	  I/O, no allocation, no global state; the same code serves the library
 *	  and `pgtls-shim explain`.
 */
#ifndef PGTLS_SHIM_DECIDE_H
#define PGTLS_SHIM_DECIDE_H

#include "policy.h"

#define PGS_MAX_HOSTS  16
#define PGS_MAX_INJECT 8
#define PGS_MAX_WARN   4

/* One host slot of the connection (libpq allows a comma-separated list). */
struct pgs_target
{
	const char *host;	  /* the name verified against; "" when only hostaddr */
	const char *hostaddr; /* "" when none */
	const char *port;
	bool unix_socket;
};

/* What libpq will use, before the shim changes anything. */
struct pgs_facts
{
	size_t ntargets;
	struct pgs_target targets[PGS_MAX_HOSTS];
	bool too_many_hosts; /* more than PGS_MAX_HOSTS: not all matched */
	const char *dbname;
	const char *user;
	const char *program; /* absolute path of the executable */
	const char *application_name;
	const char *sslmode;	 /* effective, "prefer" when unset */
	const char *sslrootcert; /* NULL when the app set none */
	const char *sslcrl;
	const char *gssencmode;
	const char *ssl_min_protocol_version; /* NULL when this libpq has none */
};

/* What the loaded libpq supports, so only known keywords are injected. */
struct pgs_caps
{
	bool has_ssl_min_protocol;
	bool has_gssencmode;
	bool has_sslcrl;
	bool has_sslrootcert_system;
	const char *system_bundle; /* file used for "system" when libpq lacks it */
};

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
	enum pgs_sslmode requested; /* the app's effective sslmode */
	enum pgs_sslmode effective; /* the sslmode libpq uses if enforced */
	size_t ninject;				/* what enforcement injects */
	struct pgs_injection inject[PGS_MAX_INJECT];
	const char *refuse; /* enforce: reason to refuse before connecting */
	size_t nwarn;
	const char *warn[PGS_MAX_WARN]; /* static texts */
	bool check_protocol_after;		/* min_protocol has no keyword here */
};

/*
 * Returns the rule of POLICY that a connection with these facts and this
 * target matches first, or NULL when none does.
 */
const struct pgs_rule *policy_match(const struct pgs_policy *policy, const struct pgs_facts *facts,
									const struct pgs_target *target);

/*
 * Decides for FACTS under POLICY into *out.  Every target is matched; the
 * strictest mode applies.  Never fails; pointers in *out point into POLICY,
 * FACTS or CAPS, which must outlive it.
 */
void decide(const struct pgs_policy *policy, const struct pgs_facts *facts,
			const struct pgs_caps *caps, struct pgs_decision *out);

/* True when the connection counts as verified under the contract. */
bool decision_verified(bool tls, enum pgs_sslmode effective);

#endif
