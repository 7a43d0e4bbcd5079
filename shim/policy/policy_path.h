/*
 * policy_path.h
 *	  Runs in the preloaded library (inside other people's processes) and
 *	  in the command.  Where the policy file is when PGTLS_SHIM_POLICY does
 *	  not say: one definition for preload/process.c and cli/common.c.
 */
#ifndef PGTLS_SHIM_POLICY_PATH_H
#define PGTLS_SHIM_POLICY_PATH_H

#define DEFAULT_POLICY "/etc/pgtls-shim/policy.conf"

#endif
