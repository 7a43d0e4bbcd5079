/*
 * test_sinkloss.c
 *	  The records_lost accounting of the record sink (shim/record/sink.c)
 *	  under write failures made on purpose: the test links with
 *	  -Wl,--wrap=write,--wrap=fallocate,--wrap=send, so the sink's write(),
 *	  fallocate() and send() come here, where a plan says which of them
 *	  fail (a short write, ENOSPC, EAGAIN) and which go to the real call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "policy.h"
#include "record.h"
#include "sink.h"

#include "check.h"

ssize_t __real_write(int fd, const void *buf, size_t len);
ssize_t __wrap_write(int fd, const void *buf, size_t len);
int __real_fallocate(int fd, int mode, off_t off, off_t len);
int __wrap_fallocate(int fd, int mode, off_t off, off_t len);
ssize_t __real_send(int fd, const void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags);

/* What the next log write / fallocate / send does (fds 0-2 are left alone). */
static size_t short_write;	/* > 0: write only this many bytes, once */
static int fallocate_errno; /* != 0: fail with it, once */
static int send_fail_at;	/* > 0: the Nth send from now fails with EAGAIN */

ssize_t
__wrap_write(int fd, const void *buf, size_t len)
{
	if (fd > 2 && short_write > 0 && short_write < len)
	{
		len = short_write;
		short_write = 0;
	}
	return __real_write(fd, buf, len);
}

int
__wrap_fallocate(int fd, int mode, off_t off, off_t len)
{
	if (fallocate_errno != 0)
	{
		errno = fallocate_errno;
		fallocate_errno = 0;
		return -1;
	}
	return __real_fallocate(fd, mode, off, len);
}

ssize_t
__wrap_send(int fd, const void *buf, size_t len, int flags)
{
	if (send_fail_at > 0 && --send_fail_at == 0)
	{
		errno = EAGAIN;
		return -1;
	}
	return __real_send(fd, buf, len, flags);
}

/* Writes the record {"n":N} with ts N seconds into 2023. */
static void
put(struct sink *s, int n)
{
	struct pgs_origin who = {.ts_ms = 1672531200000LL + n * 1000LL, .pid = getpid()};
	char line[32];
	int len = snprintf(line, sizeof(line), "{\"n\":%d}\n", n);

	sink_write(s, &who, PGS_SEV_INFO, line, (size_t) len);
}

/* The lines of FILE in LINES (at most MAX, each strdup'd); their count. */
static int
read_lines(const char *file, char **lines, int max)
{
	FILE *f = fopen(file, "r");
	char buf[4096];
	int n = 0;

	if (f == NULL)
		return -1;
	while (n < max && fgets(buf, sizeof(buf), f))
		lines[n++] = strdup(buf);
	fclose(f);
	return n;
}

/* Frees the N lines of LINES, printing them for the test's log. */
static void
free_lines(char **lines, int n)
{
	for (int i = 0; i < n; i++)
	{
		printf("  %s", lines[i]);
		free(lines[i]);
	}
}

/*
 * Record 2 gets a short write (2 bytes), record 3 ENOSPC, records 4 and 5
 * succeed: record 2's fragment is mended by record 4's write, so the
 * records_lost line before record 4 counts record 3 alone, since its ts.
 */
static void
test_mended_fragment_is_not_lost(const char *dir)
{
	char path[512];
	char *lines[16];
	struct pgs_log_cfg cfg = {.kind = PGS_LOG_FILE, .file_mode = 0600};
	struct sink *s;
	int n;

	snprintf(path, sizeof(path), "%s/c.jsonl", dir);
	cfg.path = path;
	s = sink_open(&cfg);
	CHECK(s != NULL);
	put(s, 1);
	short_write = 2;
	put(s, 2);
	fallocate_errno = ENOSPC;
	put(s, 3);
	put(s, 4);
	put(s, 5);
	sink_close(s);
	n = read_lines(path, lines, 16);
	CHECK(n == 5);
	if (n != 5)
		return;
	CHECK(strcmp(lines[0], "{\"n\":1}\n") == 0);
	CHECK(strcmp(lines[1], "{\"n\":2}\n") == 0);
	CHECK(strstr(lines[2], "\"event\":\"records_lost\"") != NULL);
	CHECK(strstr(lines[2], "\"lost\":1,") != NULL);
	CHECK(strstr(lines[2], "\"since\":\"2023-01-01T00:00:03.000Z\"") != NULL);
	CHECK(strcmp(lines[3], "{\"n\":4}\n") == 0);
	CHECK(strcmp(lines[4], "{\"n\":5}\n") == 0);
	free_lines(lines, n);
}

