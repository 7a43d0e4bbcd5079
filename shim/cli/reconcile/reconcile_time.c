/*
 * reconcile_time.c
 *	  The time in a server log line's prefix, which `pgtls-shim reconcile`
 *	  compares with the records' ts: %m ("2026-11-26 02:37:47.123 UTC"), %t
 *	  (the same without milliseconds) or %n (Unix epoch with milliseconds).
 *	  The date and time are read by logs/logtime.c, the one time parser;
 *	  the zone is this file's.  %m and %t print log_timezone's
 *	  abbreviation: UTC, GMT, a numeric offset ("+03", "-0530") and the
 *	  common abbreviations below are understood; another is read as UTC and
 *	  counted, so that the summary can say so.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "logtime.h"
#include "reconcile.h"

static const struct
{
	const char *abbrev;
	int minutes;
} zones[] = {
	{"UTC", 0},	   {"GMT", 0},	  {"UT", 0},	 {"Z", 0},		{"WET", 0},	   {"WEST", 60},
	{"BST", 60},   {"CET", 60},	  {"CEST", 120}, {"EET", 120},	{"EEST", 180}, {"MSK", 180},
	{"IST", 330},  {"JST", 540},  {"KST", 540},	 {"AEST", 600}, {"AEDT", 660}, {"NZST", 720},
	{"NZDT", 780}, {"EST", -300}, {"EDT", -240}, {"CST", -360}, {"CDT", -300}, {"MST", -420},
	{"MDT", -360}, {"PST", -480}, {"PDT", -420}, {"HST", -600},
};

/* The zone at S (an abbreviation, or +HH / +HHMM); false when unknown. */
static bool
zone_minutes(const char *s, int *minutes)
{
	size_t n = 0;

	if ((s[0] == '+' || s[0] == '-') && isdigit((unsigned char) s[1]) &&
		isdigit((unsigned char) s[2]))
	{
		int m = ((s[1] - '0') * 10 + (s[2] - '0')) * 60;

		if (isdigit((unsigned char) s[3]) && isdigit((unsigned char) s[4]))
			m += (s[3] - '0') * 10 + (s[4] - '0');
		*minutes = s[0] == '-' ? -m : m;
		return true;
	}
	while (isalpha((unsigned char) s[n]))
		n++;
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
	{
		if (strlen(zones[i].abbrev) == n && strncmp(s, zones[i].abbrev, n) == 0)
		{
			*minutes = zones[i].minutes;
			return true;
		}
	}
	return false;
}

/* "YYYY-MM-DD HH:MM:SS" at S? */
static bool
looks_like_time(const char *s)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd";

	for (size_t i = 0; i < sizeof(shape) - 1; i++)
	{
		if (shape[i] == 'd' ? !isdigit((unsigned char) s[i]) : (s[i] != shape[i]))
			return false;
	}
	return true;
}

/* Reads %m/%t at S into *MS; returns the end of it.  The zone is after a space. */
static const char *
parse_time(const char *s, int64_t *ms, bool *unknown_zone)
{
	const char *p;
	int minutes = 0;
	int64_t t;

	if (!lt_datetime(s, &t, &p))
		return NULL;
	if (*p == ' ' && p[1] != '[')
	{
		*unknown_zone = !zone_minutes(p + 1, &minutes);
		for (p++; *p && *p != ' ' && *p != ':' && *p != ']'; p++)
			;
	}
	*ms = t - (int64_t) minutes * 60 * 1000;
	return p;
}
const char *
rc_parse_logtime(const char *prefix, int64_t *ms, bool *unknown_zone)
{
	char *end;
	double epoch;

	*ms = 0;
	for (const char *p = prefix; *p; p++)
		if (isdigit((unsigned char) *p) && looks_like_time(p))
			return parse_time(p, ms, unknown_zone);
	epoch = strtod(prefix, &end); /* %n */
	if (isdigit((unsigned char) prefix[0]) && end - prefix >= 10 && !isdigit((unsigned char) *end))
	{
		*ms = (int64_t) (epoch * 1000.0 + 0.5);
		return end;
	}
	return prefix;
}
