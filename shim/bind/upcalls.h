/*
 * upcalls.h
 *	  In other people's processes: part of the preloaded library only.
 *	  The two things the binding machinery tells the attempt pipeline,
 *	  declared here and defined in preload/ (blindspot.c, process.c), so
 *	  that bind/ includes nothing of preload/: the folders depend one way,
 *	  preload -> bind, and the linker joins the two in the one library.
 */
#ifndef PGTLS_SHIM_UPCALLS_H
#define PGTLS_SHIM_UPCALLS_H

/*
 * The blind_spot record: a libpq copy in this process whose connections
 * the shim cannot see or govern is never silent.  Writes one record for
 * the copy loaded at BASE from the file LIBPQ, saying WHY, to the policy's
 * sink; at most once per copy in this process.  Preserves errno.
 * (preload/blindspot.c)
 */
void blind_spot(const char *libpq, const void *base, const char *why);

/*
 * Notes PGTLS_SHIM_POLICY and PGTLS_SHIM_ON_ERROR as they are now, for a
 * first connection that finds them unset: called where a process is seen
 * loading a module with its own libpq binding (dlhooks.c), which a daemon
 * such as php-fpm does in its master, before it forks workers and empties
 * their environment.  Only the first call notes anything.
 * (preload/process.c)
 */
void process_settle(void);

#endif
