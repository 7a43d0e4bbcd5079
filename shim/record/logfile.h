/*
 * logfile.h
 *	  Opening the log file the sink appends to, with the checks that keep
 *	  the shim (often root) from writing where someone else steers it.
 */
#ifndef PGTLS_SHIM_LOGFILE_H
#define PGTLS_SHIM_LOGFILE_H

#include <sys/stat.h>

#include "attr.h"

/*
 * Opens (creating it with exactly MODE, umask aside) the log file PATH for
 * appending.  Returns the fd, with *ST its fstat, or -1 with errno set;
 * when one of the safety checks refused it, *WHY (static text) says why,
 * else *WHY is NULL.
 */
int logfile_open(const char *path, int mode, struct stat *st, const char **why) PGS_WUR;

#endif
