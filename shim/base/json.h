/*
 * json.h
 *	  A small JSON writer into a growable buffer, for the log record.  Strings
 *	  are escaped so that the output is always one line of valid JSON, even
 *	  for invalid UTF-8 (each bad byte becomes U+FFFD).
 */
#ifndef PGTLS_SHIM_JSON_H
#define PGTLS_SHIM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jbuf
{
	char *p; /* NUL-terminated when !oom */
	size_t len;
	size_t cap;
	bool oom;		 /* an allocation failed; content is unusable */
	bool need_comma; /* next value in the current container needs ',' */
};

/* All writers are no-ops once oom is set; check jb_ok() at the end. */
void jb_init(struct jbuf *b);
void jb_free(struct jbuf *b);
bool jb_ok(const struct jbuf *b);

void jb_obj_begin(struct jbuf *b);
void jb_obj_end(struct jbuf *b);
void jb_arr_begin(struct jbuf *b);
void jb_arr_end(struct jbuf *b);
void jb_key(struct jbuf *b, const char *key);

void jb_str(struct jbuf *b, const char *s); /* NULL writes null */
void jb_strn(struct jbuf *b, const char *s, size_t n);
void jb_int(struct jbuf *b, int64_t v);
void jb_bool(struct jbuf *b, bool v);
void jb_null(struct jbuf *b);

/* Key + value shorthands. */
void jb_kstr(struct jbuf *b, const char *key, const char *s);
void jb_kint(struct jbuf *b, const char *key, int64_t v);
void jb_kbool(struct jbuf *b, const char *key, bool v);
void jb_knull(struct jbuf *b, const char *key);

/* Appends raw bytes (no escaping, no comma handling). */
void jb_raw(struct jbuf *b, const char *s, size_t n);

#endif
