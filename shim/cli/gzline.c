/*
 * gzline.c
 *	  Lines of any length from a plain or gzip-compressed log.
 */
#include "gzline.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

long
cli_gz_getline(gzFile f, char **buf, size_t *cap)
{
	size_t len = 0;

	for (;;)
	{
		if (*cap - len < 2)
		{
			size_t ncap = *cap ? *cap * 2 : 65536;
			char *nbuf = realloc(*buf, ncap);

			if (nbuf == NULL)
				return -2;
			*buf = nbuf;
			*cap = ncap;
		}
		if (gzgets(f, *buf + len, (int) (*cap - len > INT32_MAX ? INT32_MAX : *cap - len)) == NULL)
			return len ? (long) len : -1;
		len += strlen(*buf + len);
		if (len > 0 && (*buf)[len - 1] == '\n')
			return (long) len;
	}
}
