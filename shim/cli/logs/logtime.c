/*
 * logtime.c
 *	  The log tools' times (logtime.h), by hand over the digits, and UTC by
 *	  base/utcdate.c's arithmetic (no timegm, no TZ).
 */
#include "logtime.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "utcdate.h"

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

static int
days_in_month(long long y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

/* "YYYY-MM-DD" at S into D; false when it is not a date of the calendar. */
static bool
date(const char *s, struct utc_date *d)
{
	int y, m, day;

	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
		!digits(s + 8, 2, &day) || m < 1 || m > 12 || day < 1 || day > days_in_month(y, m))
		return false;
	memset(d, 0, sizeof(*d));
	d->year = y;
	d->month = m;
	d->day = day;
	return true;
}

bool
lt_datetime(const char *s, int64_t *ms, const char **end)
{
	struct utc_date d;
	const char *p = s + 10;
	int frac = 0, n = 0;

	if (strnlen(s, 19) < 19 || !date(s, &d) || (*p != 'T' && *p != 't' && *p != ' ') ||
		!digits(p + 1, 2, &d.hour) || p[3] != ':' || !digits(p + 4, 2, &d.minute) || p[6] != ':' ||
		!digits(p + 7, 2, &d.second) || d.hour > 23 || d.minute > 59 || d.second > 60)
		return false;
	p += 9;
	if (*p == '.')
	{
		for (p++; *p >= '0' && *p <= '9'; p++, n++)
			if (n < 3)
				frac = frac * 10 + (*p - '0');
		if (n == 0)
			return false;
		for (int i = n; i < 3; i++)
			frac *= 10;
	}
	*ms = utc_seconds_of(&d) * 1000 + frac;
	*end = p;
	return true;
}

/* The offset east of UTC in seconds of the whole S ("Z", "+HH:MM", "-HH:MM"). */
static bool
offset(const char *s, int64_t *off)
{
	int h, m;

	if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0)
		return (*off = 0), true;
	if ((s[0] != '+' && s[0] != '-') || !digits(s + 1, 2, &h) || s[3] != ':' ||
		!digits(s + 4, 2, &m) || s[6] != '\0' || h > 23 || m > 59)
		return false;
	*off = (s[0] == '-' ? -1 : 1) * (h * 3600L + m * 60L);
	return true;
}

bool
lt_rfc3339(const char *s, int64_t *ms)
{
	const char *end;
	int64_t t, off;

	if (!lt_datetime(s, &t, &end) || !offset(end, &off))
		return false;
	*ms = t - off * 1000;
	return true;
}

/* "N" then a unit at S: milliseconds into *MS. */
static bool
relative(const char *s, int64_t *ms)
{
	static const char units[] = "smhdw";
	static const int64_t unit_ms[] = {1000, 60000, 3600000, 86400000, 604800000};
	char *end;
	long long n;
	const char *u;

	if (s[0] < '0' || s[0] > '9')
		return false;
	n = strtoll(s, &end, 10);
	if (end[0] == '\0' || end[1] != '\0' || (u = strchr(units, end[0])) == NULL || n > 1000000000LL)
		return false;
	*ms = (int64_t) n * unit_ms[u - units];
	return true;
}

bool
lt_when(const char *s, int64_t now_ms, bool end, int64_t *ms)
{
	struct utc_date d;
	int64_t ago;

	if (strlen(s) == 10 && date(s, &d))
	{
		*ms = (utc_seconds_of(&d) + (end ? 86400 : 0)) * 1000;
		return true;
	}
	if (relative(s, &ago))
	{
		*ms = now_ms - ago;
		return true;
	}
	return lt_rfc3339(s, ms);
}

int64_t
lt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
