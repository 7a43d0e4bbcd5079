/*
 * test_report_groups.c
 *	  report's group logic (cli/report/): records folded into groups by the
 *	  --by dimensions (null keys, script falling back to program), each
 *	  group's counts (TLS, verified, would-refuse in audit and enforce,
 *	  failed, expiry warnings, earliest not_after, rotation), the tallies
 *	  and their overflow, readiness and its reasons, the time window, and
 *	  merging: a summary read in two parts and merged equals the summary
 *	  read in one, to the byte of its JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logtime.h"
#include "report.h"
#include "summary.h"

#include "check.h"

static const char *const lines[] = {
	("{\"ts\":\"2026-11-22T00:00:00.000Z\",\"event\":\"connect\",\"program\":\"/bin/a\","
	 "\"host\":\"h1\",\"rule\":\"r\",\"mode\":\"audit\",\"outcome\":\"ok\","
	 "\"tls\":{\"protocol\":\"TLSv1.3\"},\"verified\":true,"
	 "\"chain\":[{\"not_after\":\"2027-05-01T00:00:00Z\"},{\"not_after\":\"2027-03-01T00:00:00Z\"}]"
	 ","
	 "\"audit\":{\"would_refuse\":false,\"reason\":null},\"warnings\":[]}"),
	("{\"ts\":\"2026-11-22T01:00:00.000Z\",\"event\":\"connect\",\"program\":\"/bin/a\","
	 "\"host\":\"h1\",\"rule\":\"r\",\"mode\":\"audit\",\"outcome\":\"ok\",\"tls\":null,"
	 "\"verified\":false,\"audit\":{\"would_refuse\":true,\"reason\":\"unknown CA\"},"
	 "\"warnings\":[\"certificate CN=x EXPIRES in 3 days\"],"
	 "\"rotation\":{\"as_is\":\"breaks\",\"enforced\":\"ok\",\"reason\":\"lacks next_ca\"}}"),
	("{\"ts\":\"2026-11-22T02:00:00.000Z\",\"event\":\"connect\",\"program\":\"/usr/bin/python3\","
	 "\"script\":\"/srv/x.py\",\"host\":\"h2\",\"rule\":null,\"mode\":\"enforce\","
	 "\"outcome\":\"refused\",\"reason\":\"wrong host\",\"error\":\"pgtls-shim: refused by rule "
	 "\\\"x\\\" (enforce): wrong host: connection to server at 127.0.0.1, port 5432 failed\","
	 "\"rotation\":{\"as_is\":\"ok\",\"enforced\":\"breaks\",\"reason\":null}}"),
	("{\"ts\":\"2026-11-22T03:00:00.000Z\",\"event\":\"connect\",\"program\":\"/usr/bin/python3\","
	 "\"host\":\"h2\",\"mode\":\"enforce\",\"outcome\":\"failed\"}"),
	"{\"ts\":\"2026-11-22T04:00:00.000Z\",\"event\":\"blind_spot\",\"program\":\"/bin/go\"}",
	"{\"ts\":\"2026-11-22T05:00:00.000Z\",\"event\":\"policy_error\",\"error\":\"x\"}",
	"not a record",
	"{\"ts\":\"2026-11-22T06:00:00.000Z\",\"event\":\"records_lost\",\"lost\":3}",
};
#define NLINES ((int) (sizeof(lines) / sizeof(lines[0])))

/* Reads lines [FROM, TO) into R. */
static void
feed(struct report *r, int from, int to)
{
	char buf[2048];

	for (int i = from; i < to; i++)
	{
		snprintf(buf, sizeof(buf), "%s", lines[i]);
		if (!report_line(r, buf, strlen(buf)))
			abort();
	}
}

/* R's --json output, malloc'd. */
static char *
json_of(struct report *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (out == NULL || !report_print(r, REPORT_JSON, out))
		abort();
	fclose(out);
	return text;
}

