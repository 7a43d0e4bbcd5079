/*
 * dlload.c
 *	  dlopen and dlsym into typed tables.  The cast from an object pointer
 *	  to a function pointer goes through memcpy, as POSIX allows.
 */
#include "dlload.h"

#include <dlfcn.h>
#include <string.h>

void *
dl_open_first(const char *const *names, size_t n, const char **which)
{
	for (size_t i = 0; i < n; i++)
	{
		void *h = dlopen(names[i], RTLD_LAZY | RTLD_LOCAL);

		if (h != NULL)
		{
			if (which)
				*which = names[i];
			return h;
		}
	}
	return NULL;
}

static void *
lookup(void *h, const char *name, bool (*reject)(const void *))
{
	void *p = name ? dlsym(h, name) : NULL;

	return (p != NULL && reject != NULL && reject(p)) ? NULL : p;
}

bool
dl_fill(void *h, const struct dl_sym *syms, size_t n, void *table, size_t table_size,
		bool (*reject)(const void *))
{
	memset(table, 0, table_size);
	for (size_t i = 0; i < n; i++)
	{
		void *p = lookup(h, syms[i].name, reject);

		if (p == NULL)
			p = lookup(h, syms[i].alt, reject);
		if (p == NULL && !syms[i].optional)
		{
			memset(table, 0, table_size);
			return false;
		}
		memcpy((char *) table + syms[i].offset, &p, sizeof(p));
	}
	return true;
}
