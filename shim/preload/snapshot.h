/*
 * snapshot.h
 *	  In other people's processes: part of the preloaded library only.
 *	  The policy in force in this process: the current snapshot (reloaded
 *	  when the file changes) and its record sink.  Loaded lazily, on the
 *	  first connection.
 */
#ifndef PGTLS_SHIM_SNAPSHOT_H
#define PGTLS_SHIM_SNAPSHOT_H

#include <stdatomic.h>

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
 * snapshot_release.  Checks the file first (one stat) and reloads it when it
 * changed; an invalid new file keeps the last good policy and logs a
 * policy_error record.  Never NULL.
 */
struct snapshot *snapshot_acquire(void);
void snapshot_release(struct snapshot *snap);

#endif
