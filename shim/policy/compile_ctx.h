/*
 * compile_ctx.h
 *	  Internal to the policy compiler (compile*.c): the walk's state and the
 *	  typed getters every part of the schema uses.  Each getter reports what
 *	  is wrong as "PATH:LINE: message", sets c->failed and returns a default.
 */
#ifndef PGTLS_SHIM_COMPILE_CTX_H
#define PGTLS_SHIM_COMPILE_CTX_H

#include <libconfig.h>

#include "arena.h"
#include "policy.h"

struct src_text;

struct ctx
{
	const char *path;
	const struct src_text *src;		 /* NULL: libconfig's lines are the file's */
	const struct pgs_sources *files; /* the policy's files (arena copies) */
	struct arena *a;
	struct pgs_errors *errs;
	bool failed;
};

/* Where S is written (the main file's line 1 when S is NULL). */
struct pgs_srcloc pc_loc(const struct ctx *c, const config_setting_t *s);
/* Where G.NAME is written; {NULL, 0} when absent. */
struct pgs_srcloc pc_at(const struct ctx *c, const config_setting_t *g, const char *name);
/* Reports FMT at S's file and line (the main file's line 1 when S is NULL). */
void pc_err(struct ctx *c, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A copy of S in the policy's arena; NULL (reported) on out-of-memory. */
const char *pc_dup(struct ctx *c, const char *s);
/*
 * A name list is one string of names, each ended by a NUL, the list by an
 * empty name: "off\0audit\0enforce\0".  An array of pointers would cost a
 * relocation per name in every process that preloads the library.
 */
/* Reports each member of group G not in ALLOWED (or ALLOWED2, may be NULL). */
void pc_check_keys(struct ctx *c, const config_setting_t *g, const char *where, const char *allowed,
				   const char *allowed2);
/* G.NAME, or NULL when G is NULL or has no such member. */
const config_setting_t *pc_member(const config_setting_t *g, const char *name);
/* The string at G.NAME; NULL when absent or (reported) not a string. */
const char *pc_str(struct ctx *c, const config_setting_t *g, const char *name);
/* Index of G.NAME's value in name list VALUES, DEF when absent, -1 (reported) when invalid. */
int pc_enum(struct ctx *c, const config_setting_t *g, const char *name, const char *values, int def,
			const char *expect);
/* The index of S in name list LIST, or -1. */
int pc_list_index(const char *list, const char *s);
bool pc_bool(struct ctx *c, const config_setting_t *g, const char *name, bool def);
long long pc_int(struct ctx *c, const config_setting_t *g, const char *name, long long def,
				 long long min, long long max);
/* G.NAME when it is a group; NULL when absent or (reported) not a group. */
const config_setting_t *pc_group(struct ctx *c, const config_setting_t *g, const char *name);
/* An absolute path, "" (unset: NULL) or, when SYSTEM_OK, "system"; DEF when absent. */
const char *pc_path(struct ctx *c, const config_setting_t *g, const char *name, const char *def,
					bool system_ok);

/* match = { ... } of rule R. */
void compile_match(struct ctx *c, const config_setting_t *g, struct pgs_rule *r);
/* log = { ... } into *LOG (defaults when G is NULL). */
void compile_log(struct ctx *c, const config_setting_t *g, struct pgs_log_cfg *log);

#endif
