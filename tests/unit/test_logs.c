/*
 * test_logs.c
 *	  The log tools' shared reader (cli/logs/): the strict JSON scanner
 *	  (what it accepts, what it rejects, string decoding), the record reader
 *	  on every input form (JSON Lines, RFC 3164 and 5424 syslog prefixes,
 *	  journald exports with MESSAGE as a string or as bytes, interleaved
 *	  lines), and the line reader (plain, gzip, standard input forms, byte
 *	  ranges that split a file, CRLF, a last line without a newline, a line
 *	  longer than a block, a truncated gzip file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "jscan.h"
#include "logline.h"
#include "logrec.h"

#include "check.h"

/* Parses TEXT (copied) as a record line; the event, or NULL when it is none. */
static char line_copy[1 << 16];
static struct logrec rec;

static const char *
parse(const char *text)
{
	snprintf(line_copy, sizeof(line_copy), "%s", text);
	if (!logrec_parse(&rec, line_copy, strlen(line_copy)))
		return NULL;
	return logrec_str(&rec, LF_EVENT);
}

static bool
is(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/* A record whose member x is K arrays deep, in B. */
static const char *
nested(char *b, size_t size, int k)
{
	size_t n = (size_t) snprintf(b, size, "{\"event\":\"e\",\"x\":");

	for (int i = 0; i < k; i++)
		b[n++] = '[';
	for (int i = 0; i < k; i++)
		b[n++] = ']';
	snprintf(b + n, size - n, "}");
	return b;
}

static void
test_scanner(void)
{
	static const char *const bad[] = {
		"{\"event\":\"connect\"} x",		  /* something after the object */
		"{\"event\":\"connect\",}",			  /* a trailing comma */
		"{\"event\":'connect'}",			  /* single quotes */
		"{\"event\":\"a\\qb\"}",			  /* an unknown escape */
		"{\"event\":\"a\\u12\"}",			  /* a short \\u */
		"{\"event\":\"tab\there\"}",		  /* a raw control character */
		"{\"event\":\"connect\",\"pid\":01}", /* a leading zero */
		"{\"event\":\"connect\",\"pid\":1.}", /* no digit after the point */
		"{\"event\":\"connect\",\"pid\":-}",
		"{\"event\":\"connect\",\"x\":tru}",
		"{\"event\":\"connect\",\"x\":NaN}",
		"{\"event\":\"connect\",\"x\":[1,2}",
		"{\"event\":\"connect\"",
		"{\"event\" \"connect\"}",
		"{event:\"connect\"}",
		"[\"event\"]",
	};
	char deep[200];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i]) != NULL)
		{
			printf("accepted: %s\n", bad[i]);
			CHECK(0);
		}
	CHECK(is(
		parse(" {\"event\" : \"connect\" , \"pid\" : -12.5e+3 , \"x\" : [ ] , \"y\" : { } } \r\n"),
		"connect"));
	/* Nesting: 32 levels are fine (the object and 31 arrays), 33 are not. */
	CHECK(is(parse(nested(deep, sizeof(deep), 31)), "e"));
	CHECK(parse(nested(deep, sizeof(deep), 32)) == NULL);
	/* Strings decoded: escapes, \\u, a surrogate pair, a lone surrogate. */
	CHECK(is(parse("{\"event\":\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\\ud800x\"}"),
			 "a\"b\\c/d\n\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx"));
	/* Duplicates: the last wins; other types are not strings. */
	CHECK(is(parse("{\"event\":\"a\",\"event\":\"b\"}"), "b"));
	CHECK(parse("{\"event\":1}") == NULL);
	CHECK(parse("{\"event\":null}") == NULL);
}

