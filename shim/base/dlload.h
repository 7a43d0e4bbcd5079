/*
 * dlload.h
 *	  The one way the shim reaches a foreign library (libpq, its OpenSSL,
 *	  libconfig, the audit's libcrypto and libssl): a table of function
 *	  pointers filled by dlsym from a symbol list, all or nothing, so that
 *	  the preloaded library has nothing but libc in DT_NEEDED.
 */
#ifndef PGTLS_SHIM_DLLOAD_H
#define PGTLS_SHIM_DLLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "attr.h"

/*
 * One function of a table: where it goes, its name, an older alias.  The
 * name is held in the entry, not pointed at: a table of pointers would need
 * a relocation per entry in every process that preloads the library, and
 * would dirty its pages, whether or not it ever calls libpq.
 */
#define DL_NAME_SIZE 40

struct dl_sym
{
	size_t offset;			 /* offsetof(table, field) */
	char name[DL_NAME_SIZE]; /* the symbol, NUL-terminated (checked by the macros) */
	const char *alt;		 /* another name to try (older versions), or NULL */
	bool optional;			 /* absent: left NULL instead of failing */
};

/* NAME's literal, NUL included, fits in the entry: a longer one does not compile. */
#define DL_FITS(name) (0 * sizeof(char[sizeof(name) <= DL_NAME_SIZE ? 1 : -1]))

#define DL_SYM(type, field)                                                                        \
	{                                                                                              \
		offsetof(type, field) + DL_FITS(#field), #field, NULL, false                               \
	}
#define DL_SYM_AS(type, field, name)                                                               \
	{                                                                                              \
		offsetof(type, field) + DL_FITS(name), name, NULL, false                                   \
	}
#define DL_SYM_ALT(type, field, alt)                                                               \
	{                                                                                              \
		offsetof(type, field) + DL_FITS(#field), #field, alt, false                                \
	}
#define DL_SYM_OPT(type, field, name)                                                              \
	{                                                                                              \
		offsetof(type, field) + DL_FITS(name), name, NULL, true                                    \
	}

/*
 * dlopens the first of NAMES (N of them) that loads, RTLD_LAZY|RTLD_LOCAL.
 * Returns the handle (never closed by this module) and sets *WHICH to the
 * name that loaded; NULL when none does.
 */
void *dl_open_first(const char *const *names, size_t n, const char **which);

/*
 * Fills TABLE from handle H with the N symbols of SYMS.  A symbol that
 * REJECT (may be NULL) says no to counts as missing.  Returns false when a
 * required symbol is missing; TABLE is then all zero.
 */
bool dl_fill(void *h, const struct dl_sym *syms, size_t n, void *table, size_t table_size,
			 bool (*reject)(const void *)) PGS_WUR;

#endif
