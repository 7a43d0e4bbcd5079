/*
 * record.h
 *	  The log record of the contract, as one JSON line.
 */
#ifndef PGTLS_SHIM_RECORD_H
#define PGTLS_SHIM_RECORD_H

#include <stdint.h>
#include <sys/types.h>

#include "attr.h"
#include "decide.h"
#include "inspect.h"
#include "json.h"
#include "predict.h"
#include "severity.h"
#include "verify.h"

enum pgs_outcome
{
	PGS_OUTCOME_OK,
	PGS_OUTCOME_REFUSED, /* the shim said no */
	PGS_OUTCOME_FAILED	 /* libpq failed */
};

/* The layout version of every record (schema_version). */
#define PGS_SCHEMA_VERSION 2

/* What every event says about where it comes from. */
struct pgs_origin
{
	int64_t ts_ms; /* ms since the epoch */
	pid_t pid;
	const char *program;			 /* absolute path of the executable, or NULL */
	const char *script;				 /* the script an interpreter runs, or NULL */
	const char *hostname;			 /* the machine's, or NULL */
	const char *unit;				 /* the systemd unit or container id, or NULL */
	const struct pgs_policy *policy; /* the policy in force, or NULL */
};

struct pgs_record
{
	struct pgs_origin who; /* ts_ms: the start of the attempt */
	const struct pgs_facts *facts;
	const struct pgs_decision *d;
	const struct pgs_observed *obs; /* NULL when refused before connecting */
	enum pgs_outcome outcome;
	const char *error;			   /* one line, or NULL */
	const char *refuse_reason;	   /* enforce refused or failed / audit would refuse (reasons.h) */
	enum pgs_sslmode used_sslmode; /* the sslmode libpq used (JSON: sslmode_effective) */
	const char *verification;	   /* "none", "chain" or "full": what libpq checked */
	const char *app_sslrootcert;   /* the CA file the app itself makes libpq use, or NULL */
	bool verified;				   /* connected, and libpq checked the chain */
	const struct pgs_rotation *rotation; /* when next_ca applies, or NULL */
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
bool record_connect(const struct pgs_record *r, struct jbuf *out) PGS_WUR;

/* The severity of R's connect record (the most severe that applies). */
enum pgs_severity record_severity(const struct pgs_record *r);

/* A policy_error record for ERROR (the FILE:LINE: message lines). */
bool record_policy_error(const struct pgs_origin *who, const char *error, struct jbuf *out) PGS_WUR;

/*
 * A blind_spot record: the libpq copy at LIBPQ (a file) whose connections
 * the shim cannot see or govern, and WHY (one line).
 */
bool record_blind_spot(const struct pgs_origin *who, const char *libpq, const char *why,
					   struct jbuf *out) PGS_WUR;

/*
 * A records_lost record: LOST records could not be written since the last
 * successful write, the first at SINCE_MS (ms since the epoch), for ERROR
 * (one line, C locale).
 */
bool record_records_lost(const struct pgs_origin *who, unsigned long lost, int64_t since_ms,
						 const char *error, struct jbuf *out) PGS_WUR;

#endif
