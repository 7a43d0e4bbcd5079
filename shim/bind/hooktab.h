/*
 * hooktab.h
 *	  In other people's processes: part of the preloaded library only.
 *	  The hooked libpq names, and where the shim's hooks for them are.
 */
#ifndef PGTLS_SHIM_HOOKTAB_H
#define PGTLS_SHIM_HOOKTAB_H

#include <stdbool.h>

#define NHOOKS 13

/*
 * For the pass-through paths of dlsym, dlopen and dlmopen: a sanitizer's
 * runtime, preloaded first, looks its real functions up with
 * dlsym(RTLD_NEXT) while it initialises, before instrumented code may run.
 * Nothing in normal builds.
 */
#define PGS_NO_SANITIZE __attribute__((no_sanitize("address", "undefined", "thread")))

/* The index of NAME among the hooked PQ* functions, or -1. */
PGS_NO_SANITIZE int hook_index(const char *name);

/* Fills OUT with the shim's hook for each index; false if one is missing. */
bool hook_addresses(void *out[NHOOKS]);

#endif
