/*
 * loaded.h
 *	  In other people's processes: part of the preloaded library only.
 *	  Reading objects the dynamic loader has mapped: the loader hands out
 *	  addresses as integers, and the d_ptr values of a dynamic section are
 *	  usually relocated by glibc in place.  Used by gotpatch.c and
 *	  dlsearch.c.
 */
#ifndef PGTLS_SHIM_LOADED_H
#define PGTLS_SHIM_LOADED_H

#include <stdint.h>

/* Address A of the process as a pointer: the one place integers become pointers. */
static inline void *
loaded_at(uintptr_t a)
{
	return (void *) a; /* NOLINT(performance-no-int-to-ptr) */
}

/* A d_ptr V of the dynamic section of the object loaded at BASE: glibc has
 * usually relocated it; on targets where it has not, V is an offset. */
static inline const void *
loaded_dyn_ptr(uintptr_t base, uintptr_t v)
{
	return loaded_at(v < base ? v + base : v);
}

#endif
