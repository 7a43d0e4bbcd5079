/*
 * process.h
 *	  Facts about the host process the library is a guest in, read once on
 *	  the first connection (never at load time): where the policy is, what
 *	  to do while it cannot be loaded, which program (and, for an
 *	  interpreter, which script) this is, on which host.
 */
#ifndef PGTLS_SHIM_PROCESS_H
#define PGTLS_SHIM_PROCESS_H

#include <stdbool.h>

#include "record.h"

/*
 * Notes PGTLS_SHIM_POLICY and PGTLS_SHIM_ON_ERROR as they are now, for a
 * first connection that finds them unset: called where a process is seen
 * loading a module with its own libpq binding (dlhooks.c), which a daemon
 * such as php-fpm does in its master, before it forks workers and empties
 * their environment.  Only the first call notes anything.
 */
void process_settle(void);

/* PGTLS_SHIM_POLICY, or the default path; *NAMED: the variable set it. */
const char *process_policy_path(bool *named);
bool process_on_error_allow(void); /* PGTLS_SHIM_ON_ERROR=allow */
const char *process_program(void); /* absolute path of the executable, or NULL */
const char *process_script(void);  /* the script an interpreter runs, or NULL */

/* Fills *O with this process: pid, program, script, host name (not ts_ms). */
void process_origin(struct pgs_origin *o);

#endif
