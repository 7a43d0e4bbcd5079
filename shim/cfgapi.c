/*
 * cfgapi.c
 *	  Loads libconfig (the SONAME the headers were built for) on first use.
 */
#include "cfgapi.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct cfg_api api;
static bool loaded;
static char error[256];

static void
load(void)
{
	void *h = dlopen("libconfig.so.9", RTLD_LAZY | RTLD_LOCAL);

	if (h == NULL)
	{
		snprintf(error, sizeof(error), "cannot load libconfig: %s", dlerror());
		return;
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
			snprintf(error, sizeof(error), "libconfig.so.9 lacks a function the shim needs");
			return;
		}
	}
	loaded = true;
}

const struct cfg_api *
cfg(const char **why)
{
	pthread_once(&once, load);
	if (!loaded && why)
		*why = error;
	return loaded ? &api : NULL;
}
