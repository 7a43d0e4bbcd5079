/*
 * syslogsend.h
 *	  One record to a syslog socket, at the priority of its severity.
 */
#ifndef PGTLS_SHIM_SYSLOGSEND_H
#define PGTLS_SHIM_SYSLOGSEND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/un.h>

#include "attr.h"
#include "severity.h"

/*
 * Sends LINE (LEN bytes, ending in '\n', sent without it) to the datagram
 * socket ADDR as IDENT[pid] with FACILITY | SEV's priority.  True when the
 * socket took it; false with errno set (or 0 on out-of-memory).  Never
 * waits for a slow receiver.
 */
bool syslog_send(const struct sockaddr_un *addr, const char *ident, int facility,
				 enum pgs_severity sev, const char *line, size_t len) PGS_WUR;

#endif
