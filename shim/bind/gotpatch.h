/*
 * gotpatch.h
 *	  In other people's processes: part of the preloaded library only.
 *	  Rebinds the PQ* imports of objects that a dlopen(RTLD_DEEPBIND) loaded
 *	  to the shim's hooks.
 */
#ifndef PGTLS_SHIM_GOTPATCH_H
#define PGTLS_SHIM_GOTPATCH_H

/*
 * HANDLE was just returned by dlopen with RTLD_DEEPBIND: points every GOT
 * entry (JUMP_SLOT, GLOB_DAT) for a hooked PQ* function in the object and
 * the objects loaded after it at the shim's hook, as the global scope would
 * have.  What cannot be patched is reported as a blind spot.
 */
void gotpatch_loaded(void *handle);

#endif
