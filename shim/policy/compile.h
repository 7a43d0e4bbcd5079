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
 * error was found, every one appended to *errs as "FILE:LINE: message".
 */
struct src_text;
/*
 * SRC (may be NULL: lines are the text's own) maps libconfig's lines to the
 * files of out->files, which the caller has filled and which is kept.
 */
bool policy_compile(const config_setting_t *root, const char *path, const struct src_text *src,
					struct arena *a, struct pgs_policy *out, struct pgs_errors *errs) PGS_WUR;

#endif
