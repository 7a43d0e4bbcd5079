/*
 * record.h
 *	  The log record of the contract, as one JSON line.
 */
#ifndef PGTLS_SHIM_RECORD_H
#define PGTLS_SHIM_RECORD_H

#include <stdint.h>
#include <sys/types.h>

#include "decide.h"
#include "inspect.h"
#include "json.h"
#include "verify.h"

enum pgs_outcome
{
	PGS_OUTCOME_OK,
	PGS_OUTCOME_REFUSED, /* the shim said no */
	PGS_OUTCOME_FAILED	 /* libpq failed */
};

struct pgs_record
{
	int64_t ts_ms; /* start of the attempt, ms since the epoch */
	pid_t pid;
	const struct pgs_facts *facts;
	const struct pgs_decision *d;
	const struct pgs_observed *obs; /* NULL when refused before connecting */
	enum pgs_outcome outcome;
	const char *error;			/* one line, or NULL */
	const char *refuse_reason;	/* enforce refused / audit would refuse */
	enum pgs_sslmode effective; /* the sslmode libpq used */
	bool verified;
	bool log_chain;
	int64_t duration_us;
	int64_t now_s;					   /* for expiry warnings */
	const char *extra_warning;		   /* e.g. a rule mismatch after connecting */
	const struct pgs_prediction *pred; /* audit: the chain check, or NULL */
	const struct pgs_observed *probe;  /* audit probe of a plaintext server, or NULL */
};

/*
 * Appends the connect record to OUT as one line ending in '\n'.  Returns
 * false on out-of-memory (OUT is then unusable).  Never writes a password:
 * no field comes from a password-bearing parameter.
 */
bool record_connect(const struct pgs_record *r, struct jbuf *out)
	__attribute__((warn_unused_result));

/* A policy_error record for ERROR (the FILE:LINE: message lines). */
bool record_policy_error(int64_t ts_ms, pid_t pid, const char *program, const char *error,
						 struct jbuf *out) __attribute__((warn_unused_result));

#endif
