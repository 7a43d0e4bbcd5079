/*
 * jscan.h
 *	  A strict JSON scanner for the records the log tools read: it
 *	  validates a whole object (RFC 8259 grammar, nesting at most 32 deep,
 *	  nothing but white space after it) and hands back where the values of
 *	  the members it was asked for are, without building a tree; a string is
 *	  decoded (in place, in the caller's buffer) only when asked for.  The
 *	  fast path of report and reconcile: 300 MB of records in well under a
 *	  second.  Duplicate members: the last one wins, as with json-c.
 */
#ifndef PGTLS_SHIM_JSCAN_H
#define PGTLS_SHIM_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attr.h"

enum jtype
{
	JT_ABSENT = 0,
	JT_NULL,
	JT_FALSE,
	JT_TRUE,
	JT_NUMBER,
	JT_STRING,
	JT_OBJECT,
	JT_ARRAY
};

/* One value: where it is in the scanned text. */
struct jval
{
	char *p;	  /* its first byte; for a string the byte after the quote */
	size_t len;	  /* its bytes; for a string those between the quotes */
	uint8_t type; /* enum jtype */
	bool escaped; /* a string with a backslash in it */
	bool decoded; /* a string already decoded and NUL-terminated (jv_str) */
};

/*
 * The member names to look for, made once by jkeys_init from NAMES (N of
 * them, at most 64, each at most 63 bytes, without characters that need
 * escaping); the index of a name is the index of its value in js_object's
 * OUT.
 */
struct jkeys
{
	size_t n;
	const char *const *names;
	uint8_t len[64];
	uint8_t slot[128]; /* index + 1 of a name, open addressing by key_hash */
};
void jkeys_init(struct jkeys *k, const char *const *names, size_t n);

/*
 * Scans the object in S[0..N) (leading white space allowed), which must
 * be the whole text but for trailing white space: OUT[i] (K->n of them,
 * cleared first) gets the value of member K->names[i] when present.  False
 * when S is not exactly one valid JSON object.
 */
bool js_object(char *s, size_t n, const struct jkeys *k, struct jval *out) PGS_WUR;

/*
 * The array V (a JT_ARRAY): calls FN(ARG, element) for each element, in
 * order, until FN returns false.  V was validated by js_object.
 */
void js_array_each(const struct jval *v, bool (*fn)(void *arg, struct jval *e), void *arg);

/*
 * Members of the object V (a JT_OBJECT value from js_object or an array
 * element) into OUT, like js_object.  Always true for a validated V.
 */
bool js_members(const struct jval *v, const struct jkeys *k, struct jval *out) PGS_WUR;

/*
 * The string V as a NUL-terminated C string, decoded in place over its own
 * bytes (the closing quote becomes the NUL); NULL when V is not a string.
 * Escaped NULs (\u0000) end the string there.  After this call the text
 * around V can no longer be scanned again.
 */
const char *jv_str(struct jval *v);

/* V is JSON true. */
static inline bool
jv_true(const struct jval *v)
{
	return v->type == JT_TRUE;
}

/* V as an integer in [MIN, MAX] into *OUT; false when V is no such integer. */
bool jv_int(const struct jval *v, long min, long max, long *out) PGS_WUR;

#endif
