/*
 * cfgapi.h
 *	  The libconfig functions the policy module calls, loaded with dlopen on
 *	  first use, so that the preloaded library has no libconfig in DT_NEEDED:
 *	  a process that never connects (every sh in a container) does not pay
 *	  for loading it.  libconfig.h's macros (struct field access) are used
 *	  as they are.
 */
#ifndef PGTLS_SHIM_CFGAPI_H
#define PGTLS_SHIM_CFGAPI_H

#include <libconfig.h>

struct cfg_api
{
	void (*init)(config_t *config);
	void (*destroy)(config_t *config);
	int (*read_string)(config_t *config, const char *str);
	config_setting_t *(*get_member)(const config_setting_t *s, const char *name);
	int (*length)(const config_setting_t *s);
	config_setting_t *(*get_elem)(const config_setting_t *s, unsigned int idx);
	const char *(*get_string)(const config_setting_t *s);
	int (*get_int)(const config_setting_t *s);
	long long (*get_int64)(const config_setting_t *s);
	int (*get_bool)(const config_setting_t *s);
};

/*
 * The table, loaded once (thread-safe); NULL when libconfig cannot be
 * loaded, with the loader's message in *why (static storage).
 */
const struct cfg_api *cfg(const char **why);

#endif
