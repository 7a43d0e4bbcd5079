/*
 * report.c
 *	  pgtls-shim report [--json] [--since TIME] [--until TIME] [--by DIMS]
 *	  [LOG...]: the options and the summary's life.  Reading is in
 *	  report_read.c, a record's facts in report_fold.c, the groups in
 *	  report_groups.c, the output in report_print.c and report_json.c;
 *	  memory depends on how many groups there are, not on the logs' size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdopt.h"
#include "logtime.h"
#include "report.h"
#include "summary.h"

const char cli_usage_report[] =
	"usage: pgtls-shim report [--json | --format FORMAT] [--since TIME] [--until TIME]\n"
	"         [--by DIMS] [LOG...]\n"
	"  Summarises connection records (LOG files, plain or gzip, JSON Lines, syslog\n"
	"  lines or journalctl -o json, of any number of hosts in any order; standard\n"
	"  input when none or \"-\").\n"
	"  --json          one JSON object instead of the table (--format json)\n"
	"  --format FORMAT text (default), json, or openmetrics: gauges in the\n"
	"                  Prometheus text format, for node_exporter's textfile collector\n"
	"  --since TIME    only records at or after TIME (RFC 3339, YYYY-MM-DD, or\n"
	"                  that long ago: 30m, 1h, 7d, 2w)\n"
	"  --until TIME    only records before TIME (a date: up to the end of that day)\n"
	"  --by DIMS       group by program, script, host, rule, hostname,\n"
	"                  application_name, user, dbname, unit, policy (the policy's\n"
	"                  sha256) (comma list or repeated; default program,host,rule)\n"
	"  Exit 0 when every readiness line says yes, 1 when one says no, 2 on trouble.\n";

static const char default_by[] = "program,host,rule";

/* A summary with no options and nothing read. */
static struct report *
blank(void)
{
	struct report *r = calloc(1, sizeof(struct report));

	if (r == NULL)
		return NULL;
	htab_init(&r->groups, sizeof(struct group *));
	htab_init(&r->hosts, sizeof(struct host_expiry *));
	report_keys_init(&r->keys);
	logrec_init(&r->rec);
	return r;
}

struct report *
report_new(void)
{
	struct report *r = blank();

	for (int d = 0; r != NULL && d < report_ndims; d++)
		r->by[d] = strstr(default_by, report_dims[d].name) != NULL;
	return r;
}

struct report *
report_like(const struct report *from)
{
	struct report *r = blank();

	if (r == NULL)
		return NULL;
	memcpy(r->by, from->by, sizeof(r->by));
	r->has_since = from->has_since;
	r->has_until = from->has_until;
	r->since_ms = from->since_ms;
	r->until_ms = from->until_ms;
	return r;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	groups_free(r);
	hosts_free(r);
	tally_free(&r->blind_programs);
	logrec_free(&r->rec);
	free(r);
}

/* The names of every dimension, for messages. */
static void
dim_names(char *b, size_t size)
{
	size_t len = 0;

	b[0] = '\0';
	for (int d = 0; d < report_ndims && len < size; d++)
		len += (size_t) snprintf(b + len, size - len, "%s%s", d ? ", " : "", report_dims[d].name);
}

/* Sets R's dimensions from LIST ("program,host"); false with a message when one is unknown. */
static bool
set_by(const struct cmdopt *c, struct report *r, const char *list, bool *first)
{
	const char *p = list;
	char names[256], msg[512];
	bool any = false;

	if (*first)
		memset(r->by, 0, sizeof(r->by));
	*first = false;
	dim_names(names, sizeof(names));
	while (*p)
	{
		size_t n = strcspn(p, ",");
		int d;

		for (d = 0; d < report_ndims; d++)
			if (strlen(report_dims[d].name) == n && strncmp(p, report_dims[d].name, n) == 0)
				break;
		if (d == report_ndims)
		{
			snprintf(msg, sizeof(msg), "--by: unknown \"%.*s\" (%s)", (int) n, p, names);
			return cmdopt_error(c, msg), false;
		}
		r->by[d] = true;
		p += n + (p[n] == ',');
	}
	for (int d = 0; d < report_ndims; d++)
		any |= r->by[d];
	if (!any)
	{
		snprintf(msg, sizeof(msg), "--by: name at least one of %s", names);
		return cmdopt_error(c, msg), false;
	}
	return true;
}

/* Sets --since or --until from ARG; false with a message when it is no time. */
static bool
set_time(const struct cmdopt *c, struct report *r, bool until, const char *arg)
{
	char msg[512];

	if (!lt_when(arg, lt_now_ms(), until, until ? &r->until_ms : &r->since_ms))
	{
		snprintf(msg, sizeof(msg),
				 "--%s: \"%s\" is not an RFC 3339 time, a YYYY-MM-DD date or a time ago "
				 "such as 1h or 7d",
				 until ? "until" : "since", arg);
		return cmdopt_error(c, msg), false;
	}
	*(until ? &r->has_until : &r->has_since) = true;
	return true;
}

/* Sets *FORMAT from NAME; false with a message when it is none. */
static bool
set_format(const struct cmdopt *c, const char *name, enum report_format *format)
{
	static const char *const names[] = {"text", "json", "openmetrics"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		if (strcmp(name, names[i]) == 0)
		{
			*format = (enum report_format) i;
			return true;
		}
	}
	return cmdopt_error(c, "--format: text, json or openmetrics"), false;
}

/* Reads the options of ARGV into R and *FORMAT: -1 to go on, else the exit status. */
static int
parse_args(struct report *r, int argc, char **argv, enum report_format *format)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
										 {"since", required_argument, NULL, 's'},
										 {"until", required_argument, NULL, 'u'},
										 {"by", required_argument, NULL, 'b'},
										 {"format", required_argument, NULL, 'f'},
										 CMDOPT_HELP,
										 {NULL, 0, NULL, 0}};
	const struct cmdopt c = {"report", cli_usage_report, opts, false};
	bool first_by = true;
	int ch, status = 2;

	cmdopt_begin();
	while ((ch = cmdopt_next(&c, argc, argv, &status)) != -1)
	{
		if (ch == CMDOPT_EXIT)
			return status;
		if (ch == 'j')
			*format = REPORT_JSON;
		else if (((ch == 's' || ch == 'u') && !set_time(&c, r, ch == 'u', optarg)) ||
				 (ch == 'b' && !set_by(&c, r, optarg, &first_by)) ||
				 (ch == 'f' && !set_format(&c, optarg, format)))
			return 2;
	}
	return -1;
}

int
cmd_report(int argc, char **argv)
{
	struct report *r = report_new();
	char *std[] = {"-"};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	enum report_format format = REPORT_TEXT;
	bool ok;
	int rc;

	if (r == NULL)
	{
		fprintf(stderr, "pgtls-shim: out of memory\n");
		return 2;
	}
	rc = parse_args(r, argc, argv, &format);
	if (rc < 0)
	{
		ok = optind < argc ? report_read_paths(r, argv + optind, argc - optind, (int) cpus)
						   : report_read_paths(r, std, 1, 1);
		ok = ok && report_print(r, format, stdout);
		rc = !ok ? 2 : report_ready_to_enforce(r) && report_ready_to_rotate(r) ? 0 : 1;
	}
	report_free(r);
	return rc;
}
