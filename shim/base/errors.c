/*
 * errors.c
 *	  The error list: owns each message (malloc'd) and the array of them.
 */
#include "errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
errors_add(struct pgs_errors *errs, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	char **grown;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	/* One line each, whatever the file's values hold (found by fuzz_policy). */
	for (char *c = msg; c && *c; c++)
	{
		if ((unsigned char) *c < 0x20 || *c == 0x7f)
			*c = '?';
	}
	grown = msg ? realloc(errs->msg, (errs->n + 1) * sizeof(*grown)) : NULL;
	if (grown == NULL)
	{
		free(msg);
		errs->oom = true;
		return;
	}
	errs->msg = grown;
	errs->msg[errs->n++] = msg;
}

void
errors_free(struct pgs_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		free(errs->msg[i]);
	free(errs->msg);
	memset(errs, 0, sizeof(*errs));
}

char *
errors_join(const struct pgs_errors *errs)
{
	size_t len = 1;
	char *s;

	if (errs->n == 0)
		return strdup(errs->oom ? "out of memory" : "unknown error");
	for (size_t i = 0; i < errs->n; i++)
		len += strlen(errs->msg[i]) + 2;
	s = malloc(len);
	if (s == NULL)
		return NULL;
	len = 0;
	for (size_t i = 0; i < errs->n; i++)
	{
		size_t n = strlen(errs->msg[i]);

		if (i > 0)
		{
			memcpy(s + len, "; ", 2);
			len += 2;
		}
		memcpy(s + len, errs->msg[i], n);
		len += n;
	}
	s[len] = '\0';
	return s;
}
