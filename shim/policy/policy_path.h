/*
 * policy_path.h
 *	  Runs in the preloaded library (inside other people's processes) and
 *	  in the command.  The names of the environment variables that say
 *	  where the policy is and what to do while it cannot be loaded, and
 *	  where the policy file is when the first does not say: one definition
 *	  for preload/process.c and the command (cli/common.c, cli/exec.c).
 */
#ifndef PGTLS_SHIM_POLICY_PATH_H
#define PGTLS_SHIM_POLICY_PATH_H

#define DEFAULT_POLICY "/etc/pgtls-shim/policy.conf"

/* The policy file's path (contract: PGTLS_SHIM_POLICY). */
#define PGS_ENV_POLICY "PGTLS_SHIM_POLICY"

/* "allow": connections pass while the policy cannot be loaded. */
#define PGS_ENV_ON_ERROR "PGTLS_SHIM_ON_ERROR"

#endif
