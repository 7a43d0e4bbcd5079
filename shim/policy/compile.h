/*
 * compile.h
 *	  The policy compiler's entry point, for parse.c: from a libconfig tree
 *	  to a struct pgs_policy.
 */
#ifndef PGTLS_SHIM_COMPILE_H
#define PGTLS_SHIM_COMPILE_H

#include <libconfig.h>

#include "arena.h"
#include "policy.h"

/*
 * Validates ROOT and fills *out, allocating from A.  Returns false when any
 * error was found, every one appended to *errs as "PATH:LINE: message".
 */
bool policy_compile(const config_setting_t *root, const char *path, struct arena *a,
					struct pgs_policy *out, struct pgs_errors *errs) PGS_WUR;

#endif