static void
test_fields(void)
{
	long v = 0;

	CHECK(is(parse("{\"event\":\"connect\",\"pid\":42,\"local_port\":65536,\"verified\":true,"
				   "\"tls\":{\"protocol\":\"TLSv1.3\"},\"program\":\"/bin/x\",\"rule\":null}"),
			 "connect"));
	CHECK(jv_int(&rec.f[LF_PID], 0, 100, &v) && v == 42);
	CHECK(!jv_int(&rec.f[LF_LOCAL_PORT], 0, 65535, &v));
	CHECK(jv_true(&rec.f[LF_VERIFIED]));
	CHECK(rec.f[LF_TLS].type == JT_OBJECT);
	CHECK(is(jv_member_str(&rec.f[LF_TLS], "protocol"), "TLSv1.3"));
	CHECK(is(logrec_str(&rec, LF_PROGRAM), "/bin/x"));
	CHECK(rec.f[LF_RULE].type == JT_NULL && logrec_str(&rec, LF_RULE) == NULL);
	CHECK(rec.f[LF_HOST].type == JT_ABSENT);
	CHECK(parse("{\"event\":\"connect\",\"pid\":4.5}") && !jv_int(&rec.f[LF_PID], 0, 100, &v));
}

static void
test_forms(void)
{
	const char *r = "{\"ts\":\"2026-11-26T02:37:47.000Z\",\"event\":\"connect\",\"host\":\"h\"}";
	char b[4096];
	size_t n;

	CHECK(is(parse(r), "connect"));
	snprintf(b, sizeof(b), "Nov 26 02:37:47 web1 pgtls-shim[123]: %s", r);
	CHECK(is(parse(b), "connect") && is(logrec_str(&rec, LF_HOST), "h"));
	snprintf(b, sizeof(b), "<14>1 2026-11-26T02:37:49.123456+00:00 web1 pgtls-shim 123 - - %s", r);
	CHECK(is(parse(b), "connect"));
	CHECK(parse("Nov 26 02:37:48 web1 CRON[99]: (root) CMD (run-parts /etc/cron.hourly)") == NULL);
	/* journald, MESSAGE a string: the record escaped inside it, after a prefix too. */
	CHECK(is(parse("{\"__CURSOR\":\"s=1\",\"MESSAGE\":\"{\\\"event\\\":\\\"connect\\\","
				   "\\\"host\\\":\\\"j\\\\u00e9\\\"}\"}"),
			 "connect") &&
		  is(logrec_str(&rec, LF_HOST), "j\xc3\xa9"));
	CHECK(is(parse("{\"MESSAGE\":\"pgtls-shim: {\\\"event\\\":\\\"blind_spot\\\"}\","
				   "\"_PID\":\"1\"}"),
			 "blind_spot"));
	/* journald, MESSAGE as bytes (journalctl writes those when it is not UTF-8). */
	n = (size_t) snprintf(b, sizeof(b), "{\"__CURSOR\":\"s=2\",\"MESSAGE\":[");
	for (const char *p = r; *p; p++)
		n += (size_t) snprintf(b + n, sizeof(b) - n, "%s%d", p == r ? "" : ",", *p);
	snprintf(b + n, sizeof(b) - n, "]}");
	CHECK(is(parse(b), "connect") && is(logrec_str(&rec, LF_HOST), "h"));
	CHECK(parse("{\"MESSAGE\":[123,256]}") == NULL);
	CHECK(parse("{\"__CURSOR\":\"s=4\",\"MESSAGE\":\"Started Session 5 of user root.\"}") == NULL);
	CHECK(parse("{\"MESSAGE\":\"{\\\"event\\\":\\\"connect\\\"\"}") == NULL); /* cut short */
}

/* Writes TEXT to a new temporary file (gzip when GZ); its path in PATH. */
static void
temp_file(char *path, const char *text, size_t n, bool gz)
{
	int fd;

	snprintf(path, 64, "/tmp/test_logs.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		abort();
	close(fd);
	if (gz)
	{
		gzFile f = gzopen(path, "wb");

		if (f == NULL || gzwrite(f, text, (unsigned) n) != (int) n)
			abort();
		gzclose(f);
		return;
	}
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(text, 1, n, f) != n)
		abort();
	fclose(f);
}

