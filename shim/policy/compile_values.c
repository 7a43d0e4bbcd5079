/*
 * compile_values.c
 *	  Reading typed values from the libconfig tree for the policy compiler:
 *	  each getter checks the type and range, reports a violation with its
 *	  line, and returns the default so that the walk goes on.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "cfgapi.h"
#include "compile_ctx.h"
#include "source.h"

void
pc_err(struct ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	char msg[512];
	struct pgs_srcloc at = pc_loc(c, s);
	va_list ap;

	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): started above */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errors_add(c->errs, "%s:%d: %s", at.file, at.line, msg);
	c->failed = true;
}

struct pgs_srcloc
pc_loc(const struct ctx *c, const config_setting_t *s)
{
	struct pgs_srcloc at = {.file = c->path, .line = 1};
	size_t file = 0;

	if (s == NULL)
		return at;
	at.line = (int) config_setting_source_line(s);
	if (c->src != NULL)
		src_locate(c->src, at.line, &file, &at.line);
	if (c->files != NULL && file < c->files->n)
		at.file = c->files->v[file].path;
	return at;
}

struct pgs_srcloc
pc_at(const struct ctx *c, const config_setting_t *g, const char *name)
{
	const config_setting_t *s = pc_member(g, name);

	return s ? pc_loc(c, s) : (struct pgs_srcloc){0};
}

const char *
pc_dup(struct ctx *c, const char *s)
{
	char *d = arena_strdup(c->a, s);

	if (d == NULL)
		pc_err(c, NULL, "out of memory");
	return d;
}

int
pc_list_index(const char *list, const char *s)
{
	for (int i = 0; *list; list += strlen(list) + 1, i++)
	{
		if (strcmp(s, list) == 0)
			return i;
	}
	return -1;
}

/* Reports each member of group G not in ALLOWED (or ALLOWED2). */
void
pc_check_keys(struct ctx *c, const config_setting_t *g, const char *where, const char *allowed,
			  const char *allowed2)
{
	for (int i = 0; i < cfg()->length(g); i++)
	{
		const config_setting_t *m = cfg()->get_elem(g, (unsigned) i);
		const char *name = config_setting_name(m);

		if (name && pc_list_index(allowed, name) < 0 &&
			!(allowed2 && pc_list_index(allowed2, name) >= 0))
			pc_err(c, m, "unknown setting \"%s%s%s\"", where, where[0] ? "." : "", name);
	}
}

const config_setting_t *
pc_member(const config_setting_t *g, const char *name)
{
	return g ? cfg()->get_member(g, name) : NULL;
}

/* The string at G.NAME; NULL when absent or (with an error) not a string. */
const char *
pc_str(struct ctx *c, const config_setting_t *g, const char *name)
{
	const config_setting_t *s = pc_member(g, name);

	if (s == NULL)
		return NULL;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
	{
		pc_err(c, s, "%s must be a string", name);
		return NULL;
	}
	return cfg()->get_string(s);
}

/* Index of G.NAME's value in VALUES, DEF when absent, -1 (error) when invalid. */
int
pc_enum(struct ctx *c, const config_setting_t *g, const char *name, const char *values, int def,
		const char *expect)
{
	const char *v = pc_str(c, g, name);
	int i;

	if (v == NULL)
		return def;
	if ((i = pc_list_index(values, v)) >= 0)
		return i;
	pc_err(c, pc_member(g, name), "%s must be %s, not \"%s\"", name, expect, v);
	return -1;
}

bool
pc_bool(struct ctx *c, const config_setting_t *g, const char *name, bool def)
{
	const config_setting_t *s = pc_member(g, name);

	if (s == NULL)
		return def;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
	{
		pc_err(c, s, "%s must be a boolean (true or false)", name);
		return def;
	}
	return cfg()->get_bool(s);
}

long long
pc_int(struct ctx *c, const config_setting_t *g, const char *name, long long def, long long min,
	   long long max)
{
	const config_setting_t *s = pc_member(g, name);
	long long v;

	if (s == NULL)
		return def;
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
	{
		pc_err(c, s, "%s must be an integer", name);
		return def;
	}
	v = cfg()->get_int64(s);
	if (v < min || v > max)
	{
		pc_err(c, s, "%s must be between %lld and %lld", name, min, max);
		return def;
	}
	return v;
}

const config_setting_t *
pc_group(struct ctx *c, const config_setting_t *g, const char *name)
{
	const config_setting_t *s = pc_member(g, name);

	if (s != NULL && config_setting_type(s) != CONFIG_TYPE_GROUP)
	{
		pc_err(c, s, "%s must be a group { ... }", name);
		return NULL;
	}
	return s;
}

/* An absolute path, "" (unset: NULL) or, when SYSTEM_OK, "system". */
const char *
pc_path(struct ctx *c, const config_setting_t *g, const char *name, const char *def, bool system_ok)
{
	const char *v = pc_str(c, g, name);

	if (v == NULL)
		return def;
	if (v[0] == '\0')
		return NULL;
	if (system_ok && strcmp(v, "system") == 0)
		return pc_dup(c, v);
	if (v[0] != '/')
	{
		pc_err(c, pc_member(g, name), "%s must be an absolute path%s", name,
			   system_ok ? " or \"system\"" : "");
		return def;
	}
	return pc_dup(c, v);
}
