/*
 * sink.c
 *	  Record output.  A log file (opened as logfile.h says) is written
 *	  with one write() per record, so records from many processes never
 *	  interleave.  Before each record the path is stat'ed: a rotated or
 *	  deleted file is reopened.  Syslog: syslogsend.h.  Stderr: written
 *	  without SIGPIPE (nosigpipe.h).
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
 *	  a records_lost event before the next record that is written; the
 *	  records a kept fragment holds count as lost only when it is dropped.
 */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
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
#include "logfile.h"
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
	off_t tail_end;				/* where the fragment it completes ends */
	struct loss_note tail_loss; /* what is lost if the tail is never written */
	bool tail_new;				/* the current write left a tail: its records are in it */
	int64_t now_ms;				/* the ts of the record being written */
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
 * Counts the records of a fragment that will never be made whole (another
 * record follows it, or the file is gone), with the diagnostic when that
 * starts an outage.  Caller holds sink_lock.
 */
static void
lose_tail(struct sink *s)
{
	if (s->tail != NULL && loss_add(&s->tail_loss))
		diagnose(s, "write", ENOSPC);
	drop_tail(s);
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
	lose_tail(s);
	s->fd = logfile_open(s->path, s->mode, &st, &s->why);
	if (s->fd < 0)
		return false;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	*size = st.st_size;
	return true;
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
 * the fragment's line whole again.  Then s->tail_new is set and
 * s->tail_loss is CARRIED (the losses BUF already stood for) plus the
 * record being written: what is lost if the tail never gets written (when
 * it cannot even be kept, s->tail stays NULL: the caller counts them).
 */
static int
append(struct sink *s, off_t size, const char *buf, size_t len, const struct loss_note *carried)
{
	struct loss_note self = {.lost = 1, .since_ms = s->now_ms};
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
	s->tail_new = true;
	s->tail_loss = *carried;
	snprintf(self.error, sizeof(self.error), "%s", error_text(ENOSPC));
	loss_merge(&s->tail_loss, &self);
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
 * The records_lost line for this process into *B (empty when none is due),
 * and in *NOTE the losses it reports (none when B is empty).
 */
static void
lost_line(const struct pgs_origin *who, struct jbuf *b, struct loss_note *note)
{
	struct pgs_origin now = *who;

	jb_init(b);
	memset(note, 0, sizeof(*note));
	if (!loss_pending(note))
		return;
	now.ts_ms = clock_now_ms();
	if (!record_records_lost(&now, note->lost, note->since_ms, note->error, b))
	{
		jb_free(b);
		jb_init(b);
		memset(note, 0, sizeof(*note));
	}
}

/*
 * After append() left a tail (s->tail_new): the losses the records_lost
 * line reported (NOTE) now live in the tail, not in the count; when the
 * tail could not be kept, its records are lost now.
 */
static void
tail_took(struct sink *s, const struct loss_note *note)
{
	if (note->lost > 0)
		loss_clear();
	if (s->tail == NULL && loss_add(&s->tail_loss))
		diagnose(s, "write", ENOSPC);
}

/*
 * The file transport: the records_lost line (when losses are pending) then
 * LINE, in one write(), after the rest of a fragment this sink left when
 * nothing was appended after it.  The fragment is settled (mended or lost)
 * before the records_lost line is built, so that line counts exactly the
 * records that are not in the file.  0 or errno; *WHAT names the failing step.
 */
static int
emit_file(struct sink *s, const struct pgs_origin *who, const char *line, size_t len,
		  const char **what)
{
	off_t size;
	struct jbuf lost;
	struct loss_note note;
	struct loss_note carried = {0};
	char *buf = NULL;
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
		lose_tail(s); /* another record follows the fragment: too late */
	lost_line(who, &lost, &note);
	if (mend)
		carried = s->tail_loss;
	loss_merge(&carried, &note);
	old = s->tail; /* NULL unless mending */
	old_len = s->tail_len;
	if (mend || lost.len > 0)
		buf =
			concat3(mend ? old : "", mend ? old_len : 0, lost.p ? lost.p : "", lost.len, line, len);
	if (buf == NULL && (mend || lost.len > 0))
	{
		jb_free(&lost);
		return ENOMEM;
	}
	s->tail = NULL;
	s->tail_len = 0;
	err = append(s, size, buf ? buf : line, (mend ? old_len : 0) + lost.len + len, &carried);
	if (s->tail_new)
		tail_took(s, &note);
	else if (err != 0 && mend)
	{
		s->tail = old; /* nothing written: the fragment still waits for it */
		s->tail_len = old_len;
		old = NULL;
	}
	free(old);
	free(buf);
	jb_free(&lost);
	return err;
}

/*
 * The stderr and syslog transports: the records_lost line (when losses are
 * pending) then LINE, each on its own.  Once the records_lost line is out,
 * those losses are reported: the count restarts even if LINE then fails.
 * 0 or errno.
 */
static int
emit_stream(struct sink *s, const struct pgs_origin *who, enum pgs_severity sev, const char *line,
			size_t len)
{
	struct jbuf lost;
	struct loss_note note;
	bool ok = true;

	lost_line(who, &lost, &note);
	if (lost.len > 0)
	{
		ok = s->kind == PGS_LOG_STDERR
				 ? write_all_once(STDERR_FILENO, lost.p, lost.len)
				 : syslog_send(&s->addr, s->ident, s->facility, PGS_SEV_ERROR, lost.p, lost.len);
		if (ok)
			loss_clear();
	}
	jb_free(&lost);
	if (ok)
		ok = s->kind == PGS_LOG_STDERR
				 ? write_all_once(STDERR_FILENO, line, len)
				 : syslog_send(&s->addr, s->ident, s->facility, sev, line, len);
	return ok ? 0 : (errno ? errno : EIO);
}

static int
emit(struct sink *s, const struct pgs_origin *who, enum pgs_severity sev, const char *line,
	 size_t len, const char **what)
{
	*what = s->kind == PGS_LOG_SYSLOG ? "send" : "write";
	switch (s->kind)
	{
		case PGS_LOG_FILE:
			return emit_file(s, who, line, len, what);
		case PGS_LOG_STDERR:
		case PGS_LOG_SYSLOG:
			return emit_stream(s, who, sev, line, len);
		case PGS_LOG_NONE:
			break;
	}
	return 0;
}

void
sink_write(struct sink *s, const struct pgs_origin *who, enum pgs_severity sev, const char *line,
		   size_t len)
{
	int saved = errno;
	const char *what = "write";
	int err;

	if (s == NULL || len == 0)
		return;
	proc_lock(&sink_lock);
	s->now_ms = who->ts_ms;
	s->tail_new = false;
	errno = 0;
	err = emit(s, who, sev, line, len, &what);
	if (err == 0)
		loss_clear();
	else if (!s->tail_new && loss_count(who->ts_ms, s->why, err) && s->kind != PGS_LOG_STDERR)
		diagnose(s, what, err); /* (a tail holds its records: counted when dropped) */
	s->why = NULL;
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
	proc_lock(&sink_lock);
	lose_tail(s); /* a fragment never made whole: its records are lost */
	proc_unlock(&sink_lock);
	free(s->path);
	free(s->ident);
	free(s);
}
