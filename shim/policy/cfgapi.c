/*
 * cfgapi.c
 *	  Loads libconfig (the SONAME the headers were built for) for the time a
 *	  policy is being parsed, and unloads it afterwards: the compiled policy
 *	  keeps nothing of libconfig's, and a library that is mapped in every
 *	  process of a fleet should not keep ~50 KiB of another one resident for
 *	  a file it reads again only when it changes.
 */
#include "cfgapi.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct cfg_api api;
static void *handle;
static int users;

/* dlopens libconfig into api; false with WHY filled.  Caller holds mu. */
static bool
load(char *why, size_t len)
{
	void *h = dlopen("libconfig.so.9", RTLD_LAZY | RTLD_LOCAL);

	if (h == NULL)
	{
		snprintf(why, len, "cannot load libconfig: %s", dlerror());
		return false;
	}
#define F(field, name) (*(void **) (&api.field) = dlsym(h, name))
	F(init, "config_init");
	F(destroy, "config_destroy");
	F(read_string, "config_read_string");
	F(get_member, "config_setting_get_member");
	F(length, "config_setting_length");
	F(get_elem, "config_setting_get_elem");
	F(get_string, "config_setting_get_string");
	F(get_int, "config_setting_get_int");
	F(get_int64, "config_setting_get_int64");
	F(get_bool, "config_setting_get_bool");
#undef F
	for (void **f = (void **) &api; f < (void **) (&api + 1); f++)
	{
		if (*f == NULL)
		{
			snprintf(why, len, "libconfig.so.9 lacks a function the shim needs");
			dlclose(h);
			memset(&api, 0, sizeof(api));
			return false;
		}
	}
	handle = h;
	return true;
}

const struct cfg_api *
cfg_acquire(char *why, size_t len)
{
	const struct cfg_api *r = &api;

	pthread_mutex_lock(&mu);
	if (users == 0 && !load(why, len))
		r = NULL;
	else
		users++;
	pthread_mutex_unlock(&mu);
	return r;
}

void
cfg_release(void)
{
	pthread_mutex_lock(&mu);
	if (users > 0 && --users == 0)
	{
		memset(&api, 0, sizeof(api));
		dlclose(handle);
		handle = NULL;
	}
	pthread_mutex_unlock(&mu);
}

const struct cfg_api *
cfg(void)
{
	return &api;
}
