/*
 * lint.h
 *	  Internal to `check`'s findings (lint.c, lint_files.c): the walk's
 *	  state and the one way a finding is printed, at the file and line where
 *	  the value is written (as libconfig located it, includes included).
 */
#ifndef PGTLS_SHIM_LINT_H
#define PGTLS_SHIM_LINT_H

#include <stdbool.h>

#include "policy.h"

struct lint
{
	const struct pgs_policy *p;
	bool quiet_warnings; /* count warnings, print none (exec) */
	int errors;
	int warnings;
};

/*
 * Prints "FILE:LINE: [warning: ]message" on stderr and counts it; AT with
 * no file (a built-in default) is the main file's line 1.
 */
void lint_say(struct lint *l, bool warning, struct pgs_srcloc at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* CA, next_ca and CRL files and CRL directories, loaded as libpq loads them. */
void lint_files(struct lint *l);

#endif
