/*
 * report_metrics.c
 *	  `pgtls-shim report --format openmetrics`: the summary as gauges in the
 *	  Prometheus text exposition format (version 0.0.4), the format
 *	  node_exporter's textfile collector reads and `promtool check metrics`
 *	  checks: HELP and TYPE lines, one series per group for the per-group
 *	  gauges (the --by dimensions as labels, a null dimension as an empty
 *	  value), label values escaped (backslash, double quote, newline).  It
 *	  ends with OpenMetrics' "# EOF" line, so that a cut-off file shows: in
 *	  the Prometheus text format it is a comment, which promtool check
 *	  metrics (2.42) and node_exporter's textfile collector (1.5) accept
 *	  (tests/integration/test_fleet_report.py runs both).
 */
#include <stdio.h>
#include <stdlib.h>

#include "logtime.h"
#include "summary.h"

#define PFX "pgtls_shim_"

/* V as a label value, escaped, quoted. */
static void
put_label_value(const char *v, FILE *out)
{
	fputc('"', out);
	for (const char *p = v ? v : ""; *p; p++)
	{
		if (*p == '\\' || *p == '"')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void
header(const char *name, const char *help, FILE *out)
{
	fprintf(out, "# HELP " PFX "%s %s\n# TYPE " PFX "%s gauge\n", name, help, name);
}

static void
scalar(const char *name, const char *help, long v, FILE *out)
{
	header(name, help, out);
	fprintf(out, PFX "%s %ld\n", name, v);
}

/* NAME{dims of G} V, one series of a per-group gauge. */
static void
group_series(const struct report *r, const char *name, const struct group *g, long v, FILE *out)
{
	bool first = true;

	fprintf(out, PFX "%s{", name);
	for (int d = 0; d < report_ndims; d++)
	{
		if (!r->by[d])
			continue;
		fprintf(out, "%s%s=", first ? "" : ",", report_dims[d].name);
		put_label_value(g->key[d], out);
		first = false;
	}
	fprintf(out, "} %ld\n", v);
}

static void
per_group(const struct report *r, struct group **v, FILE *out)
{
	header("connections", "Connection records of each group (the report's --by dimensions).", out);
	for (size_t i = 0; i < r->ngroups && v; i++)
		group_series(r, "connections", v[i], v[i]->conns, out);
	header("would_refuse",
		   "Connections of each group enforcement would refuse (audit), or refused or failed "
		   "(enforce).",
		   out);
	for (size_t i = 0; i < r->ngroups && v; i++)
		group_series(r, "would_refuse", v[i], v[i]->would_refuse, out);
}

/* The earliest not_after of each server host, as Unix seconds; false on OOM. */
static bool
expiries(const struct report *r, FILE *out)
{
	struct host_expiry **h = hosts_sorted(r);
	int64_t ms;

	if (h == NULL && r->nhosts > 0)
		return false;
	header("certificate_expiry_timestamp_seconds",
		   "The earliest not_after of the certificates each server host sent, in Unix seconds.",
		   out);
	for (size_t i = 0; i < r->nhosts; i++)
	{
		if (!lt_rfc3339(h[i]->expiry, &ms))
			continue;
		fputs(PFX "certificate_expiry_timestamp_seconds{host=", out);
		put_label_value(h[i]->host, out);
		fprintf(out, "} %lld\n", (long long) (ms / 1000));
	}
	free(h);
	return true;
}

bool
report_print_metrics(const struct report *r, struct group **v, FILE *out)
{
	scalar("ready_to_enforce",
		   "1 when nothing in the records stands in the way of enforce, else 0.",
		   report_ready_to_enforce(r), out);
	if (r->rotation)
		scalar("ready_to_rotate", "1 when no connection would break at the CA rotation, else 0.",
			   report_ready_to_rotate(r), out);
	scalar("records", "Connection records read.", r->records, out);
	scalar("records_lost", "Records the shim could not write (its records_lost events).",
		   r->records_lost, out);
	scalar("blind_spots", "blind_spot records: connections the shim could not see.", r->blind_spots,
		   out);
	scalar("policy_errors", "policy_error records.", r->policy_errors, out);
	per_group(r, v, out);
	if (!expiries(r, out))
	{
		fprintf(stderr, "pgtls-shim: out of memory\n");
		return false;
	}
	fputs("# EOF\n", out);
	return true;
}
