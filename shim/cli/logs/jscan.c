/*
 * jscan.c
 *	  The strict JSON scanner of jscan.h: recursive descent over the text,
 *	  strings eight bytes at a time (SWAR) until a quote, a backslash or a
 *	  control character, numbers by RFC 8259's grammar.
 */
#include "jscan.h"

#include <string.h>

#define MAX_DEPTH 32

struct scan
{
	char *p;
	char *end;
	int depth;
};

static bool value(struct scan *s, struct jval *v);

/* The slot of a name of LEN bytes at P in jkeys' table. */
static unsigned
key_hash(const char *p, size_t len)
{
	return ((unsigned) len * 31u + (unsigned char) p[0] * 7u + (unsigned char) p[len - 1] * 3u +
			(unsigned char) p[len / 2]) &
		   127u;
}

void
jkeys_init(struct jkeys *k, const char *const *names, size_t n)
{
	memset(k, 0, sizeof(*k));
	k->names = names;
	k->n = n > 64 ? 64 : n;
	for (size_t i = 0; i < k->n; i++)
	{
		unsigned h = key_hash(names[i], strlen(names[i]));

		k->len[i] = (uint8_t) strlen(names[i]);
		while (k->slot[h] != 0)
			h = (h + 1) & 127u;
		k->slot[h] = (uint8_t) (i + 1);
	}
}

/* The index of the name at P (LEN bytes) in K, or -1. */
static int
key_index(const struct jkeys *k, const char *p, size_t len)
{
	unsigned h;

	if (len == 0 || len > 63)
		return -1;
	for (h = key_hash(p, len); k->slot[h] != 0; h = (h + 1) & 127u)
	{
		int i = k->slot[h] - 1;

		if (k->len[i] == len && memcmp(k->names[i], p, len) == 0)
			return i;
	}
	return -1;
}

static void
skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Whether the 8 bytes of W hold a quote, a backslash or a byte below 0x20. */
static inline bool
special8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');

	return (((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w)) & highs;
}

/* A string at s->p (after its opening quote) into *V; s->p after the closing quote. */
static bool
string(struct scan *s, struct jval *v)
{
	char *p = s->p;

	v->type = JT_STRING;
	v->p = p;
	v->escaped = false;
	v->decoded = false;
	for (;;)
	{
		uint64_t w;

		while (s->end - p >= 8 && (memcpy(&w, p, 8), !special8(w)))
			p += 8;
		while (p < s->end && (unsigned char) *p >= 0x20 && *p != '"' && *p != '\\')
			p++;
		if (p >= s->end || (unsigned char) *p < 0x20)
			return false;
		if (*p == '"')
			break;
		v->escaped = true; /* a backslash */
		if (s->end - p < 2)
			return false;
		if (p[1] == 'u')
		{
			if (s->end - p < 6 || !is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4]) || !is_hex(p[5]))
				return false;
			p += 6;
		}
		else if (strchr("\"\\/bfnrt", p[1]) != NULL && p[1] != '\0')
			p += 2;
		else
			return false;
	}
	v->len = (size_t) (p - v->p);
	s->p = p + 1;
	return true;
}

static bool
digits(struct scan *s)
{
	char *start = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > start;
}

/* A number by RFC 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool
number(struct scan *s)
{
	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (!digits(s))
		return false;
	if (s->p < s->end && *s->p == '.')
	{
		s->p++;
		if (!digits(s))
			return false;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
	{
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!digits(s))
			return false;
	}
	return true;
}

static bool
literal(struct scan *s, const char *word, size_t n)
{
	if ((size_t) (s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return false;
	s->p += n;
	return true;
}

/* The members of the object at s->p ('{'); K and OUT may be NULL (validate only). */
static bool
object(struct scan *s, const struct jkeys *k, struct jval *out)
{
	struct jval key, skip;

	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == '}')
		return s->p++, true;
	for (;;)
	{
		int i;

		if (s->p >= s->end || *s->p != '"')
			return false;
		s->p++;
		if (!string(s, &key))
			return false;
		skip_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return false;
		s->p++;
		skip_ws(s);
		i = (k != NULL && !key.escaped) ? key_index(k, key.p, key.len) : -1;
		if (!value(s, i >= 0 ? &out[i] : &skip))
			return false;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',')
		{
			s->p++;
			skip_ws(s);
			continue;
		}
		if (s->p < s->end && *s->p == '}')
			return s->p++, true;
		return false;
	}
}

/* The elements of the array at s->p ('['), each to FN when not NULL. */
static bool
array(struct scan *s, bool (*fn)(void *arg, struct jval *e), void *arg)
{
	struct jval e;
	bool more = true;

	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == ']')
		return s->p++, true;
	for (;;)
	{
		if (!value(s, &e))
			return false;
		if (fn != NULL && more)
			more = fn(arg, &e);
		skip_ws(s);
		if (s->p < s->end && *s->p == ',')
		{
			s->p++;
			skip_ws(s);
			continue;
		}
		if (s->p < s->end && *s->p == ']')
			return s->p++, true;
		return false;
	}
}