/*
 * A short write of a records_lost line with its record: mended, the file
 * holds that records_lost once (not again before the next record).  Then a
 * fragment another process appends after: it cannot be mended, and the
 * records_lost before the next record counts it, since its ts.
 */
static void
test_fragment_carrying_records_lost(const char *dir)
{
	char path[512];
	char *lines[16];
	struct pgs_log_cfg cfg = {.kind = PGS_LOG_FILE, .file_mode = 0600};
	struct sink *s;
	int fd;
	int n;

	snprintf(path, sizeof(path), "%s/d.jsonl", dir);
	cfg.path = path;
	s = sink_open(&cfg);
	CHECK(s != NULL);
	fallocate_errno = ENOSPC;
	put(s, 1);
	short_write = 5; /* inside the records_lost line */
	put(s, 2);
	put(s, 3);
	short_write = 3;
	put(s, 4);
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && __real_write(fd, "{\"other\":1}\n", 12) == 12);
	if (fd >= 0)
		close(fd);
	put(s, 5);
	sink_close(s);
	n = read_lines(path, lines, 16);
	CHECK(n == 6);
	if (n == 6)
	{
		CHECK(strstr(lines[0], "\"event\":\"records_lost\"") != NULL);
		CHECK(strstr(lines[0], "\"lost\":1,") != NULL);
		CHECK(strstr(lines[0], "\"since\":\"2023-01-01T00:00:01.000Z\"") != NULL);
		CHECK(strcmp(lines[1], "{\"n\":2}\n") == 0);
		CHECK(strcmp(lines[2], "{\"n\":3}\n") == 0);
		/* record 4's fragment, glued to the other process's line: lost */
		CHECK(strcmp(lines[3], "{\"n{\"other\":1}\n") == 0);
		CHECK(strstr(lines[4], "\"lost\":1,") != NULL);
		CHECK(strstr(lines[4], "\"since\":\"2023-01-01T00:00:04.000Z\"") != NULL);
		CHECK(strcmp(lines[5], "{\"n\":5}\n") == 0);
	}
	free_lines(lines, n);
}

/* The next datagram on FD into BUF (NUL-terminated); false when none. */
static bool
next_datagram(int fd, char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);

	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

/*
 * Syslog: record 1 is lost (send fails); record 2's records_lost datagram
 * goes out but record 2 fails; record 3 succeeds: its records_lost counts
 * record 2 alone (record 1 was reported already).
 */
static void
test_syslog_reported_loss_is_cleared(const char *dir)
{
	char sock[96];
	char msg[4096];
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct pgs_log_cfg cfg = {.kind = PGS_LOG_SYSLOG, .syslog_facility = 8};
	struct sink *s;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	snprintf(sock, sizeof(sock), "%.80s/log.sock", dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *) &addr, sizeof(addr)) == 0);
	cfg.syslog_socket = sock;
	s = sink_open(&cfg);
	CHECK(s != NULL);
	send_fail_at = 1;
	put(s, 1);
	send_fail_at = 2;
	put(s, 2);
	put(s, 3);
	sink_close(s);
	CHECK(next_datagram(fd, msg, sizeof(msg)) && strstr(msg, "records_lost") &&
		  strstr(msg, "\"since\":\"2023-01-01T00:00:01.000Z\""));
	CHECK(next_datagram(fd, msg, sizeof(msg)) && strstr(msg, "records_lost") &&
		  strstr(msg, "\"lost\":1,") && strstr(msg, "\"since\":\"2023-01-01T00:00:02.000Z\""));
	printf("  %s\n", msg);
	CHECK(next_datagram(fd, msg, sizeof(msg)) && strstr(msg, "{\"n\":3}"));
	CHECK(!next_datagram(fd, msg, sizeof(msg)));
	close(fd);
}

int
main(void)
{
	char dir[] = "/tmp/pgtls-shim-sinkloss-XXXXXX";
	char cmd[64];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_mended_fragment_is_not_lost(dir);
	test_fragment_carrying_records_lost(dir);
	test_syslog_reported_loss_is_cleared(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("could not remove %s\n", dir);
	return check_summary();
}
