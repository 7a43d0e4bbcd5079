/*
 * cfgapi.c
 *	  Loads libconfig for the time a policy is being parsed and unloads it
 *	  afterwards: the compiled policy keeps nothing of libconfig's, and a
 *	  library mapped in every process of a fleet should not keep ~50 KiB of
 *	  another one resident for a file it reads again only when it changes.
 *
 *	  config_t is allocated here, larger than any version's, and initialised
 *	  by libconfig itself; only its root (the first member in every version)
 *	  and its error text and line are read, at the offsets of the version
 *	  whose soname was loaded.
 */
#include "cfgapi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlload.h"
#include "forksafe.h"

/* config_t as libconfig 1.5 declares it (Debian 12). */
struct config_t_1_5
{
	config_setting_t *root;
	void (*destructor)(void *);
	int options;
	unsigned short tab_width;
	short default_format;
	const char *include_dir;
	const char *error_text;
	const char *error_file;
	int error_line;
};

/* config_t as libconfig 1.7 and 1.8 declare it (Debian 13, unstable). */
struct config_t_1_7
{
	config_setting_t *root;
	void (*destructor)(void *);
	int options;
	unsigned short tab_width;
	unsigned short float_precision;
	unsigned short default_format;
	const char *include_dir;
	void *include_fn;
	const char *error_text;
	const char *error_file;
	int error_line;
};

#define CONFIG_T_SPACE 512 /* more than any version's config_t */

static const struct soname
{
	const char *name;
	size_t text_off;
	size_t line_off;
} sonames[] = {
	{"libconfig.so.15", offsetof(struct config_t_1_7, error_text),
	 offsetof(struct config_t_1_7, error_line)},
	{"libconfig.so.11", offsetof(struct config_t_1_7, error_text),
	 offsetof(struct config_t_1_7, error_line)},
	{"libconfig.so.9", offsetof(struct config_t_1_5, error_text),
	 offsetof(struct config_t_1_5, error_line)},
};

/* The document functions, apart from the setting ones callers use. */
typedef const char **(*include_fn)(void *config, const char *dir, const char *path,
								   const char **error);

struct doc_api
{
	int (*config_init)(void *config);
	void (*config_destroy)(void *config);
	int (*config_read_string)(void *config, const char *str);
	void (*config_set_include_dir)(void *config, const char *dir);
	void (*config_set_include_func)(void *config, include_fn fn); /* 1.7+; else NULL */
};

static const struct dl_sym doc_syms[] = {
	DL_SYM(struct doc_api, config_init),
	DL_SYM(struct doc_api, config_destroy),
	DL_SYM(struct doc_api, config_read_string),
	DL_SYM(struct doc_api, config_set_include_dir),
	DL_SYM_OPT(struct doc_api, config_set_include_func, "config_set_include_func"),
};

static const struct dl_sym setting_syms[] = {
	DL_SYM_AS(struct cfg_api, get_member, "config_setting_get_member"),
	DL_SYM_AS(struct cfg_api, length, "config_setting_length"),
	DL_SYM_AS(struct cfg_api, get_elem, "config_setting_get_elem"),
	DL_SYM_AS(struct cfg_api, get_string, "config_setting_get_string"),
	DL_SYM_AS(struct cfg_api, get_int, "config_setting_get_int"),
	DL_SYM_AS(struct cfg_api, get_int64, "config_setting_get_int64"),
	DL_SYM_AS(struct cfg_api, get_bool, "config_setting_get_bool"),
};

struct cfg_doc
{
	_Alignas(max_align_t) unsigned char config[CONFIG_T_SPACE];
};

static struct proc_lock mu = PROC_LOCK_INIT;
static struct cfg_api api;
static struct doc_api doc_fns;

static const struct soname *loaded;
static void *handle;
static int users;
static bool octal; /* this libconfig reads 010 as 8 */

/*
 * source.c inlines every @include before libconfig sees the text, after
 * checking the file; one libconfig would still find must not be opened
 * unchecked.  libconfig 1.7+ asks this function for the files; 1.5 has no
 * such hook but puts its include_dir before every name, absolute ones too,
 * so a directory that does not exist makes the directive fail there.
 */
static const char **
refuse_include(void *config, const char *dir, const char *path, const char **error)
{
	(void) config;
	(void) dir;
	(void) path;
	*error = "@include not read by pgtls-shim (write it at the start of a line)";
	return NULL;
}

static const char no_include_dir[] = "/nonexistent/pgtls-shim: @include read by the shim";

