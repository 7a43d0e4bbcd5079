/*
 * logline.c
 *	  The log tools' line reader (logline.h): blocks of at least 1 MiB with
 *	  read(2) for plain files, gunzip.c for gzip and for standard input
 *	  (it passes plain data through), lines found with memchr.
 */
#include "logline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK ((size_t) 1 << 20)

static void
init(struct logline *l, const char *name)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	l->stop = -1;
	snprintf(l->name, sizeof(l->name), "%s", name);
}

static bool
fail(struct logline *l, const char *why)
{
	snprintf(l->error, sizeof(l->error), "%s", why);
	return false;
}

/* Whether the two bytes at the start of FD are gzip's magic (the offset is restored). */
static bool
is_gzip(int fd)
{
	unsigned char m[2];

	return pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

bool
ll_open(struct logline *l, const char *path)
{
	bool std = strcmp(path, "-") == 0;
	struct stat st;
	int fd;

	init(l, std ? "standard input" : path);
	fd = std ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(l, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && !is_gzip(fd) && !std)
	{
		l->fd = fd;
		return true;
	}
	if ((l->gz = gunzip_open(fd)) == NULL)
		return fail(l, "out of memory");
	return true;
}

bool
ll_open_range(struct logline *l, const char *path, int64_t start, int64_t stop)
{
	char *line;
	size_t len;

	init(l, path);
	if ((l->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return fail(l, strerror(errno));
	l->stop = stop;
	if (start == 0)
		return true;
	/* The line that holds START-1 is the previous range's. */
	if (lseek(l->fd, start - 1, SEEK_SET) < 0)
		return fail(l, strerror(errno));
	l->base = start - 1;
	l->stop = -1;
	if (ll_next(l, &line, &len) < 0)
		return false;
	l->stop = stop;
	return true;
}

bool
ll_open_mem(struct logline *l, const void *data, size_t n)
{
	init(l, "memory");
	if ((l->buf = malloc(n + 1)) == NULL)
		return fail(l, "out of memory");
	memcpy(l->buf, data, n);
	l->cap = n + 1;
	l->len = n;
	l->eof = true;
	return true;
}

/* Reads more after buf[len), growing or compacting the buffer; false on an error. */
static bool
fill(struct logline *l)
{
	ssize_t got;

	if (l->off > 0 && l->buf != NULL) /* off > 0 only once something was read */
	{
		memmove(l->buf, l->buf + l->off, l->len - l->off);
		l->len -= l->off;
		l->base += (int64_t) l->off;
		l->off = 0;
	}
	if (l->cap - l->len < BLOCK / 2 + 1)
	{
		size_t cap = l->cap ? l->cap * 2 : BLOCK;
		char *b = realloc(l->buf, cap);

		if (b == NULL)
			return fail(l, "out of memory");
		l->buf = b;
		l->cap = cap;
	}
	if (l->fd >= 0)
	{
		got = read(l->fd, l->buf + l->len, l->cap - l->len - 1);
		if (got < 0)
			return fail(l, strerror(errno));
	}
	else
	{
		const char *why = NULL;

		got = gunzip_read(l->gz, l->buf + l->len, l->cap - l->len - 1, &why);
		if (got < 0)
			return fail(l, why);
	}
	l->eof = got == 0;
	l->len += (size_t) got;
	return true;
}

int
ll_next(struct logline *l, char **line, size_t *len)
{
	char *nl;
	size_t n;

	for (;;)
	{
		if (l->stop >= 0 && l->base + (int64_t) l->off >= l->stop)
			return 0;
		if (l->buf == NULL) /* nothing read yet */
			nl = NULL;
		else if ((nl = memchr(l->buf + l->off, '\n', l->len - l->off)) != NULL ||
				 (l->eof && l->off < l->len))
			break;
		if (l->eof)
			return 0;
		if (!fill(l))
			return -1;
	}
	*line = l->buf + l->off;
	n = nl ? (size_t) (nl - *line) : l->len - l->off;
	l->off += n + (nl != NULL);
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	(*line)[n] = '\0';
	*len = n;
	return 1;
}

void
ll_close(struct logline *l)
{
	if (l->fd >= 0)
		close(l->fd);
	gunzip_close(l->gz);
	free(l->buf);
	l->fd = -1;
	l->gz = NULL;
	l->buf = NULL;
}

bool
ll_plain_file(const char *path, int64_t *size)
{
	struct stat st;
	int fd;
	bool plain;

	if (strcmp(path, "-") == 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	plain = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && !is_gzip(fd);
	*size = plain ? (int64_t) st.st_size : 0;
	close(fd);
	return plain;
}
