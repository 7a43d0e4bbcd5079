/*
 * severity.c
 *	  Names and syslog priorities of the four severities.
 */
#include "severity.h"

#include <syslog.h>

const char *
pgs_severity_name(enum pgs_severity sev)
{
	static const char *const names[] = {"info", "notice", "warning", "error"};

	return names[sev];
}

int
pgs_severity_syslog(enum pgs_severity sev)
{
	static const int prio[] = {LOG_INFO, LOG_NOTICE, LOG_WARNING, LOG_ERR};

	return prio[sev];
}
