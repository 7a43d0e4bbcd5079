/*
 * attempt_record.h
 *	  In other people's processes: part of the preloaded library only.
 *	  The record stage: one connect record per attempt, to the sink of the
 *	  snapshot the attempt was decided under.
 */
#ifndef PGTLS_SHIM_ATTEMPT_RECORD_H
#define PGTLS_SHIM_ATTEMPT_RECORD_H

#include "conns.h"
#include "record.h"

/*
 * Completes R for ST's attempt (start time, pid, facts, decision, duration,
 * the policy's chain option, ERROR made one line) and writes it to the
 * snapshot's sink, if it has one.  The caller fills the outcome fields.
 */
void attempt_record(const struct conn_state *st, struct pgs_record *r);

#endif
