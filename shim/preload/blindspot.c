/*
 * blindspot.c
 *	  In other people's processes: part of the preloaded library only.
 *	  One blind_spot record per libpq copy the shim cannot govern (an
 *	  upcall of bind/, declared in bind/upcalls.h).  The copies already
 *	  reported are kept in a small array under `lock`; the record goes to
 *	  the sink of the policy in force, like a connect record.
 */
#include "upcalls.h"

#include <errno.h>
#include <stdbool.h>

#include "clock.h"
#include "forksafe.h"
#include "process.h"
#include "record.h"
#include "snapshot.h"

#define MAX_SEEN 16

static struct proc_lock lock = PROC_LOCK_INIT;
static const void *seen[MAX_SEEN];
static int nseen;

/* True the first time BASE is seen (and always once the array is full). */
static bool
first_time(const void *base)
{
	bool first = true;

	proc_lock(&lock);
	for (int i = 0; i < nseen; i++)
		first &= seen[i] != base;
	if (first && nseen < MAX_SEEN)
		seen[nseen++] = base;
	proc_unlock(&lock);
	return first;
}

void
blind_spot(const char *libpq, const void *base, const char *why)
{
	int saved = errno;
	struct snapshot *snap;
	struct pgs_origin who = {0};
	struct jbuf b;

	if (!first_time(base))
		return;
	snap = snapshot_acquire();
	if (snap->sink != NULL)
	{
		who.ts_ms = clock_now_ms();
		process_origin(&who);
		who.policy = snap->policy;
		jb_init(&b);
		if (record_blind_spot(&who, libpq, why, &b))
			sink_write(snap->sink, &who, PGS_SEV_ERROR, b.p, b.len);
		jb_free(&b);
	}
	snapshot_release(snap);
	errno = saved;
}
