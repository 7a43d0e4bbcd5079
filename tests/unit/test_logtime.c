/*
 * test_logtime.c
 *	  The log tools' one time parser (cli/logs/logtime.c): RFC 3339 with
 *	  any offset and fraction, dates (the start of the day, or the end for
 *	  --until), relative times (30m, 1h, 7d, 2w, 10s), the PostgreSQL
 *	  log prefix's date-time, and bad input of every kind; checked against
 *	  glibc's timegm.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "logtime.h"

#include "check.h"

/* Milliseconds of a UTC date-time, by glibc. */
static int64_t
utc(int y, int mo, int d, int h, int mi, int s, int ms)
{
	struct tm tm = {.tm_year = y - 1900,
					.tm_mon = mo - 1,
					.tm_mday = d,
					.tm_hour = h,
					.tm_min = mi,
					.tm_sec = s};

	return (int64_t) timegm(&tm) * 1000 + ms;
}

static bool
rfc(const char *s, int64_t want)
{
	int64_t got = 0;

	if (!lt_rfc3339(s, &got) || got != want)
	{
		printf("%s: %lld, not %lld\n", s, (long long) got, (long long) want);
		return false;
	}
	return true;
}

static void
test_rfc3339(void)
{
	static const char *const bad[] = {
		"",
		"2026-11-26",
		"2026-11-26T02:37:47",
		"2026-11-26T02:37:47.Z",
		"2026-11-26T02:37:47+0100",
		"2026-11-26T02:37:47+01",
		"2026-11-26T24:00:00Z",
		"2026-11-26T02:60:00Z",
		"2026-13-01T00:00:00Z",
		"2026-02-29T00:00:00Z",
		"2026-04-31T00:00:00Z",
		"2026-11-26T02:37:47Zx",
		"2026-11-26X02:37:47Z",
		"26-11-26T02:37:47Z",
		"2026-11-26T02:37:47+25:00",
		"yesterday",
		"2026-1-26T02:37:47Z",
	};
	int64_t t;

	CHECK(rfc("2026-11-26T02:37:47.123Z", utc(2026, 11, 26, 2, 37, 47, 123)));
	CHECK(rfc("2026-11-26T02:37:47Z", utc(2026, 11, 26, 2, 37, 47, 0)));
	CHECK(rfc("2026-11-26t02:37:47z", utc(2026, 11, 26, 2, 37, 47, 0)));
	CHECK(rfc("2026-11-26 02:37:47.5Z", utc(2026, 11, 26, 2, 37, 47, 500)));
	CHECK(rfc("2026-11-26T02:37:47.123456+00:00", utc(2026, 11, 26, 2, 37, 47, 123)));
	CHECK(rfc("2026-11-26T03:37:47.000+01:00", utc(2026, 11, 26, 2, 37, 47, 0)));
	CHECK(rfc("2026-11-25T21:07:47.000-05:30", utc(2026, 11, 26, 2, 37, 47, 0)));
	CHECK(rfc("2028-02-29T00:00:00Z", utc(2028, 2, 29, 0, 0, 0, 0)));
	CHECK(rfc("1969-12-31T23:59:59.999Z", -1));
	CHECK(rfc("2026-12-31T23:59:60Z", utc(2027, 1, 1, 0, 0, 0, 0))); /* a leap second */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		if (lt_rfc3339(bad[i], &t))
			printf("accepted: \"%s\"\n", bad[i]);
		CHECK(!lt_rfc3339(bad[i], &t));
	}
}

static void
test_when(void)
{
	const int64_t now = utc(2026, 12, 7, 12, 0, 0, 0);
	static const char *const bad[] = {"",	 "h",			"1",		 "1y",			"-1h",
									  "1hh", "1.5h",		"2026-12-7", "2026-12-07T", "yesterday",
									  "1 h", "99999999999d"};
	int64_t t;

	CHECK(lt_when("2026-12-07", now, false, &t) && t == utc(2026, 12, 7, 0, 0, 0, 0));
	CHECK(lt_when("2026-12-07", now, true, &t) && t == utc(2026, 12, 8, 0, 0, 0, 0));
	CHECK(lt_when("2026-12-31", now, true, &t) && t == utc(2027, 1, 1, 0, 0, 0, 0));
	CHECK(lt_when("1h", now, false, &t) && t == now - 3600000);
	CHECK(lt_when("30m", now, false, &t) && t == now - 1800000);
	CHECK(lt_when("7d", now, true, &t) && t == now - 7 * 86400000LL);
	CHECK(lt_when("2w", now, false, &t) && t == now - 14 * 86400000LL);
	CHECK(lt_when("10s", now, false, &t) && t == now - 10000);
	CHECK(lt_when("0h", now, false, &t) && t == now);
	CHECK(lt_when("2026-12-07T13:00:00+01:00", now, false, &t) && t == now);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		if (lt_when(bad[i], now, false, &t))
			printf("accepted: \"%s\"\n", bad[i]);
		CHECK(!lt_when(bad[i], now, false, &t));
	}
	t = lt_now_ms();
	CHECK(t > utc(2020, 1, 1, 0, 0, 0, 0));
}

static void
test_datetime(void)
{
	const char *end = NULL;
	int64_t t;

	CHECK(lt_datetime("2026-11-26 02:37:47.123 UTC [42]", &t, &end) &&
		  t == utc(2026, 11, 26, 2, 37, 47, 123) && strcmp(end, " UTC [42]") == 0);
	CHECK(lt_datetime("2026-11-26 02:37:47 CET", &t, &end) &&
		  t == utc(2026, 11, 26, 2, 37, 47, 0) && strcmp(end, " CET") == 0);
	CHECK(!lt_datetime("2026-11-26 02:37", &t, &end));
	CHECK(!lt_datetime("2026-11-26 02:37:4", &t, &end));
}

int
main(void)
{
	test_rfc3339();
	test_when();
	test_datetime();
	return check_summary();
}