static void
test_groups(void)
{
	struct report *r = report_new();
	struct group **v;
	char because[256];

	feed(r, 0, NLINES);
	CHECK(r->records == 4 && r->ngroups == 2);
	CHECK(r->blind_spots == 1 && r->policy_errors == 1 && r->invalid == 1);
	CHECK(r->lost_events == 1 && r->records_lost == 3);
	CHECK(r->would_refuse == 3 && r->refused == 2 && r->failed == 1);
	CHECK(r->rotation == 2 && r->would_break == 2);
	v = groups_sorted(r);
	CHECK(v != NULL && strcmp(v[0]->key[0], "/bin/a") == 0 && strcmp(v[0]->key[2], "h1") == 0);
	CHECK(v[0]->conns == 2 && v[0]->tls == 1 && v[0]->verified == 1 && v[0]->would_refuse == 1);
	CHECK(v[0]->expiry_warnings == 1 && strcmp(v[0]->expiry, "2027-03-01T00:00:00Z") == 0);
	CHECK(v[0]->reasons.n == 1 && strcmp(v[0]->reasons.key[0], "unknown CA") == 0);
	CHECK(v[0]->protocols.n == 1 && v[0]->protocols.count[0] == 1);
	CHECK(v[0]->would_break == 1 && strcmp(v[0]->break_reasons.key[0], "lacks next_ca") == 0);
	CHECK(v[1]->key[3][0] == '\0'); /* the top-level rule: null */
	CHECK(v[1]->refused == 2 && v[1]->failed == 1 && v[1]->reasons.n == 2);
	CHECK(strcmp(v[1]->reasons.key[0], "wrong host") == 0); /* the record's reason, not its error */
	CHECK(strcmp(v[1]->reasons.key[1], "failed") == 0);
	CHECK(strcmp(v[1]->break_reasons.key[0], "unknown") == 0);
	CHECK(!report_ready_to_enforce(r) && !report_ready_to_rotate(r));
	report_not_ready_because(r, because, sizeof(because));
	CHECK(strcmp(because,
				 "3 connections would be refused, 1 blind spot, 1 policy error, 3 records lost") ==
		  0);
	free(v);
	report_free(r);
}

static void
test_by_and_window(void)
{
	struct report *r = report_new();
	struct group **v;

	memset(r->by, 0, sizeof(r->by));
	r->by[1] = true; /* script: the script, else the program */
	feed(r, 0, NLINES);
	v = groups_sorted(r);
	CHECK(r->ngroups == 3 && v != NULL);
	CHECK(strcmp(v[0]->key[1], "/bin/a") == 0 && strcmp(v[1]->key[1], "/srv/x.py") == 0);
	CHECK(strcmp(v[2]->key[1], "/usr/bin/python3") == 0 && v[2]->key[0] == NULL);
	free(v);
	report_free(r);
	r = report_new();
	CHECK(lt_when("2026-11-22T01:00:00Z", 0, false, &r->since_ms));
	CHECK(lt_when("2026-11-22T03:00:00+01:00", 0, false, &r->until_ms)); /* 02:00 UTC */
	r->has_since = r->has_until = true;
	feed(r, 0, NLINES);
	CHECK(r->records == 1 && r->outside == 6 && r->invalid == 1);
	report_free(r);
	r = report_new();
	CHECK(!report_ready_to_enforce(r));
	report_free(r);
}

static void
test_tally(void)
{
	struct tally t = {0};
	char k[16];

	for (int i = 0; i < MAX_TALLY + 3; i++)
	{
		snprintf(k, sizeof(k), "k%d", i);
		tally_add(&t, k, 2);
	}
	tally_add(&t, "k0", 1);
	tally_add(&t, NULL, 1);
	CHECK(t.n == MAX_TALLY && t.count[0] == 3 && t.other == 6);
	tally_free(&t);
}

/* Every way of cutting the input in two, merged, gives the same JSON as one read. */
static void
test_merge(void)
{
	struct report *whole = report_new();
	char *want;
	bool all = true;

	feed(whole, 0, NLINES);
	want = json_of(whole);
	for (int cut = 0; cut <= NLINES; cut++)
	{
		struct report *a = report_new(), *b = report_like(a);
		char *got;

		feed(a, 0, cut);
		feed(b, cut, NLINES);
		if (!report_merge(a, b))
			abort();
		got = json_of(a);
		if (strcmp(got, want) != 0)
			printf("cut %d:\n%s\n%s\n", cut, got, want);
		all &= strcmp(got, want) == 0;
		free(got);
		report_free(a);
		report_free(b);
	}
	CHECK(all);
	free(want);
	report_free(whole);
}

int
main(void)
{
	test_groups();
	test_by_and_window();
	test_tally();
	test_merge();
	return check_summary();
}
