/*
 * text.c
 *	  Text helpers.  None of them depends on the locale: a host process
 *	  that called setlocale() must not change what a record says.
 */
#include "text.h"

#include <errno.h>
#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "utcdate.h"

char *
one_line(const char *msg)
{
	char *out;
	size_t o = 0;
	bool space = false;

	if (msg == NULL)
		return NULL;
	out = malloc(strlen(msg) + 1);
	if (out == NULL)
		return NULL;
	for (const char *p = msg; *p; p++)
	{
		if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ')
		{
			space = o > 0;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = false;
		out[o++] = *p;
	}
	out[o] = '\0';
	return out;
}

void
hex_lower(const unsigned char *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++)
	{
		*out++ = digits[data[i] >> 4];
		*out++ = digits[data[i] & 15];
	}
	*out = '\0';
}

const char *
error_text(int err)
{
	int saved = errno;
	/* glibc hands out its static C locale for "C": nothing to free. */
	locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t) 0);
	locale_t before = c ? uselocale(c) : (locale_t) 0;
	const char *text = strerror(err);

	if (c)
		(void) uselocale(before);
	errno = saved;
	return text;
}

void
format_ts(int64_t ts_ms, char *buf, size_t len)
{
	int64_t s = ts_ms / 1000 - (ts_ms % 1000 < 0);
	struct utc_date d;

	utc_date_of(s, &d); /* not gmtime_r: see utcdate.h */
	snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", d.year, d.month, d.day, d.hour,
			 d.minute, d.second, (int) (ts_ms - s * 1000));
}
