/*
 * logtime.h
 *	  The one time parser of the log tools: a record's ts and --since/--until
 *	  (RFC 3339 with any offset, a date, or a time relative to now such as
 *	  1h or 7d), and the date-time part of a PostgreSQL log line's prefix
 *	  (reconcile adds the zone).  Times are milliseconds since the epoch,
 *	  so that they compare as numbers.
 */
#ifndef PGTLS_SHIM_LOGTIME_H
#define PGTLS_SHIM_LOGTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attr.h"

/*
 * "YYYY-MM-DD HH:MM:SS[.fraction]" (the separator 'T', 't' or ' ') at S,
 * read as UTC into *MS (milliseconds; digits past the third are dropped);
 * *END gets the byte after it.  False when S does not start with one, or a
 * field is out of range.
 */
bool lt_datetime(const char *s, int64_t *ms, const char **end) PGS_WUR;

/*
 * An RFC 3339 time (the date-time above then "Z" or "+HH:MM"/"-HH:MM"),
 * the whole NUL-terminated S, into *MS.  False when S is not one.
 */
bool lt_rfc3339(const char *s, int64_t *ms) PGS_WUR;

/*
 * What --since and --until accept, into *MS: an RFC 3339 time; a date
 * YYYY-MM-DD (UTC), its first millisecond, or with END the first of the
 * next day (so that --until DATE includes that day); or N followed by s, m,
 * h, d or w, that long before NOW_MS.  False when S is none of them.
 */
bool lt_when(const char *s, int64_t now_ms, bool end, int64_t *ms) PGS_WUR;

/* The time now, for lt_when. */
int64_t lt_now_ms(void);

#endif
