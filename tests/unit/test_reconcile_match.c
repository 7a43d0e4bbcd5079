/*
 * test_reconcile_match.c
 *	  reconcile's join (cli/reconcile/): the tolerance match (the nearest
 *	  unmatched record within the tolerance, either side, IPv4 spelled as
 *	  IPv4 or mapped IPv6, a reused port, each record matched once,
 *	  forgetting old records) and the records read through the shared
 *	  reader in every form: JSON Lines, a syslog prefix, and a
 *	  `journalctl -o json` export (which reconcile used to skip).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logtime.h"
#include "reconcile.h"

#include "check.h"

static int64_t
ms(const char *rfc3339)
{
	int64_t t = 0;

	if (!lt_rfc3339(rfc3339, &t))
		abort();
	return t;
}

static void
add(struct rc_records *t, const char *addr, int port, int64_t ts, int pid, bool tls)
{
	struct rc_entry e = {.port = (uint16_t) port,
						 .flags = RC_F_USED | (tls ? RC_F_TLS : 0),
						 .pid = pid,
						 .ts_ms = ts};

	if (!rc_addr_bytes(addr, e.addr) || !rc_records_add(t, &e))
		abort();
}

static void
test_tolerance(void)
{
	struct rc_records *t = rc_records_new();
	int64_t base = ms("2026-11-26T02:00:00.000Z");
	struct rc_match m;

	add(t, "10.0.0.1", 5000, base + 4000, 1, true);
	add(t, "10.0.0.1", 5000, base - 1000, 2, false); /* the same port, nearer */
	add(t, "10.0.0.1", 5000, base + 60000, 3, true); /* the port reused a minute later */
	add(t, "10.0.0.2", 5000, base, 4, true);
	CHECK(rc_records_match(t, "10.0.0.1", 5000, base, 10000, &m) && m.pid == 2 && !m.tls);
	CHECK(rc_records_match(t, "::ffff:10.0.0.1", 5000, base, 10000, &m) && m.pid == 1 && m.tls);
	CHECK(!rc_records_match(t, "10.0.0.1", 5000, base, 10000, &m)); /* each record once */
	CHECK(!rc_records_match(t, "10.0.0.1", 5000, base + 49999, 10000, &m));
	CHECK(rc_records_match(t, "10.0.0.1", 5000, base + 50000, 10000, &m) && m.pid == 3);
	CHECK(!rc_records_match(t, "10.0.0.2", 5001, base, 10000, &m)); /* another port */
	CHECK(!rc_records_match(t, "10.0.0.2", 5000, base + 10001, 10000, &m));
	CHECK(rc_records_match(t, "10.0.0.2", 5000, base - 10000, 10000, &m) && m.pid == 4);
	CHECK(!rc_records_match(t, "not an address", 5000, base, 10000, &m));
	rc_records_unmatch(t);
	CHECK(rc_records_match(t, "10.0.0.2", 5000, base, 0, &m) && m.pid == 4);
	rc_records_free(t);
}

static void
test_forget(void)
{
	struct rc_records *t = rc_records_new();
	struct rc_match m;
	bool all = true;

	for (int i = 0; i < 200000; i++)
		add(t, "10.0.0.9", 1024 + i % 60000, (int64_t) i * 10, i, true);
	rc_records_forget(t, 1000000); /* records before 1,000 s can no longer match */
	CHECK(!rc_records_match(t, "10.0.0.9", 1024, 0, 1000, &m));
	for (int i = 100000; i < 100100; i++)
		all &= rc_records_match(t, "10.0.0.9", 1024 + i % 60000, (int64_t) i * 10, 0, &m) &&
			   m.pid == i;
	CHECK(all);
	add(t, "10.0.0.9", 7, 5, 1, true); /* below the watermark: late */
	CHECK(rc_records_late(t) == 1);
	rc_records_free(t);
}

/* Writes TEXT to a temporary file; its path into PATH. */
static void
temp_file(char *path, const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, 64, "/tmp/test_reconcile.XXXXXX");
	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL)
		abort();
	fputs(text, f);
	fclose(f);
}

static void
test_sources(void)
{
	static const char text[] =
		"{\"ts\":\"2026-11-26T02:00:00.000Z\",\"event\":\"connect\",\"pid\":11,"
		"\"local_addr\":\"10.1.0.1\",\"local_port\":40001,\"tls\":{\"protocol\":\"TLSv1.3\"}}\n"
		"Nov 26 02:00:01 web1 pgtls-shim[12]: {\"ts\":\"2026-11-26T02:00:01.000Z\","
		"\"event\":\"connect\",\"pid\":12,\"local_addr\":\"10.1.0.1\",\"local_port\":40002,"
		"\"tls\":null}\n"
		"{\"__CURSOR\":\"s=1\",\"MESSAGE\":\"{\\\"ts\\\":\\\"2026-11-26T03:00:02.000+01:00\\\","
		"\\\"event\\\":\\\"connect\\\",\\\"pid\\\":13,\\\"local_addr\\\":\\\"10.1.0.1\\\","
		"\\\"local_port\\\":40003,\\\"tls\\\":{}}\"}\n"
		"{\"__CURSOR\":\"s=2\",\"MESSAGE\":\"Started Session 5 of user root.\"}\n"
		"{\"ts\":\"2026-11-26T02:00:03.000Z\",\"event\":\"connect\",\"local_addr\":null}\n"
		"{\"ts\":\"2026-11-26T02:00:04.000Z\",\"event\":\"blind_spot\"}\n";
	const char *paths[1];
	char path[64];
	struct rc_sources *s;
	struct rc_records *t = rc_records_new();
	int64_t base = ms("2026-11-26T02:00:00.000Z");
	struct rc_match m;

	temp_file(path, text);
	paths[0] = path;
	CHECK((s = rc_sources_open(paths, 1)) != NULL);
	CHECK(rc_sources_upto(s, t, INT64_MAX));
	CHECK(rc_sources_read(s) == 3);
	CHECK(rc_records_match(t, "10.1.0.1", 40001, base, 0, &m) && m.pid == 11 && m.tls);
	CHECK(rc_records_match(t, "10.1.0.1", 40002, base + 1000, 0, &m) && m.pid == 12 && !m.tls);
	/* The journald export, its ts with an offset. */
	CHECK(rc_records_match(t, "10.1.0.1", 40003, base + 2000, 0, &m) && m.pid == 13 && m.tls);
	rc_sources_close(s);
	unlink(path);
	rc_records_free(t);
}

int
main(void)
{
	test_tolerance();
	test_forget();
	test_sources();
	return check_summary();
}
