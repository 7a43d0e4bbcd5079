/*
 * redact.c
 *	  The connection string explain prints: each keyword once, with the
 *	  value that wins, and every secret replaced by "********".
 */
#include "redact.h"

#include <stdlib.h>
#include <string.h>

struct strbuf
{
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

/* Appends S; with QUOTE, escapes ' and \ as libpq's parser expects. */
static void
sb_add(struct strbuf *b, const char *s, bool quote)
{
	for (; *s && !b->oom; s++)
	{
		if (b->len + 3 >= b->cap)
		{
			size_t ncap = b->cap ? b->cap * 2 : 256;
			char *np = realloc(b->p, ncap);

			if (np == NULL)
			{
				b->oom = true;
				break;
			}
			b->p = np;
			b->cap = ncap;
		}
		if (quote && (*s == '\'' || *s == '\\'))
			b->p[b->len++] = '\\';
		b->p[b->len++] = *s;
		b->p[b->len] = '\0';
	}
}

/*
 * True for a keyword whose value is a secret: the ones libpq itself marks
 * for hiding (dispchar "*": password, sslpassword), else those two by name.
 */
static bool
is_secret(const struct pgs_params *p, const char *kw)
{
	for (const PQconninfoOption *o = p->parsed; o && o->keyword; o++)
	{
		if (strcmp(o->keyword, kw) == 0)
			return o->dispchar != NULL && o->dispchar[0] == '*';
	}
	return strcmp(kw, "password") == 0 || strcmp(kw, "sslpassword") == 0;
}

char *
cli_redacted_conninfo(struct pgs_params *p)
{
	struct strbuf b = {0};

	sb_add(&b, " ", false); /* allocates, so "" is a valid result */
	b.len = 0;
	if (b.p)
		b.p[0] = '\0';
	for (size_t i = 0; i < p->n; i++)
	{
		const char *v = NULL;
		bool seen = false;

		/* Later keywords win: each keyword once, where it first appears. */
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(p->kw[j], p->kw[i]) == 0;
		for (size_t j = i; j < p->n && !seen; j++)
		{
			if (strcmp(p->kw[j], p->kw[i]) == 0 && p->val[j] && p->val[j][0])
				v = p->val[j];
		}
		if (seen || v == NULL)
			continue;
		if (is_secret(p, p->kw[i]))
			v = "********";
		if (b.len > 0)
			sb_add(&b, " ", false);
		sb_add(&b, p->kw[i], false);
		sb_add(&b, "='", false);
		sb_add(&b, v, true);
		sb_add(&b, "'", false);
	}
	if (b.oom)
	{
		free(b.p);
		return NULL;
	}
	return b.p;
}
