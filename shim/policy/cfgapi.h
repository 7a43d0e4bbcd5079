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
#include <stddef.h>

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
 * cfg_acquire loads libconfig if no one holds it yet and returns its table;
 * NULL with the reason in WHY (LEN bytes) when it cannot be loaded.  Every
 * successful cfg_acquire is paired with one cfg_release; the last release
 * unloads the library, so nothing obtained from it (settings, error texts)
 * may be used after.  cfg() is the table, valid only in between.
 */
const struct cfg_api *cfg_acquire(char *why, size_t len) __attribute__((warn_unused_result));
void cfg_release(void);
const struct cfg_api *cfg(void);

#endif
