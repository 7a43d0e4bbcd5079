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

/* The policy and the arena behind it; callers see only `pub`. */
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

struct pgs_policy *
policy_parse_text(const char *text, const char *path, struct pgs_errors *errs)
{
	char why[256];
	int line;
	struct policy_owner *o = calloc(1, sizeof(*o));
	struct cfg_doc *doc;
	bool ok;

	if (o == NULL)
	{
		errors_add(errs, "%s: out of memory", path);
		return NULL;
	}
	if ((doc = cfg_parse(text, &line, why, sizeof(why))) == NULL)
	{
		if (line > 0)
			errors_add(errs, "%s:%d: %s", path, line, why);
		else
			errors_add(errs, "%s: %s", path, why);
		free(o);
		return NULL;
	}
	ok = policy_compile(cfg_doc_root(doc), path, &o->arena, &o->pub, errs);
	cfg_doc_free(doc);
	if (!ok)
	{
		policy_free(&o->pub);
		return NULL;
	}
	return &o->pub;
}
