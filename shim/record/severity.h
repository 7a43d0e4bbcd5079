/*
 * severity.h
 *	  A record's severity (contract: `severity`) and the syslog priority
 *	  the syslog transport sends it with.
 */
#ifndef PGTLS_SHIM_SEVERITY_H
#define PGTLS_SHIM_SEVERITY_H

enum pgs_severity
{
	PGS_SEV_INFO,	 /* connected as the policy wants */
	PGS_SEV_NOTICE,	 /* audit: would refuse; would break at rotation */
	PGS_SEV_WARNING, /* an expiry or other warning */
	PGS_SEV_ERROR	 /* refused, failed, policy_error, blind_spot, records_lost */
};

/* "info", "notice", "warning" or "error". */
const char *pgs_severity_name(enum pgs_severity sev);

/* LOG_INFO, LOG_NOTICE, LOG_WARNING or LOG_ERR. */
int pgs_severity_syslog(enum pgs_severity sev);

#endif
