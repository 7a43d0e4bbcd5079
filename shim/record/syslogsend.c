/*
 * syslogsend.c
 *	  The syslog transport: one datagram per record straight to the
 *	  socket (the application's own openlog() settings are left alone),
 *	  "<PRI>TIMESTAMP IDENT[PID]: JSON" as syslog(3) sends it, PRI the
 *	  facility with the record's severity.  MSG_DONTWAIT: a receiver that
 *	  does not keep up loses the record (counted, see loss.h) instead of
 *	  blocking the application.
 */
#include "syslogsend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "utcdate.h"

bool
syslog_send(const struct sockaddr_un *addr, const char *ident, int facility, enum pgs_severity sev,
			const char *line, size_t len)
{
	char *msg;
	static const char months[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
									 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	char stamp[32];
	struct utc_date d;
	int fd;
	int n;
	bool ok = false;

	/* RFC 3164's "Mmm dd hh:mm:ss", in English whatever the locale, and in
	 * UTC: localtime_r takes glibc's tzset_lock (see utcdate.h); local
	 * receivers (rsyslog's imuxsock, journald) stamp with their own time. */
	utc_date_of((int64_t) time(NULL), &d);
	snprintf(stamp, sizeof(stamp), "%s %2d %02d:%02d:%02d", months[d.month - 1], d.day, d.hour,
			 d.minute, d.second);
	msg = malloc(len + strlen(ident) + 64);
	if (msg == NULL)
		return false;
	n = sprintf(msg, "<%d>%s %s[%d]: ", facility | pgs_severity_syslog(sev), stamp, ident,
				(int) getpid());
	memcpy(msg + n, line, len - 1); /* without the newline */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
	{
		ok = connect(fd, (const struct sockaddr *) addr, sizeof(*addr)) == 0 &&
			 send(fd, msg, (size_t) n + len - 1, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0;
		close(fd);
	}
	free(msg);
	return ok;
}
