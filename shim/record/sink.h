/*
 * sink.h
 *	  Where records go: a file shared by many processes (one write() per
 *	  record on an O_APPEND descriptor), stderr, or syslog.
 */
#ifndef PGTLS_SHIM_SINK_H
#define PGTLS_SHIM_SINK_H

#include <stddef.h>

#include "policy.h"
#include "record.h"
#include "severity.h"

struct sink;

/*
 * Opens a sink for CFG.  Never fails for lack of the file: a file that cannot
 * be opened now is retried at each write.  Returns NULL only on out-of-memory
 * or for PGS_LOG_NONE.  The strings of CFG are copied.
 */
struct sink *sink_open(const struct pgs_log_cfg *cfg);

/*
 * Writes one record LINE (LEN bytes, ending in '\n') of severity SEV whole,
 * or not at all; WHO is the process, for a records_lost event.  Records
 * this process could not write are counted (per process, across sinks):
 * the first write that succeeds again is preceded by a records_lost event
 * (in the same write() for a file).  At the start of an outage one
 * diagnostic goes to stderr, and no more until a write succeeds again.
 * Every line of a file stays one JSON object: the blocks a record needs are
 * reserved before it is written (fallocate), so a full device refuses the
 * record instead of tearing it.  Never blocks; errno is preserved.
 * Thread-safe.
 */
void sink_write(struct sink *s, const struct pgs_origin *who, enum pgs_severity sev,
				const char *line, size_t len);

void sink_close(struct sink *s);

#endif
