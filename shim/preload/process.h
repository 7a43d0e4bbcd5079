/*
 * process.h
 *	  In other people's processes: part of the preloaded library only.
 *	  Facts about the host process the library is a guest in, read once on
 *	  the first connection (never at load time): where the policy is, what
 *	  to do while it cannot be loaded, which program (and, for an
 *	  interpreter, which script) this is, on which host.
 */
#ifndef PGTLS_SHIM_PROCESS_H
#define PGTLS_SHIM_PROCESS_H

#include <stdbool.h>

#include "record.h"

/* process_settle(), called by bind/dlhooks.c, is declared in bind/upcalls.h. */

/* PGTLS_SHIM_POLICY, or the default path; *NAMED: the variable set it. */
const char *process_policy_path(bool *named);
bool process_on_error_allow(void); /* PGTLS_SHIM_ON_ERROR=allow */
const char *process_program(void); /* absolute path of the executable, or NULL */
const char *process_script(void);  /* the script an interpreter runs, or NULL */

/* Fills *O with this process: pid, program, script, host name (not ts_ms). */
void process_origin(struct pgs_origin *o);

#endif
