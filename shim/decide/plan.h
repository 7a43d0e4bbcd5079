/*
 * plan.h
 *	  The plan for one connection attempt, the same sequence for the
 *	  library and for `pgtls-shim explain`: parameters -> the values libpq
 *	  will use -> the decision -> the parameters rewritten with what
 *	  enforcement injects.  Written once, so explain cannot disagree with
 *	  the library about anything but the connection itself.
 */
#ifndef PGTLS_SHIM_PLAN_H
#define PGTLS_SHIM_PLAN_H

#include "attr.h"
#include "decide.h"
#include "facts.h"
#include "params.h"

struct pgs_plan
{
	struct pgs_factbuf fb;
	struct pgs_decision d;
	bool decided;	 /* d is filled (a policy was given) */
	bool rewritten;	 /* the injections were appended to the parameters */
	PGconn *dry_run; /* facts_gather's never-connected conn, or NULL */
};

enum plan_result
{
	PLAN_OK,
	PLAN_LIBPQ_ERROR, /* libpq rejects the app's parameters: let it say so */
	PLAN_OOM,		  /* out of memory before a decision: nothing planned */
	PLAN_REWRITE_OOM  /* decided, but the injections could not be appended */
};

/*
 * Plans for parameters P under POLICY with libpq API: gathers the facts
 * (PROGRAM and SCRIPT stored as they are), decides with API's capabilities, and, when the
 * decision is to enforce without refusing, appends the injections to P
 * (borrowed pointers into POLICY).  With POLICY NULL only the facts are
 * gathered.  *OUT is owned by the caller and freed with plan_free in every
 * case; out->dry_run stays open for a caller that hands it to the app as a
 * refused connection (plan_take_dry_run), else plan_free finishes it.
 */
enum plan_result plan_connection(const struct pq_api *api, const struct pgs_policy *policy,
								 struct pgs_params *p, const char *program, const char *script,
								 struct pgs_plan *out) PGS_WUR;

/*
 * True when PLAN's decision injects a value the parameters do not already
 * carry, for a keyword only libpq can enforce (sslmode, sslrootcert,
 * sslcrl, sslcrldir): a PQreset, which reconnects with a connection's own options,
 * would not apply the decision.
 */
bool plan_needs_injection(const struct pgs_plan *plan);

/* Takes the dry-run connection out of PLAN: the caller now owns it. */
PGconn *plan_take_dry_run(struct pgs_plan *plan);

/* Finishes the dry run if still held, and frees the facts. */
void plan_free(const struct pq_api *api, struct pgs_plan *plan);

#endif
