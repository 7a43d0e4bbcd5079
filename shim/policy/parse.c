/*
 * parse.c
 *	  Compiles policy text (libconfig syntax) into a struct pgs_policy.
 *	  Owns the whole of that struct: every string, rule and pattern is
 *	  allocated from one arena that policy_free releases, and the libconfig
 *	  document is gone before policy_parse_text returns, so no libconfig
 *	  type leaves this module.
 */
#include <stdlib.h>

#include "arena.h"
#include "cfgapi.h"
#include "compile.h"
#include "policy.h"
#include "source.h"

/* The policy and the arena behind it; callers see only `pub` (its first member). */
struct policy_owner
{
	struct pgs_policy pub;
	struct arena arena;
};

void
policy_free(struct pgs_policy *policy)
{
	struct policy_owner *o = (struct policy_owner *) policy;

	if (o == NULL)
		return;
	arena_free(&o->arena);
	free(o);
}

/* Copies T's file list into the policy's arena; false on out-of-memory. */
static bool
keep_files(struct policy_owner *o, const struct src_text *t)
{
	struct pgs_source_file *v = arena_alloc(&o->arena, (t->files.n + 1) * sizeof(*v));

	if (v == NULL)
		return false;
	for (size_t i = 0; i < t->files.n; i++)
	{
		v[i].sig = t->files.v[i].sig;
		if ((v[i].path = arena_strdup(&o->arena, t->files.v[i].path)) == NULL)
			return false;
	}
	o->pub.files.v = v;
	o->pub.files.n = t->files.n;
	return true;
}

struct pgs_policy *
policy_compile_source(struct src_text *t, const char *path, struct pgs_errors *errs)
{
	char why[256];
	int line;
	struct policy_owner *o = calloc(1, sizeof(*o));
	struct cfg_doc *doc;
	bool ok;

	if (o == NULL || !keep_files(o, t))
	{
		errors_add(errs, "%s: out of memory", path);
		policy_free(o ? &o->pub : NULL);
		return NULL;
	}
	if ((doc = cfg_parse(t->text, &line, why, sizeof(why))) == NULL)
	{
		size_t file = 0;

		if (line > 0)
			src_locate(t, line, &file, &line);
		if (line > 0)
			errors_add(errs, "%s:%d: %s", o->pub.files.v[file].path, line, why);
		else
			errors_add(errs, "%s: %s", path, why);
		policy_free(&o->pub);
		return NULL;
	}
	ok = policy_compile(cfg_doc_root(doc), path, t, &o->arena, &o->pub, errs);
	cfg_doc_free(doc);
	if (!ok)
	{
		policy_free(&o->pub);
		return NULL;
	}
	src_sha256(t, o->pub.sha256);
	return &o->pub;
}

struct pgs_policy *
policy_parse_text(const char *text, const char *path, struct pgs_errors *errs)
{
	struct src_text t = {0};
	struct pgs_policy *p = NULL;

	if (src_read_text(&t, text, path, errs))
		p = policy_compile_source(&t, path, errs);
	src_free(&t);
	return p;
}
