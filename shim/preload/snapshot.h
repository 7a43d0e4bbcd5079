/*
 * runtime.h
 *	  The process-wide state of the preloaded library: the current policy
 *	  snapshot (reloaded when the file changes), its record sink, and facts
 *	  about the process.  Initialised lazily, on the first connection.
 */
#ifndef PGTLS_SHIM_RUNTIME_H
#define PGTLS_SHIM_RUNTIME_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "policy.h"
#include "sink.h"

/*
 * An immutable policy with its sink, shared by reference count: a
 * connection keeps the snapshot it was decided under, even across reloads.
 */
struct snapshot
{
	atomic_int refs;
	struct pgs_policy *policy; /* NULL: no policy (inert) or error */
	char *error;			   /* policy cannot be loaded: why (no password) */
	struct sink *sink;
};

/*
 * Returns the current snapshot with a reference the caller drops with
 * runtime_release.  Checks the file first (one stat) and reloads it when it
 * changed; an invalid new file keeps the last good policy and logs a
 * policy_error record.  Never NULL.
 */
struct snapshot *runtime_acquire(void);
void runtime_release(struct snapshot *snap);

const char *runtime_program(void); /* absolute path of the executable */
bool runtime_on_error_allow(void); /* PGTLS_SHIM_ON_ERROR=allow */
int64_t runtime_now_ms(void);	   /* wall clock */
double runtime_mono_ms(void);	   /* monotonic clock */

#endif