/* A nested object or array at s->p into *V. */
static bool
container(struct scan *s, struct jval *v)
{
	bool ok;

	if (++s->depth > MAX_DEPTH)
		return false;
	v->p = s->p;
	v->type = *s->p == '{' ? JT_OBJECT : JT_ARRAY;
	ok = v->type == JT_OBJECT ? object(s, NULL, NULL) : array(s, NULL, NULL);
	s->depth--;
	v->len = (size_t) (s->p - v->p);
	return ok;
}

static bool
value(struct scan *s, struct jval *v)
{
	char *start = s->p;

	if (s->p >= s->end)
		return false;
	v->escaped = v->decoded = false;
	switch (*s->p)
	{
		case '"':
			s->p++;
			return string(s, v);
		case '{':
		case '[':
			return container(s, v);
		case 't':
			v->type = JT_TRUE;
			return literal(s, "true", 4);
		case 'f':
			v->type = JT_FALSE;
			return literal(s, "false", 5);
		case 'n':
			v->type = JT_NULL;
			return literal(s, "null", 4);
		default:
			v->type = JT_NUMBER;
			v->p = start;
			if (!number(s))
				return false;
			v->len = (size_t) (s->p - start);
			return true;
	}
}

bool
js_object(char *text, size_t n, const struct jkeys *k, struct jval *out)
{
	struct scan s = {text, text + n, 1};

	memset(out, 0, k->n * sizeof(*out));
	skip_ws(&s);
	if (s.p >= s.end || *s.p != '{' || !object(&s, k, out))
		return false;
	skip_ws(&s);
	return s.p == s.end;
}

bool
js_members(const struct jval *v, const struct jkeys *k, struct jval *out)
{
	struct scan s;

	memset(out, 0, k->n * sizeof(*out));
	if (v->type != JT_OBJECT)
		return false;
	s = (struct scan){v->p, v->p + v->len, 1};
	return object(&s, k, out);
}

void
js_array_each(const struct jval *v, bool (*fn)(void *arg, struct jval *e), void *arg)
{
	struct scan s;

	if (v->type != JT_ARRAY)
		return;
	s = (struct scan){v->p, v->p + v->len, 1};
	(void) array(&s, fn, arg);
}

static unsigned
hex4(const char *p)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++)
		v = v * 16 + (unsigned) (p[i] <= '9' ? p[i] - '0' : (p[i] | 0x20) - 'a' + 10);
	return v;
}

/* Writes code point C as UTF-8 at *W. */
static void
put_utf8(char **w, unsigned c)
{
	char *o = *w;

	if (c < 0x80)
		*o++ = (char) c;
	else if (c < 0x800)
	{
		*o++ = (char) (0xc0 | (c >> 6));
		*o++ = (char) (0x80 | (c & 0x3f));
	}
	else if (c < 0x10000)
	{
		*o++ = (char) (0xe0 | (c >> 12));
		*o++ = (char) (0x80 | ((c >> 6) & 0x3f));
		*o++ = (char) (0x80 | (c & 0x3f));
	}
	else
	{
		*o++ = (char) (0xf0 | (c >> 18));
		*o++ = (char) (0x80 | ((c >> 12) & 0x3f));
		*o++ = (char) (0x80 | ((c >> 6) & 0x3f));
		*o++ = (char) (0x80 | (c & 0x3f));
	}
	*w = o;
}

/* One escape at *R (the backslash), written at *W; both advanced. */
static void
unescape(char **r, char **w, const char *end)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	char *p = *r;
	unsigned c;

	if (p[1] != 'u')
	{
		*(*w)++ = to[strchr(from, p[1]) - from];
		*r = p + 2;
		return;
	}
	c = hex4(p + 2);
	p += 6;
	if (c >= 0xd800 && c < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
		hex4(p + 2) >= 0xdc00 && hex4(p + 2) < 0xe000)
	{
		c = 0x10000 + ((c - 0xd800) << 10) + (hex4(p + 2) - 0xdc00);
		p += 6;
	}
	else if (c >= 0xd800 && c < 0xe000)
		c = 0xfffd; /* a lone surrogate */
	put_utf8(w, c);
	*r = p;
}

const char *
jv_str(struct jval *v)
{
	char *r, *w, *end;

	if (v->type != JT_STRING)
		return NULL;
	if (v->decoded)
		return v->p;
	end = v->p + v->len;
	if (!v->escaped)
		r = w = end;
	else
		for (r = w = v->p; r < end;)
		{
			if (*r == '\\')
				unescape(&r, &w, end);
			else
				*w++ = *r++;
		}
	*w = '\0';
	v->len = (size_t) (w - v->p);
	v->decoded = true;
	return v->p;
}

bool
jv_int(const struct jval *v, long min, long max, long *out)
{
	long x = 0;
	size_t i = 0;
	bool neg;

	if (v->type != JT_NUMBER)
		return false;
	neg = v->p[0] == '-';
	for (i = neg; i < v->len; i++)
	{
		if (v->p[i] < '0' || v->p[i] > '9' || x > 100000000000L)
			return false;
		x = x * 10 + (v->p[i] - '0');
	}
	x = neg ? -x : x;
	if (x < min || x > max)
		return false;
	*out = x;
	return true;
}
