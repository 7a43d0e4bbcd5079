/*
 * gunzip.c
 *	  gunzip.h: gzip members inflated one after another, plain data passed
 *	  through, and the end of the file inside a member reported as such.
 */
#include "gunzip.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define INBUF ((size_t) 1 << 18)

struct gunzip
{
	int fd;
	z_stream z;
	bool inflating; /* z is initialised */
	bool sniffed;	/* the first bytes were looked at */
	bool gzip;		/* ... and were gzip's magic */
	bool in_member; /* inside a member: the file may not end here */
	bool eof;		/* read(2) said 0 */
	bool done;		/* trailing bytes after the last member are not ours */
	unsigned char in[INBUF];
};

struct gunzip *
gunzip_open(int fd)
{
	struct gunzip *g = calloc(1, sizeof(*g));

	if (g == NULL)
	{
		close(fd);
		return NULL;
	}
	g->fd = fd;
	return g;
}

/* Reads more input after what is left; false on a read error (errno set). */
static bool
refill(struct gunzip *g)
{
	ssize_t got;

	if (g->z.avail_in > 0 && g->z.next_in != g->in)
		memmove(g->in, g->z.next_in, g->z.avail_in);
	g->z.next_in = g->in;
	do
		got = read(g->fd, g->in + g->z.avail_in, INBUF - g->z.avail_in);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return false;
	g->eof = got == 0;
	g->z.avail_in += (uInt) got;
	return true;
}

/* Looks at the first bytes: gzip, or plain data to pass through. */
static bool
sniff(struct gunzip *g, const char **why)
{
	while (g->z.avail_in < 2 && !g->eof)
		if (!refill(g))
			return *why = strerror(errno), false;
	g->sniffed = true;
	g->gzip = g->z.avail_in >= 2 && g->in[0] == 0x1f && g->in[1] == 0x8b;
	if (g->gzip && inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK)
		return *why = "out of memory", false;
	g->inflating = g->gzip;
	return true;
}

/* Plain data: what is buffered first, then read(2). */
static ssize_t
pass_through(struct gunzip *g, void *buf, size_t n, const char **why)
{
	ssize_t got;

	if (g->z.avail_in > 0)
	{
		size_t k = g->z.avail_in < n ? g->z.avail_in : n;

		memcpy(buf, g->z.next_in, k);
		g->z.next_in += k;
		g->z.avail_in -= (uInt) k;
		return (ssize_t) k;
	}
	do
		got = read(g->fd, buf, n);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		*why = strerror(errno);
	return got;
}

/* After a member's end: another member follows, or the stream is done. */
static bool
next_member(struct gunzip *g, const char **why)
{
	g->in_member = false;
	while (g->z.avail_in < 2 && !g->eof)
		if (!refill(g))
			return *why = strerror(errno), false;
	if (g->z.avail_in >= 2 && g->z.next_in[0] == 0x1f && g->z.next_in[1] == 0x8b)
		return inflateReset(&g->z) == Z_OK || (*why = "inflateReset failed", false);
	g->done = true; /* nothing, or bytes that are not gzip: gzread ignores them too */
	return true;
}

ssize_t
gunzip_read(struct gunzip *g, void *buf, size_t n, const char **why)
{
	if (!g->sniffed && !sniff(g, why))
		return -1;
	if (!g->gzip)
		return pass_through(g, buf, n, why);
	uInt want = (uInt) (n > UINT32_MAX ? UINT32_MAX : n);

	g->z.next_out = buf;
	g->z.avail_out = want;
	while (g->z.avail_out == want && !g->done)
	{
		int ret;

		if (g->z.avail_in == 0 && !g->eof && !refill(g))
			return *why = strerror(errno), -1;
		if (g->z.avail_in == 0 && g->eof)
		{
			if (!g->in_member)
				break;
			*why = "unexpected end of file (a truncated gzip file)";
			return -1;
		}
		g->in_member = true;
		ret = inflate(&g->z, Z_NO_FLUSH);
		if (ret == Z_STREAM_END)
		{
			if (!next_member(g, why))
				return -1;
		}
		else if (ret != Z_OK && ret != Z_BUF_ERROR)
		{
			*why = g->z.msg ? g->z.msg : "corrupt gzip data";
			return -1;
		}
	}
	return (ssize_t) (want - g->z.avail_out);
}

void
gunzip_close(struct gunzip *g)
{
	if (g == NULL)
		return;
	if (g->inflating)
		inflateEnd(&g->z);
	close(g->fd);
	free(g);
}
