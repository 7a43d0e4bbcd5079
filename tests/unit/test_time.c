/*
 * test_time.c
 *	  The shim's own UTC arithmetic (utcdate.c) and the record's timestamp
 *	  against glibc's gmtime_r and timegm, which the library may not call
 *	  (their lock can be held at a fork): edges and a million random
 *	  moments from 1900 to 9999.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text.h"
#include "utcdate.h"

#include "check.h"

/* Does the shim agree with glibc at second S (and millisecond MS)? */
static int
agrees(int64_t s, int ms)
{
	time_t t = (time_t) s;
	struct tm tm;
	struct utc_date d;
	char want[64];
	char got[64];
	size_t n;

	if (gmtime_r(&t, &tm) == NULL)
		return 0;
	utc_date_of(s, &d);
	if (d.year != tm.tm_year + 1900LL || d.month != tm.tm_mon + 1 || d.day != tm.tm_mday ||
		d.hour != tm.tm_hour || d.minute != tm.tm_min || d.second != tm.tm_sec)
		return 0;
	if (utc_seconds_of(&d) != (int64_t) timegm(&tm))
		return 0;
	n = strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(want + n, sizeof(want) - n, ".%03dZ", ms);
	format_ts(s * 1000 + ms, got, sizeof(got));
	if (strcmp(want, got) != 0)
		printf("format_ts(%lld): %s, not %s\n", (long long) (s * 1000 + ms), got, want);
	return strcmp(want, got) == 0;
}

int
main(void)
{
	static const int64_t edges[] = {0,			 -1,		   86399,	   86400,	   -86400,
									951782400,	 951868800,	   2147483647, 2147483648, 4102444800,
									-2208988800, 253402300799, 1582934400};
	int bad = 0;

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		CHECK(agrees(edges[i], 0) && agrees(edges[i], 999));
	srandom(20261126);
	for (int i = 0; i < 1000000; i++)
	{
		/* 1900-01-01 to 9999-12-31 */
		int64_t s = -2208988800LL +
					(int64_t) (((uint64_t) random() << 31 | (uint64_t) random()) % 317773440000ULL);

		bad += !agrees(s, (int) (random() % 1000));
	}
	CHECK(bad == 0);
	return check_summary();
}
