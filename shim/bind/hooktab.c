/*
 * hooktab.c
 *	  In other people's processes: part of the preloaded library only.
 *	  The names of the hooked libpq functions, and the addresses of the
 *	  shim's own definitions of them, found through the shim's handle (its
 *	  dlsym calls pass straight through dlhooks.c), so that no relocation is
 *	  resolved when the library is loaded.
 */
#include "hooktab.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <string.h>

#include "real.h"

/* Without relocations: a process that never calls dlsym pays nothing. */
static const char names[NHOOKS][21] = {
	"PQconnectdb",	 "PQconnectdbParams", "PQsetdbLogin",  "PQconnectStart", "PQconnectStartParams",
	"PQconnectPoll", "PQreset",			  "PQresetStart",  "PQresetPoll",	 "PQping",
	"PQpingParams",	 "PQfinish",		  "PQerrorMessage"};

PGS_NO_SANITIZE int
hook_index(const char *name)
{
	if (name == NULL || name[0] != 'P' || name[1] != 'Q')
		return -1;
	for (int i = 0; i < NHOOKS; i++)
	{
		if (strcmp(name, names[i]) == 0)
			return i;
	}
	return -1;
}

static void *cache[NHOOKS];
static atomic_bool cached;

/* The shim's definitions, looked up through its own handle. */
static bool
look_up(void *out[NHOOKS])
{
	Dl_info info;
	void *self;
	bool ok = true;

	if (!dladdr((void *) &look_up, &info) || info.dli_fname == NULL)
		return false;
	self = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
	if (self == NULL)
		return false;
	for (int i = 0; i < NHOOKS; i++)
	{
		out[i] = dlsym(self, names[i]);
		ok &= real_is_self(out[i]);
	}
	dlclose(self);
	return ok;
}

bool
hook_addresses(void *out[NHOOKS])
{
	/* Racing first callers find the same addresses: the copy is idempotent. */
	if (!atomic_load_explicit(&cached, memory_order_acquire))
	{
		if (!look_up(out))
			return false;
		memcpy(cache, out, sizeof(cache));
		atomic_store_explicit(&cached, true, memory_order_release);
	}
	memcpy(out, cache, sizeof(cache));
	return true;
}
