/*
 * cfgapi.h
 *	  libconfig, loaded with dlopen while a policy is being parsed, so that
 *	  the preloaded library has no libconfig in DT_NEEDED (a process that
 *	  never connects, like every sh in a container, does not pay for it).
 *	  Whichever libconfig the system has is used: libconfig.so.9 (1.5,
 *	  Debian 12), .so.11 (1.7, Debian 13) or .so.15 (1.8, unstable).  Their
 *	  config_t differ, so it never appears here: the document is opaque.
 *	  config_setting_t is the same in all of them (checked against each
 *	  release's header), and is read with libconfig.h's field macros.
 */
#ifndef PGTLS_SHIM_CFGAPI_H
#define PGTLS_SHIM_CFGAPI_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "attr.h"

/* The functions on settings, the same in every supported libconfig. */
struct cfg_api
{
	config_setting_t *(*get_member)(const config_setting_t *s, const char *name);
	int (*length)(const config_setting_t *s);
	config_setting_t *(*get_elem)(const config_setting_t *s, unsigned int idx);
	const char *(*get_string)(const config_setting_t *s);
	int (*get_int)(const config_setting_t *s);
	long long (*get_int64)(const config_setting_t *s);
	int (*get_bool)(const config_setting_t *s);
};

/* A parsed document; libconfig stays loaded while one exists. */
struct cfg_doc;

/*
 * Loads libconfig if no document holds it yet, and parses TEXT.  Returns
 * the document (free it with cfg_doc_free), or NULL with the reason in WHY
 * (LEN bytes) and, for a syntax error, its line in *LINE (0 otherwise).
 */
struct cfg_doc *cfg_parse(const char *text, int *line, char *why, size_t len) PGS_WUR;

/* The root group of DOC. */
const config_setting_t *cfg_doc_root(const struct cfg_doc *doc);

/*
 * Frees DOC; the last document's free unloads libconfig, so nothing read
 * from any document may be used after.
 */
void cfg_doc_free(struct cfg_doc *doc);

/* The setting functions; valid only while a document exists. */
const struct cfg_api *cfg(void);

/*
 * True when the loaded libconfig read an integer written with a leading
 * zero (0640) as octal; valid while a document exists.
 */
bool cfg_reads_octal(void);

/* True for a setting holding one value (not a group, array or list). */
bool cfg_is_scalar(const config_setting_t *s);

#endif
