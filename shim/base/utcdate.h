/*
 * utcdate.h
 *	  UTC calendar arithmetic for timestamps, without libc's time functions:
 *	  glibc's gmtime_r, timegm and localtime_r take its process-wide
 *	  tzset_lock, which another thread may hold when the host forks; a
 *	  child that then records a connection would wait on it for ever.
 */
#ifndef PGTLS_SHIM_UTCDATE_H
#define PGTLS_SHIM_UTCDATE_H

#include <stdint.h>

/* A moment in UTC, proleptic Gregorian calendar. */
struct utc_date
{
	long long year;
	int month; /* 1 to 12 */
	int day;   /* 1 to 31 */
	int hour, minute, second;
};

/* SECONDS since the epoch (negative before 1970) as a UTC date. */
void utc_date_of(int64_t seconds, struct utc_date *out);

/* The seconds since the epoch of a UTC date (the inverse; fields in range). */
int64_t utc_seconds_of(const struct utc_date *d);

#endif
