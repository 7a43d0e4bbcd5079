/*
 * redact.c
 *	  What explain prints about a connection string: the string itself, each
 *	  keyword once with the value that wins, and libpq's own error messages,
 *	  with every secret replaced by "********".
 */
#include "redact.h"

#include <stdio.h>
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

#define MAX_SECRETS 8

/* Appends a copy of S[0..N) to the secrets OUT (*N_OUT of them) when not empty. */
static void
add_secret(char *out[], size_t *n_out, const char *s, size_t n)
{
	if (n > 0 && *n_out < MAX_SECRETS && (out[*n_out] = strndup(s, n)) != NULL)
		(*n_out)++;
}

/*
 * The passwords the text CI may hold, for when libpq cannot parse it: the
 * values of password= and sslpassword= (key/value or URI query) and the
 * password of a URI's user info.  Copies into OUT; returns their count.
 */
static size_t
raw_secrets(const char *ci, char *out[])
{
	const char *uri = strstr(ci, "://");
	const char *end = uri ? " \t\n&#" : " \t\n";
	size_t n = 0;

	for (const char *k = strstr(ci, "password"); k; k = strstr(k + 1, "password"))
	{
		const char *v = k + 8 + strspn(k + 8, " \t");

		if (*v++ != '=')
			continue;
		v += strspn(v, " \t");
		if (*v == '\'' && strchr(v + 1, '\'') != NULL)
			add_secret(out, &n, v + 1, (size_t) (strchr(v + 1, '\'') - v - 1));
		else
			add_secret(out, &n, v, strcspn(v, end));
	}
	if (uri != NULL)
	{
		const char *info = uri + 3;
		size_t hostpart = strcspn(info, "/?#");
		const char *at = memrchr(info, '@', hostpart);
		const char *colon = at ? memchr(info, ':', (size_t) (at - info)) : NULL;

		if (colon != NULL)
			add_secret(out, &n, colon + 1, (size_t) (at - colon - 1));
	}
	return n;
}

/* Prints libpq's message MSG on stderr, each of the N SECRETS replaced; frees them. */
static void
print_masked(const char *msg, char *secrets[], size_t n)
{
	size_t len = strlen(msg);

	while (len > 0 && msg[len - 1] == '\n')
		len--;
	fputs("pgtls-shim: libpq: ", stderr);
	for (size_t i = 0; i < len;)
	{
		size_t j;

		for (j = 0; j < n; j++)
			if (strncmp(msg + i, secrets[j], strlen(secrets[j])) == 0)
				break;
		if (j < n)
		{
			fputs("********", stderr);
			i += strlen(secrets[j]);
		}
		else
			fputc(msg[i++], stderr);
	}
	fputc('\n', stderr);
	for (size_t j = 0; j < n; j++)
		free(secrets[j]);
}

void
cli_print_libpq_error(const char *msg, const char *raw, const struct pgs_params *p)
{
	char *secrets[MAX_SECRETS];
	size_t n = raw ? raw_secrets(raw, secrets) : 0;

	for (size_t i = 0; p != NULL && i < p->n; i++)
	{
		if (p->val[i] &&
			(strcmp(p->kw[i], "password") == 0 || strcmp(p->kw[i], "sslpassword") == 0))
			add_secret(secrets, &n, p->val[i], strlen(p->val[i]));
	}
	print_masked(msg, secrets, n);
}