/* config_init, with libconfig's own @include disabled. */
static void
doc_init(void *config)
{
	doc_fns.config_init(config);
	doc_fns.config_set_include_dir(config, no_include_dir);
	if (doc_fns.config_set_include_func != NULL)
		doc_fns.config_set_include_func(config, refuse_include);
}

/*
 * Whether the loaded libconfig reads an integer with a leading zero as
 * octal: 1.7 does, 1.5 and 1.8 read it as decimal.  Asked of the library
 * itself, so no release needs to be known by number.  Caller holds mu.
 */
static bool
reads_octal(void)
{
	_Alignas(max_align_t) unsigned char config[CONFIG_T_SPACE] = {0};
	const config_setting_t *root;
	const config_setting_t *v;
	bool r = false;

	doc_init(config);
	if (doc_fns.config_read_string(config, "v = 010;") == CONFIG_TRUE)
	{
		root = *(const config_setting_t *const *) (const void *) config; /* the first member */
		v = root ? api.get_member(root, "v") : NULL;
		r = v != NULL && api.get_int(v) == 8;
	}
	doc_fns.config_destroy(config);
	return r;
}

/* dlopens libconfig into the tables; false with WHY filled.  Caller holds mu. */
static bool
load(char *why, size_t len)
{
	const char *names[sizeof(sonames) / sizeof(sonames[0])];
	const char *which = NULL;
	void *h;

	for (size_t i = 0; i < sizeof(sonames) / sizeof(sonames[0]); i++)
		names[i] = sonames[i].name;
	h = dl_open_first(names, sizeof(names) / sizeof(names[0]), &which);
	if (h == NULL)
	{
		snprintf(why, len, "cannot load libconfig (libconfig.so.15, .so.11 or .so.9)");
		return false;
	}
	if (!dl_fill(h, doc_syms, sizeof(doc_syms) / sizeof(doc_syms[0]), &doc_fns, sizeof(doc_fns),
				 NULL) ||
		!dl_fill(h, setting_syms, sizeof(setting_syms) / sizeof(setting_syms[0]), &api, sizeof(api),
				 NULL))
	{
		snprintf(why, len, "%s lacks a function the shim needs", which);
		dlclose(h);
		return false;
	}
	for (size_t i = 0; i < sizeof(sonames) / sizeof(sonames[0]); i++)
		loaded = strcmp(sonames[i].name, which) == 0 ? &sonames[i] : loaded;
	handle = h;
	octal = reads_octal();
	return true;
}

/* Takes a user of libconfig, loading it for the first; false with WHY. */
static bool
acquire(char *why, size_t len)
{
	bool ok = true;

	proc_lock(&mu);
	if (users == 0 && !load(why, len))
		ok = false;
	else
		users++;
	proc_unlock(&mu);
	return ok;
}

static void
release(void)
{
	proc_lock(&mu);
	if (users > 0 && --users == 0)
	{
		memset(&api, 0, sizeof(api));
		memset(&doc_fns, 0, sizeof(doc_fns));
		dlclose(handle);
		handle = NULL;
		loaded = NULL;
	}
	proc_unlock(&mu);
}

struct cfg_doc *
cfg_parse(const char *text, int *line, char *why, size_t len)
{
	struct cfg_doc *doc = calloc(1, sizeof(*doc));
	const char *msg;

	*line = 0;
	if (doc == NULL)
	{
		snprintf(why, len, "out of memory");
		return NULL;
	}
	if (!acquire(why, len))
	{
		free(doc);
		return NULL;
	}
	doc_init(doc->config);
	if (doc_fns.config_read_string(doc->config, text) == CONFIG_TRUE)
		return doc;
	memcpy(&msg, doc->config + loaded->text_off, sizeof(msg));
	memcpy(line, doc->config + loaded->line_off, sizeof(*line));
	snprintf(why, len, "%s", msg ? msg : "syntax error");
	cfg_doc_free(doc);
	return NULL;
}

const config_setting_t *
cfg_doc_root(const struct cfg_doc *doc)
{
	/* The first member in every version; the buffer is suitably aligned. */
	const config_setting_t *const *root = (const void *) doc->config;

	return *root;
}

void
cfg_doc_free(struct cfg_doc *doc)
{
	if (doc == NULL)
		return;
	doc_fns.config_destroy(doc->config);
	free(doc);
	release();
}

const struct cfg_api *
cfg(void)
{
	return &api;
}

bool
cfg_reads_octal(void)
{
	return octal;
}

bool
cfg_is_scalar(const config_setting_t *s)
{
	int t = config_setting_type(s);

	return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT ||
		   t == CONFIG_TYPE_STRING || t == CONFIG_TYPE_BOOL;
}
