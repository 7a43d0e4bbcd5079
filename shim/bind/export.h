/*
 * export.h
 *	  In other people's processes: part of the preloaded library only.
 *	  The mark of the library's exports, the hooks: libpq's connect
 *	  functions (preload/hooks.c) and dlopen, dlsym, dlmopen
 *	  (bind/dlhooks.c).  Everything else is hidden (-fvisibility=hidden),
 *	  and exports.map lists the same names for the linker.
 */
#ifndef PGTLS_SHIM_EXPORT_H
#define PGTLS_SHIM_EXPORT_H

/* A hook: one of the library's exported functions (exports.map). */
#define PGS_HOOK __attribute__((visibility("default")))

#endif
