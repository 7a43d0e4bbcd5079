/*
 * logline.h
 *	  The one line reader of the log tools: a log file (plain, or gzip of
 *	  one or more members), standard input (either), a byte range of a plain
 *	  file (so that threads can share one large file), or bytes in memory,
 *	  read in large blocks and handed out as lines in place: each line is
 *	  writable, NUL-terminated, without its "\n" or "\r\n", and valid until
 *	  the next call.  A last line without a newline is a line.
 */
#ifndef PGTLS_SHIM_LOGLINE_H
#define PGTLS_SHIM_LOGLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attr.h"
#include "gunzip.h"

struct logline
{
	char name[256];	   /* for messages: the path, or "standard input" */
	int fd;			   /* a plain file read directly, else -1 */
	struct gunzip *gz; /* otherwise: gunzip.h, plain or gzip alike */
	int64_t base;	   /* the file offset of buf[0] (plain files) */
	int64_t stop;	   /* lines starting at or after this offset are not ours; -1: none */
	char *buf;
	size_t cap, len, off; /* buf[off..len) not handed out yet */
	bool eof;
	char error[200]; /* why reading failed, "" while it did not */
};

/*
 * Opens PATH ("-": standard input) for reading.  False, with the reason in
 * L->error, when it cannot be opened; ll_close must be called either way.
 */
bool ll_open(struct logline *l, const char *path) PGS_WUR;

/*
 * Opens the lines of the plain file PATH that start in [START, STOP): a
 * line that starts before STOP is read whole.  False as ll_open.
 */
bool ll_open_range(struct logline *l, const char *path, int64_t start, int64_t stop) PGS_WUR;

/* Reads the N bytes at DATA (copied) as a log.  False on out-of-memory. */
bool ll_open_mem(struct logline *l, const void *data, size_t n) PGS_WUR;

/*
 * The next line into *LINE and *LEN: 1, or 0 at the end, or -1 when
 * reading failed (the reason in L->error).
 */
int ll_next(struct logline *l, char **line, size_t *len) PGS_WUR;

void ll_close(struct logline *l);

/*
 * Whether PATH is a regular file that is not gzip-compressed (so that
 * ll_open_range can split it), and its size into *SIZE.
 */
bool ll_plain_file(const char *path, int64_t *size);

#endif
