/*
 * sink.c
 *	  Record output.  A log file is opened O_APPEND|O_NOFOLLOW and written
 *	  with one write() per record, so records from many processes never
 *	  interleave.  Before each record the path is stat'ed: a rotated or
 *	  deleted file is reopened.  A file created here gets exactly log.mode
 *	  (umask aside); in a directory writable by others, a file owned by
 *	  someone else is refused.  Syslog: syslogsend.h.
 *
 *	  A full device never tears a line: the blocks a record will take (and
 *	  RESERVE_MARGIN more, for records other processes append meanwhile)
 *	  are reserved with fallocate(FALLOC_FL_KEEP_SIZE) first, and a record
 *	  that cannot get them is not written at all.  What still holds without
 *	  fallocate (NFS) or if more than RESERVE_MARGIN is appended by others
 *	  between the reservation and the write: a short write's rest is kept
 *	  and written first next time when nothing was appended after the
 *	  fragment, which makes its line whole; else the fragment stays.
 *	  Records not written are counted per process (loss.h) and reported in
 *	  a records_lost event before the next record that is written.
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
#include <unistd.h>

#include "clock.h"
#include "forksafe.h"
#include "loss.h"
#include "nosigpipe.h"
#include "record.h"
#include "syslogsend.h"
#include "text.h"

/* Room reserved past the end for records other processes append first. */
#define RESERVE_MARGIN 65536

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
	const char *why; /* static: why open_file refused, or NULL */
	char *tail;		 /* the unwritten rest of a short write, or NULL */
	size_t tail_len;
	off_t tail_end; /* where the fragment it completes ends */
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
drop_tail(struct sink *s)
{
	free(s->tail);
	s->tail = NULL;
	s->tail_len = 0;
}

static void
diagnose(struct sink *s, const char *what, int err)
{
	char msg[PATH_MAX + 256];
	int n;

	n = snprintf(msg, sizeof(msg),
				 "pgtls-shim: cannot write log %s: %s: %s "
				 "(records are lost until it works again)\n",
				 s->path, what, s->why ? s->why : error_text(err));
	if (n > 0 && write_nosigpipe(STDERR_FILENO, msg,
								 (size_t) n < sizeof(msg) ? (size_t) n : sizeof(msg) - 1) < 0)
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

/* Opens s->path; returns the fd (*SIZE its size) or -1 with errno set. */
static int
open_file(struct sink *s, off_t *size)
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
	*size = st.st_size;
	return fd;
}

/*
 * Makes s->fd point at the file now at s->path, and *SIZE its size.  Caller
 * holds sink_lock.  False with errno (or s->why) when it cannot be opened.
 */
static bool
ensure_open(struct sink *s, off_t *size)
{
	struct stat st;

	if (s->fd >= 0 && stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
	{
		*size = st.st_size;
		return true;
	}
	if (s->fd >= 0)
		close(s->fd);
	drop_tail(s);
	s->fd = open_file(s, size);
	return s->fd >= 0;
}

/* write() of the whole buffer (no SIGPIPE); partial writes count as failures. */
static bool
write_all_once(int fd, const char *buf, size_t len)
{
	ssize_t n = write_nosigpipe(fd, buf, len);

	if (n >= 0 && (size_t) n != len)
		errno = ENOSPC;
	return n >= 0 && (size_t) n == len;
}

/*
 * Reserves the blocks the next LEN bytes appended at SIZE (and a margin for
 * other processes appending first) will take, so that the write cannot run
 * out of space halfway: false (errno ENOSPC or EDQUOT) when the device has
 * no room, and then nothing is written.  A file system without fallocate
 * gets the plain write.
 */
static bool
reserve(int fd, off_t size, size_t len)
{
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, size, (off_t) (len + RESERVE_MARGIN)) == 0)
		return true;
	return errno != ENOSPC && errno != EDQUOT;
}

/*
 * Writes BUF (LEN bytes) with one write() at the end of s->fd, the file of
 * SIZE bytes.  0 when all of it was written, else errno.  A short write
 * (the device filled up between the reservation and the write, or it has no
 * fallocate) leaves a fragment: its rest is kept in s->tail, to be written
 * first next time if nothing was appended after it meanwhile, which makes
 * the fragment's line whole again.
 */
