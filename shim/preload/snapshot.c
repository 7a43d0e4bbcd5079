/*
 * snapshot.c
 *	  In other people's processes: part of the preloaded library only.
 *	  Owns the current policy snapshot.  Nothing happens at load time: the
 *	  first connection loads it.  A new policy is built completely (parsed,
 *	  validated, its sink opened), then swapped in under `lock`; readers hold
 *	  references, so a snapshot is freed only when the last connection
 *	  decided under it is done.  The policy is read again when its main file
 *	  or any file it includes has changed (each is stat'ed per connection).
 */
#include "snapshot.h"

#include <stdlib.h>

#include "clock.h"
#include "filesig.h"
#include "forksafe.h"
#include "process.h"
#include "record.h"

static struct proc_lock lock = PROC_LOCK_INIT;
static struct snapshot *current;
static struct file_sig current_sig;
static struct pgs_sources current_files; /* read by the last load, good or bad: includes too */
static bool loaded;

/* Returned when even a snapshot cannot be allocated: refuse or allow. */
static struct snapshot oom_snapshot = {.error = "out of memory"};

static void
log_policy_error(struct snapshot *snap, const char *error)
{
	struct jbuf b;
	struct pgs_origin who = {.ts_ms = clock_now_ms()};

	process_origin(&who);
	who.policy = snap->policy;
	jb_init(&b);
	if (record_policy_error(&who, error, &b))
		sink_write(snap->sink, &who, PGS_SEV_ERROR, b.p, b.len);
	jb_free(&b);
}

/*
 * Builds the snapshot for the file as it is now; NULL keeps the current one.
 * *READ gets the files the load read (the main one and its includes).
 */
static struct snapshot *
build(const struct file_sig *sig, struct pgs_sources *read)
{
	struct snapshot *snap = calloc(1, sizeof(*snap));
	struct pgs_errors errs = {0};
	bool missing = false;
	bool named;
	const char *path = process_policy_path(&named);

	if (snap == NULL)
		return NULL;
	atomic_init(&snap->refs, 1);
	if (!sig->exists && !named)
		return snap; /* no policy at the default path: inert */
	snap->policy = policy_load_files(path, &errs, &missing, read);
	if (snap->policy != NULL)
	{
		snap->sink = sink_open(&snap->policy->log);
		errors_free(&errs);
		return snap;
	}
	if (missing && !named)
	{
		errors_free(&errs);
		return snap;
	}
	snap->error = errors_join(&errs);
	errors_free(&errs);
	if (current != NULL && current->policy != NULL)
	{
		/*
		 * An invalid new file, or none any more: keep the last good policy,
		 * and say so.  (A policy is turned off with mode = "off", never by
		 * deleting it: a half-done rollout must not open the door.)
		 */
		if (snap->error)
			log_policy_error(current, snap->error);
		free(snap->error);
		free(snap);
		return NULL;
	}
	if (snap->error == NULL)
	{
		free(snap);
		return NULL;
	}
	return snap;
}

struct snapshot *
snapshot_acquire(void)
{
	struct file_sig sig;
	struct snapshot *snap;
	bool named;

	proc_lock(&lock);
	(void) filesig_read(process_policy_path(&named), &sig);
	if (!loaded || !filesig_equal(&sig, &current_sig) || policy_sources_changed(&current_files))
	{
		struct pgs_sources read = {0};
		struct snapshot *next = build(&sig, &read);

		policy_sources_free(&current_files);
		current_files = read;
		if (next != NULL)
		{
			if (current != NULL)
				snapshot_release(current);
			current = next;
		}
		current_sig = sig;
		loaded = current != NULL;
	}
	snap = current ? current : &oom_snapshot;
	if (snap != &oom_snapshot)
		atomic_fetch_add(&snap->refs, 1);
	proc_unlock(&lock);
	return snap;
}

void
snapshot_release(struct snapshot *snap)
{
	if (snap == NULL || snap == &oom_snapshot)
		return;
	if (atomic_fetch_sub(&snap->refs, 1) != 1)
		return;
	sink_close(snap->sink);
	policy_free(snap->policy);
	free(snap->error);
	free(snap);
}