/* The lines of L joined with '|'. */
static int
lines_of(struct logline *l, char *out, size_t size)
{
	char *line;
	size_t len, n = 0;
	int got;

	out[0] = '\0';
	while ((got = ll_next(l, &line, &len)) == 1)
		n += (size_t) snprintf(out + n, size - n, "%s%s", n ? "|" : "", line);
	return got;
}

static void
test_lines(void)
{
	static const char text[] = "one\r\ntwo\n\nthree";
	char path[64], out[600], a[256], b[256];
	struct logline l;
	int64_t size;

	for (int gz = 0; gz < 2; gz++)
	{
		temp_file(path, text, sizeof(text) - 1, gz);
		CHECK(ll_open(&l, path) && lines_of(&l, out, sizeof(out)) == 0);
		CHECK(strcmp(out, "one|two||three") == 0);
		ll_close(&l);
		CHECK(ll_plain_file(path, &size) == !gz);
		unlink(path);
	}
	CHECK(ll_open_mem(&l, text, sizeof(text) - 1) && lines_of(&l, out, sizeof(out)) == 0);
	CHECK(strcmp(out, "one|two||three") == 0);
	ll_close(&l);
	/* Every split point: the two ranges hold every line once. */
	temp_file(path, "aa\nbbb\ncccc\nd\n", 14, false);
	for (int64_t cut = 0; cut <= 14; cut++)
	{
		CHECK(ll_open_range(&l, path, 0, cut) && lines_of(&l, a, sizeof(a)) == 0);
		ll_close(&l);
		CHECK(ll_open_range(&l, path, cut, -1) && lines_of(&l, b, sizeof(b)) == 0);
		ll_close(&l);
		snprintf(out, sizeof(out), "%s%s%s", a, a[0] && b[0] ? "|" : "", b);
		if (strcmp(out, "aa|bbb|cccc|d") != 0)
			printf("cut %lld: [%s] [%s]\n", (long long) cut, a, b);
		CHECK(strcmp(out, "aa|bbb|cccc|d") == 0);
	}
	unlink(path);
	CHECK(!ll_open(&l, "/nonexistent/x") && strstr(l.error, "No such file") != NULL);
	ll_close(&l);
}

static void
test_long_and_truncated(void)
{
	size_t n = (size_t) 3 << 20;
	char *big = malloc(n + 3), path[64], *line;
	struct logline l;
	size_t len;

	memset(big, 'x', n);
	memcpy(big + n, "\ny\n", 3);
	temp_file(path, big, n + 3, false);
	CHECK(ll_open(&l, path) && ll_next(&l, &line, &len) == 1 && len == n);
	CHECK(ll_next(&l, &line, &len) == 1 && strcmp(line, "y") == 0);
	CHECK(ll_next(&l, &line, &len) == 0);
	ll_close(&l);
	unlink(path);
	/* A gzip file cut in half is trouble, not an end. */
	{
		uLongf zn = compressBound((uLong) n);
		gzFile f;
		char *z = malloc(zn);
		FILE *fp;
		int got;

		temp_file(path, big, n + 3, true);
		fp = fopen(path, "rb");
		zn = fread(z, 1, zn, fp);
		fclose(fp);
		fp = fopen(path, "wb");
		fwrite(z, 1, zn / 2, fp);
		fclose(fp);
		CHECK(ll_open(&l, path));
		while ((got = ll_next(&l, &line, &len)) == 1)
			;
		CHECK(got == -1 && l.error[0] != '\0');
		ll_close(&l);
		unlink(path);
		free(z);
		(void) f;
	}
	free(big);
}

int
main(void)
{
	logrec_init(&rec);
	test_scanner();
	test_fields();
	test_forms();
	test_lines();
	test_long_and_truncated();
	logrec_free(&rec);
	return check_summary();
}
