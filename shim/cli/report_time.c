/*
 * report_time.c
 *	  Times for `pgtls-shim report`: the records' ts (RFC 3339 UTC with
 *	  milliseconds) and --since/--until (RFC 3339 with any offset, or a
 *	  date), as milliseconds since the epoch so they compare as numbers.
 */
#include <string.h>
#include <time.h>

#include "report.h"

/* Reads N decimal digits at S into *V; false when they are not all digits. */
static bool
digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* The offset east of UTC in seconds at S ("Z", "+HH:MM", "-HH:MM"). */
static bool
parse_offset(const char *s, long *off)
{
	int h, m;

	if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0)
		return (*off = 0), true;
	if ((s[0] != '+' && s[0] != '-') || !digits(s + 1, 2, &h) || s[3] != ':' ||
		!digits(s + 4, 2, &m) || s[6] != '\0')
		return false;
	*off = (s[0] == '-' ? -1 : 1) * (h * 3600L + m * 60L);
	return true;
}

bool
report_parse_time(const char *s, bool end, int64_t *ms)
{
	struct tm tm = {0};
	int frac = 0, fdigits = 0;
	long off = 0;
	const char *p = s + 10;

	if (strlen(s) < 10 || !digits(s, 4, &tm.tm_year) || s[4] != '-' ||
		!digits(s + 5, 2, &tm.tm_mon) || s[7] != '-' || !digits(s + 8, 2, &tm.tm_mday) ||
		tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if (*p == '\0')
	{
		*ms = ((int64_t) timegm(&tm) + (end ? 86400 : 0)) * 1000;
		return true;
	}
	if ((*p != 'T' && *p != 't' && *p != ' ') || !digits(p + 1, 2, &tm.tm_hour) || p[3] != ':' ||
		!digits(p + 4, 2, &tm.tm_min) || p[6] != ':' || !digits(p + 7, 2, &tm.tm_sec) ||
		tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	p += 9;
	if (*p == '.')
	{
		for (p++; *p >= '0' && *p <= '9'; p++, fdigits++)
			if (fdigits < 3)
				frac = frac * 10 + (*p - '0');
		if (fdigits == 0)
			return false;
		for (int i = fdigits; i < 3; i++)
			frac *= 10;
	}
	if (!parse_offset(p, &off))
		return false;
	*ms = ((int64_t) timegm(&tm) - off) * 1000 + frac;
	return true;
}
