/*
 * keybuf.h
 *	  A cache key built from the inputs of a computation, serialised so
 *	  that two keys are equal exactly when their bytes are (memcmp): files
 *	  are keyed by path and signature, so a replaced file is another key.
 */
#ifndef PGTLS_SHIM_KEYBUF_H
#define PGTLS_SHIM_KEYBUF_H

#include <stdbool.h>
#include <stddef.h>

struct keybuf
{
	unsigned char *p; /* malloc'd; the owner frees it */
	size_t len;
	size_t cap;
	bool ok; /* false after an allocation failure */
};

/* An empty, usable key. */
void kb_init(struct keybuf *k);
void kb_put(struct keybuf *k, const void *data, size_t n);
/* S with a marker telling NULL from "". */
void kb_put_str(struct keybuf *k, const char *s);
/*
 * PATH and, when it is not NULL, its file signature.  Returns false when
 * PATH cannot be stat'ed (the key then describes no version of it).
 */
bool kb_put_file(struct keybuf *k, const char *path);

#endif
