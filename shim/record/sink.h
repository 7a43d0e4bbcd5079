/*
 * sink.h
 *	  Where records go: a file shared by many processes (one write() per
 *	  record on an O_APPEND descriptor), stderr, or syslog.
 */
#ifndef PGTLS_SHIM_SINK_H
#define PGTLS_SHIM_SINK_H

#include <stddef.h>

#include "policy.h"

struct sink;

/*
 * Opens a sink for CFG.  Never fails for lack of the file: a file that cannot
 * be opened now is retried at each write.  Returns NULL only on out-of-memory
 * or for PGS_LOG_NONE.  The strings of CFG are copied.
 */
struct sink *sink_open(const struct pgs_log_cfg *cfg);

/*
 * Writes one record LINE (LEN bytes, ending in '\n') whole, or not at all.
 * On failure one diagnostic goes to stderr, and no more until a write
 * succeeds again.  errno is preserved.  Thread-safe.
 */
void sink_write(struct sink *s, const char *line, size_t len);

void sink_close(struct sink *s);

#endif
