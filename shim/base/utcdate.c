/*
 * utcdate.c
 *	  Days since the epoch to a civil date and back: H. Hinnant's
 *	  civil_from_days and days_from_civil, in 400-year eras.  No lock, no
 *	  locale, no time zone.
 */
#include "utcdate.h"

/* Floor division, for dates before the epoch. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void
utc_date_of(int64_t seconds, struct utc_date *out)
{
	int64_t days = floor_div(seconds, 86400);
	int64_t sod = seconds - days * 86400;
	int64_t z = days + 719468; /* days since 0000-03-01 */
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153; /* March = 0 */

	out->day = (int) (doy - (153 * mp + 2) / 5 + 1);
	out->month = (int) (mp < 10 ? mp + 3 : mp - 9);
	out->year = yoe + era * 400 + (out->month <= 2);
	out->hour = (int) (sod / 3600);
	out->minute = (int) (sod / 60 % 60);
	out->second = (int) (sod % 60);
}

int64_t
utc_seconds_of(const struct utc_date *d)
{
	int64_t y = (int64_t) d->year - (d->month <= 2);
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t mp = d->month > 2 ? d->month - 3 : d->month + 9;
	int64_t doy = (153 * mp + 2) / 5 + d->day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;

	return days * 86400 + (int64_t) d->hour * 3600 + (int64_t) d->minute * 60 + d->second;
}
