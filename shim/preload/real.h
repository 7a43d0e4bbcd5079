/*
 * real.h
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

#endif
