/*
 * sink.c
 *	  Record output.  A log file is opened O_APPEND|O_NOFOLLOW and written
 *	  with one write() per record, so records from many processes never
 *	  interleave.  Before each record the path is stat'ed: a rotated or
 *	  deleted file is reopened.  A file created here gets exactly log.mode
 *	  (umask aside); in a directory writable by others, a file owned by
 *	  someone else is refused.  Syslog messages go straight to /dev/log, so
 *	  the application's own openlog() settings are left alone: one datagram
 *	  per record, "<PRI>TIMESTAMP IDENT[PID]: JSON", as syslog(3) sends
 *	  (the TIMESTAMP in UTC: no libc time function, see utcdate.h).
 */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "forksafe.h"
#include "text.h"
#include "utcdate.h"

struct sink
{
	enum pgs_log_kind kind;
	char *path;
	int mode;
	char *ident;
	int facility;
	struct sockaddr_un addr; /* syslog socket */
	int fd;					 /* -1 when closed */
	dev_t dev;
	ino_t ino;
	bool failing;	 /* a diagnostic was printed, none since */
	const char *why; /* static: why open_file refused, or NULL */
};

/*
 * One lock for every sink: a record is one write(), so serialising them
 * costs nothing measurable, and a process-wide lock is one the fork
 * handlers know (a child never inherits it held).
 */
static struct proc_lock sink_lock = PROC_LOCK_INIT;

struct sink *
sink_open(const struct pgs_log_cfg *cfg)
{
	struct sink *s;

	if (cfg->kind == PGS_LOG_NONE)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->kind = cfg->kind;
	s->mode = cfg->file_mode;
	s->facility = cfg->syslog_facility;
	s->fd = -1;
	/* For syslog, "path" is the socket: it is what a diagnostic names. */
	if (cfg->kind == PGS_LOG_SYSLOG && cfg->syslog_socket)
		s->path = strdup(cfg->syslog_socket);
	else
		s->path = strdup(cfg->path ? cfg->path : "stderr");
	s->ident = strdup(cfg->syslog_ident ? cfg->syslog_ident : "pgtls-shim");
	s->addr.sun_family = AF_UNIX;
	snprintf(s->addr.sun_path, sizeof(s->addr.sun_path), "%s", s->path);
	if (s->path == NULL || s->ident == NULL)
	{
		sink_close(s);
		return NULL;
	}
	return s;
}

static void
diagnose(struct sink *s, const char *what, int err)
{
	char msg[PATH_MAX + 256];
	int n;

	if (s->failing)
		return;
	s->failing = true;
	n = snprintf(msg, sizeof(msg),
				 "pgtls-shim: cannot write log %s: %s: %s "
				 "(records are lost until it works again)\n",
				 s->path, what, s->why ? s->why : error_text(err));
	if (n > 0 &&
		write(STDERR_FILENO, msg, (size_t) n < sizeof(msg) ? (size_t) n : sizeof(msg) - 1) < 0)
		return; /* nowhere left to report to */
}

/*
 * The directory of PATH: 1 when others can write to it (anyone could swap
 * the file), 2 when they can but it is sticky (like /tmp: only the file's
 * owner can remove it), 0 when they cannot, -1 when it cannot be checked.
 */
static int
dir_open_to_others(const char *path)
{
	char copy[PATH_MAX];
	size_t len = strlen(path);
	struct stat st;

	if (len >= sizeof(copy))
		return -1;
	memcpy(copy, path, len + 1);
	if (stat(dirname(copy), &st) != 0)
		return -1;
	if ((st.st_mode & S_IWOTH) == 0)
		return 0;
	return (st.st_mode & S_ISVTX) ? 2 : 1;
}

/* Opens s->path; returns the fd or -1 with errno set. */
static int
open_file(struct sink *s)
{
	/* O_NONBLOCK: a FIFO planted at the path must not hang the host process. */
	int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK;
	int fd;
	bool created = true;
	struct stat st;
	int others = dir_open_to_others(s->path);

	s->why = NULL; /* errno says why, unless one of the checks below does */
	if (others == 1)
	{
		s->why = "its directory is writable by others";
		errno = EPERM;
		return -1;
	}
	fd = open(s->path, flags | O_CREAT | O_EXCL, (mode_t) s->mode);
	if (fd < 0 && errno == EEXIST)
	{
		created = false;
		fd = open(s->path, flags);
	}
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
	{
		s->why = "not a regular file";
		close(fd);
		errno = EPERM;
		return -1;
	}
	if (!created && st.st_uid != geteuid() && others != 0)
	{
		s->why = "owned by another user in a directory writable by others";
		close(fd);
		errno = EPERM;
		return -1;
	}
	/* Exactly log.mode, whatever the umask; on failure open()'s stricter one stays. */
	if (created)
		(void) fchmod(fd, (mode_t) s->mode);
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return fd;
}

/* Makes s->fd point at the file now at s->path.  Caller holds sink_lock. */
static bool
ensure_open(struct sink *s)
{
	struct stat st;

	if (s->fd >= 0 && stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		return true;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = open_file(s);
	if (s->fd < 0)
	{
		diagnose(s, "open", errno);
		return false;
	}
	return true;
}

/* write() of the whole buffer; partial writes count as failures. */
static bool
write_all_once(int fd, const char *buf, size_t len)
{
	ssize_t n;

	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n >= 0 && (size_t) n != len)
		errno = ENOSPC;
	return n >= 0 && (size_t) n == len;
}

static bool
send_syslog(struct sink *s, const char *line, size_t len)
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
	msg = malloc(len + strlen(s->ident) + 64);
	if (msg == NULL)
		return false;
	n = sprintf(msg, "<%d>%s %s[%d]: ", s->facility | LOG_INFO, stamp, s->ident, (int) getpid());
	memcpy(msg + n, line, len - 1); /* without the newline */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
	{
		ok = connect(fd, (const struct sockaddr *) &s->addr, sizeof(s->addr)) == 0 &&
			 send(fd, msg, (size_t) n + len - 1, MSG_NOSIGNAL) >= 0;
		close(fd);
	}
	free(msg);
	return ok;
}

void
sink_write(struct sink *s, const char *line, size_t len)
{
	int saved = errno;
	bool ok = false;

	if (s == NULL || len == 0)
		return;
	proc_lock(&sink_lock);
	switch (s->kind)
	{
		case PGS_LOG_FILE:
			ok = ensure_open(s) && write_all_once(s->fd, line, len);
			if (!ok && s->fd >= 0)
				diagnose(s, "write", errno);
			break;
		case PGS_LOG_STDERR:
			ok = write_all_once(STDERR_FILENO, line, len);
			break;
		case PGS_LOG_SYSLOG:
			ok = send_syslog(s, line, len);
			if (!ok)
				diagnose(s, "send", errno);
			break;
		case PGS_LOG_NONE:
			break;
	}
	if (ok)
		s->failing = false;
	proc_unlock(&sink_lock);
	errno = saved;
}

void
sink_close(struct sink *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s->ident);
	free(s);
}
