/*
 * policy_compile.h
 *	  Internal to the policy module (policy.c reads the file, policy_compile.c
 *	  validates the tree): the only header that names a libconfig type.
 */
#ifndef PGTLS_SHIM_POLICY_COMPILE_H
#define PGTLS_SHIM_POLICY_COMPILE_H

#include <libconfig.h>

#include "policy.h"

/* Every allocation of one policy, freed together. */
struct arena
{
	void **ptrs;
	size_t n;
	size_t cap;
};

/* Zeroed memory owned by A; NULL on out-of-memory. */
void *arena_alloc(struct arena *a, size_t size);

/*
 * Validates ROOT and fills *out, allocating from A.  Returns false when any
 * error was found, every one appended to *errs as "PATH:LINE: message".
 */
bool policy_compile(const config_setting_t *root, const char *path, struct arena *a,
					struct pgs_policy *out, struct pgs_errors *errs) PGS_WUR;

#endif
