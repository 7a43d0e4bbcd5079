/*
 * hooktab.h
 *	  The hooked libpq names, and where the shim's hooks for them are.
 */
#ifndef PGTLS_SHIM_HOOKTAB_H
#define PGTLS_SHIM_HOOKTAB_H

#include <stdbool.h>

#define NHOOKS 13

/* The index of NAME among the hooked PQ* functions, or -1. */
int hook_index(const char *name);

/* Fills OUT with the shim's hook for each index; false if one is missing. */
bool hook_addresses(void *out[NHOOKS]);

#endif
