/*
 * keybuf.c
 *	  Serialised cache keys.
 */
#include "keybuf.h"

#include <stdlib.h>
#include <string.h>

#include "filesig.h"

void
kb_init(struct keybuf *k)
{
	*k = (struct keybuf){.ok = true};
}

void
kb_put(struct keybuf *k, const void *data, size_t n)
{
	if (!k->ok)
		return;
	if (k->len + n > k->cap)
	{
		size_t cap = (k->len + n) * 2;
		unsigned char *p = realloc(k->p, cap);

		if (p == NULL)
		{
			k->ok = false;
			return;
		}
		k->p = p;
		k->cap = cap;
	}
	memcpy(k->p + k->len, data, n);
	k->len += n;
}

void
kb_put_str(struct keybuf *k, const char *s)
{
	kb_put(k, s ? "s" : "n", 1);
	if (s)
		kb_put(k, s, strlen(s) + 1);
}

bool
kb_put_file(struct keybuf *k, const char *path)
{
	struct file_sig sig;

	kb_put_str(k, path);
	if (path == NULL)
		return true;
	if (!filesig_read(path, &sig))
		return false;
	kb_put(k, &sig, sizeof(sig)); /* zeroed by filesig_read, padding included */
	return true;
}
