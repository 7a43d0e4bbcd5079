/*
 * json.c
 *	  JSON writer for the log record.  Owns only its buffer; the caller frees
 *	  it with jb_free().  Escaping follows RFC 8259: '"', '\\' and control
 *	  characters are escaped, valid UTF-8 passes through, and every byte that
 *	  is not part of a valid UTF-8 sequence is written as \ufffd, so a
 *	  record stays parseable whatever bytes a certificate or a host name holds.
 */
#include "json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
jb_init(struct jbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void
jb_free(struct jbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

bool
jb_ok(const struct jbuf *b)
{
	return !b->oom && b->p != NULL;
}

/* Makes room for N more bytes plus a NUL; false (and oom) on failure. */
static bool
reserve(struct jbuf *b, size_t n)
{
	size_t need;
	size_t cap;
	char *np;

	if (b->oom)
		return false;
	if (n > SIZE_MAX / 2 - b->len)
	{
		b->oom = true;
		return false;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 512;
	while (cap < need)
		cap *= 2;
	np = realloc(b->p, cap);
	if (np == NULL)
	{
		b->oom = true;
		return false;
	}
	b->p = np;
	b->cap = cap;
	return true;
}

void
jb_raw(struct jbuf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
putc1(struct jbuf *b, char c)
{
	jb_raw(b, &c, 1);
}

/* Writes the separator a new value needs in the current container. */
static void
sep(struct jbuf *b)
{
	if (b->need_comma)
		putc1(b, ',');
	b->need_comma = true;
}

void
jb_obj_begin(struct jbuf *b)
{
	sep(b);
	putc1(b, '{');
	b->need_comma = false;
}

void
jb_obj_end(struct jbuf *b)
{
	putc1(b, '}');
	b->need_comma = true;
}

void
jb_arr_begin(struct jbuf *b)
{
	sep(b);
	putc1(b, '[');
	b->need_comma = false;
}

void
jb_arr_end(struct jbuf *b)
{
	putc1(b, ']');
	b->need_comma = true;
}

/*
 * Length of the valid UTF-8 sequence starting at S (at most N bytes), or 0
 * when the bytes there are not one (overlong forms, surrogates and code
 * points above U+10FFFF are invalid).
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;
	size_t i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0)
	{
		len = 2;
		cp = s[0] & 0x1F;
	}
	else if ((s[0] & 0xF0) == 0xE0)
	{
		len = 3;
		cp = s[0] & 0x0F;
	}
	else if ((s[0] & 0xF8) == 0xF0)
	{
		len = 4;
		cp = s[0] & 0x07;
	}
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

void
jb_strn(struct jbuf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t i = 0;

	sep(b);
	putc1(b, '"');
	while (i < n && !b->oom)
	{
		size_t run = i;
		size_t l;

		/* Copy the longest run that needs no escaping in one go. */
		while (run < n && u[run] >= 0x20 && u[run] < 0x80 && u[run] != '"' && u[run] != '\\')
			run++;
		if (run > i)
		{
			jb_raw(b, s + i, run - i);
			i = run;
			continue;
		}
		switch (u[i])
		{
			case '"':
				jb_raw(b, "\\\"", 2);
				break;
			case '\\':
				jb_raw(b, "\\\\", 2);
				break;
			case '\n':
				jb_raw(b, "\\n", 2);
				break;
			case '\r':
				jb_raw(b, "\\r", 2);
				break;
			case '\t':
				jb_raw(b, "\\t", 2);
				break;
			default:
				if (u[i] < 0x20)
				{
					char esc[8];

					snprintf(esc, sizeof(esc), "\\u%04x", u[i]);
					jb_raw(b, esc, 6);
					break;
				}
				l = utf8_len(u + i, n - i);
				if (l == 0)
					jb_raw(b, "\\ufffd", 6);
				else
				{
					jb_raw(b, s + i, l);
					i += l - 1;
				}
				break;
		}
		i++;
	}
	putc1(b, '"');
}

void
jb_str(struct jbuf *b, const char *s)
{
	if (s == NULL)
		jb_null(b);
	else
		jb_strn(b, s, strlen(s));
}

void
jb_key(struct jbuf *b, const char *key)
{
	jb_str(b, key);
	putc1(b, ':');
	b->need_comma = false;
}

void
jb_int(struct jbuf *b, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);

	sep(b);
	jb_raw(b, num, (size_t) n);
}

void
jb_bool(struct jbuf *b, bool v)
{
	sep(b);
	if (v)
		jb_raw(b, "true", 4);
	else
		jb_raw(b, "false", 5);
}

void
jb_null(struct jbuf *b)
{
	sep(b);
	jb_raw(b, "null", 4);
}

void
jb_kstr(struct jbuf *b, const char *key, const char *s)
{
	jb_key(b, key);
	jb_str(b, s);
}

void
jb_kint(struct jbuf *b, const char *key, int64_t v)
{
	jb_key(b, key);
	jb_int(b, v);
}

void
jb_kbool(struct jbuf *b, const char *key, bool v)
{
	jb_key(b, key);
	jb_bool(b, v);
}

void
jb_knull(struct jbuf *b, const char *key)
{
	jb_key(b, key);
	jb_null(b);
}
