/*
 * dlsearch.h
 *	  Where glibc's dlopen would find a bare file name for a given caller.
 */
#ifndef PGTLS_SHIM_DLSEARCH_H
#define PGTLS_SHIM_DLSEARCH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * FILE has no '/': writes to OUT (LEN bytes) the path of the first regular
 * file named FILE in the directories dlopen searches for the object holding
 * CALLER (its DT_RPATH chain, LD_LIBRARY_PATH, its DT_RUNPATH, the system
 * directories: glibc's own list, from dlinfo RTLD_DI_SERINFO).  Returns
 * false when none has it (glibc would then ask ld.so.cache, which does not
 * depend on the caller) or when the list cannot be had.  errno is not
 * preserved: the caller restores it.
 */
bool dl_search_for_caller(const void *caller, const char *file, char *out, size_t len)
	__attribute__((warn_unused_result));

#endif
