/*
 * dlsearch.h
 *	  In other people's processes: part of the preloaded library only.
 *	  What to hand glibc's dlopen, called from the shim, so that a file name
 *	  resolves as it would have for the application's own call.
 */
#ifndef PGTLS_SHIM_DLSEARCH_H
#define PGTLS_SHIM_DLSEARCH_H

#include <stddef.h>

/*
 * FILE as CALLER's dlopen would resolve it, for a dlopen made by the shim
 * (glibc takes the directories of a bare name's search, and $ORIGIN, from
 * the caller's object, found by its return address).  Returns FILE itself
 * when the shim's own dlopen of it finds the same object, or OUT (LEN bytes)
 * holding the path to open instead: for a bare name, the first loadable
 * file in the directories only the caller searches (its RPATH chain,
 * LD_LIBRARY_PATH, its RUNPATH: glibc's list, dlinfo RTLD_DI_SERINFO); for
 * a path, $ORIGIN expanded from the caller's object.  errno is not
 * preserved: the caller restores it.
 */
const char *dl_name_for_caller(const void *caller, const char *file, char *out, size_t len);

#endif