static int
append(struct sink *s, off_t size, const char *buf, size_t len)
{
	ssize_t n;
	off_t end;

	if (!reserve(s->fd, size, len))
		return errno;
	do
		n = write(s->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno;
	if ((size_t) n == len)
		return 0;
	end = lseek(s->fd, 0, SEEK_CUR); /* O_APPEND: the end of what was written */
	s->tail = end >= 0 ? malloc(len - (size_t) n) : NULL;
	if (s->tail != NULL)
	{
		memcpy(s->tail, buf + n, len - (size_t) n);
		s->tail_len = len - (size_t) n;
		s->tail_end = end;
	}
	return ENOSPC;
}

/* Concatenates A (LA bytes), B and C into one malloc'd buffer; NULL on OOM. */
static char *
concat3(const char *a, size_t la, const char *b, size_t lb, const char *c, size_t lc)
{
	char *p = malloc(la + lb + lc + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, a, la);
	memcpy(p + la, b, lb);
	memcpy(p + la + lb, c, lc);
	return p;
}

/*
 * The file transport: LOST (the records_lost line, or an empty one) then
 * LINE, in one write(), after the rest of a fragment this sink left when
 * nothing was appended after it.  0 or errno; *WHAT names the failing step.
 */
static int
emit_file(struct sink *s, const struct jbuf *lost, const char *line, size_t len, const char **what)
{
	off_t size;
	char *buf;
	char *old;
	size_t old_len;
	int err;
	bool mend;

	*what = "open";
	if (!ensure_open(s, &size))
		return errno;
	*what = "write";
	mend = s->tail != NULL && size == s->tail_end;
	if (s->tail != NULL && !mend)
		drop_tail(s); /* another record follows the fragment: too late */
	if (!mend && lost->len == 0)
		return append(s, size, line, len);
	buf = concat3(mend ? s->tail : "", mend ? s->tail_len : 0, lost->p ? lost->p : "", lost->len,
				  line, len);
	if (buf == NULL)
		return ENOMEM;
	old = s->tail;
	old_len = s->tail_len;
	s->tail = NULL;
	err = append(s, size, buf, (mend ? old_len : 0) + lost->len + len);
	if (err == 0 && mend)
		loss_uncount(); /* the record the fragment began is whole again */
	if (err != 0 && s->tail == NULL && mend)
	{
		s->tail = old; /* nothing written: the fragment still waits for it */
		old = NULL;
	}
	free(old);
	free(buf);
	return err;
}

static int
emit(struct sink *s, enum pgs_severity sev, const struct jbuf *lost, const char *line, size_t len,
	 const char **what)
{
	*what = "send";
	switch (s->kind)
	{
		case PGS_LOG_FILE:
			return emit_file(s, lost, line, len, what);
		case PGS_LOG_STDERR:
			*what = "write";
			if (lost->len > 0 && !write_all_once(STDERR_FILENO, lost->p, lost->len))
				return errno;
			return write_all_once(STDERR_FILENO, line, len) ? 0 : errno;
		case PGS_LOG_SYSLOG:
			if (lost->len > 0 &&
				!syslog_send(&s->addr, s->ident, s->facility, PGS_SEV_ERROR, lost->p, lost->len))
				return errno ? errno : EIO;
			return syslog_send(&s->addr, s->ident, s->facility, sev, line, len)
					   ? 0
					   : (errno ? errno : EIO);
		case PGS_LOG_NONE:
			break;
	}
	return 0;
}

/* The records_lost line for this process into *B (empty when none is due). */
static void
lost_line(const struct pgs_origin *who, struct jbuf *b)
{
	struct loss_note note;
	struct pgs_origin now = *who;

	jb_init(b);
	if (!loss_pending(&note))
		return;
	now.ts_ms = clock_now_ms();
	if (!record_records_lost(&now, note.lost, note.since_ms, note.error, b))
	{
		jb_free(b);
		jb_init(b);
	}
}

void
sink_write(struct sink *s, const struct pgs_origin *who, enum pgs_severity sev, const char *line,
		   size_t len)
{
	int saved = errno;
	const char *what = "write";
	struct jbuf lost;
	int err;

	if (s == NULL || len == 0)
		return;
	proc_lock(&sink_lock);
	lost_line(who, &lost);
	errno = 0;
	err = emit(s, sev, &lost, line, len, &what);
	if (err == 0)
		loss_clear();
	else if (loss_count(who->ts_ms, s->why, err) && s->kind != PGS_LOG_STDERR)
		diagnose(s, what, err);
	s->why = NULL;
	proc_unlock(&sink_lock);
	jb_free(&lost);
	errno = saved;
}

void
sink_close(struct sink *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	drop_tail(s);
	free(s->path);
	free(s->ident);
	free(s);
}
