/*
 * real.h
 *	  In other people's processes: part of the preloaded library only.
 *	  Finds the real libpq functions behind the hooks, per libpq copy.
 */
#ifndef PGTLS_SHIM_REAL_H
#define PGTLS_SHIM_REAL_H

#include "pqapi.h"

/*
 * Returns the libpq that code at CALLER (a return address) would have
 * called without the shim: the libpq among the caller's own dependencies
 * (so a module loaded with RTLD_LOCAL, or a renamed bundled copy, gets its
 * own), else the next definition in the global scope (RTLD_NEXT).  Tables
 * are built once per libpq copy and never freed; lookups after the first
 * take no lock.  NULL when no libpq can be found (never the shim itself).
 */
const struct pq_api *real_for_caller(const void *caller);

/* True when ADDR lies in the shim itself. */
bool real_is_self(const void *addr);

/*
 * FN, a function dlsym found, lies in a libpq: builds that copy's table and
 * makes it the one for callers that have no libpq of their own (the last
 * adopted wins).  False when FN is not in a libpq.  Preserves errno.
 */
bool real_adopt(void *fn);

#endif
