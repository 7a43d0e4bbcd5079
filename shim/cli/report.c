/*
 * report.c
 *	  pgtls-shim report [--json] [--since TIME] [--until TIME] [--by DIMS]
 *	  [LOG...]: the options, the readiness lines and the printing of the
 *	  summary.  Reading is in report_read.c, the groups in report_groups.c;
 *	  memory depends on how many groups there are, not on the logs' size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

const char cli_usage_report[] =
	"usage: pgtls-shim report [--json] [--since TIME] [--until TIME] [--by DIMS] [LOG...]\n"
	"  Summarises connection records (LOG files, plain or gzip, JSON Lines, syslog\n"
	"  lines or journalctl -o json; standard input when none or \"-\").\n"
	"  --json          one JSON object instead of the table\n"
	"  --since TIME    only records at or after TIME (RFC 3339 or YYYY-MM-DD)\n"
	"  --until TIME    only records before TIME (a date: up to the end of that day)\n"
	"  --by DIMS       group by program, script, host, rule (comma list or repeated;\n"
	"                  default program,host,rule)\n"
	"  Exit 0 when every readiness line says yes, 1 when one says no, 2 on trouble.\n";

struct report *
report_new(void)
{
	struct report *r = calloc(1, sizeof(struct report));

	if (r == NULL)
		return NULL;
	r->tok = json_tokener_new();
	if (r->tok == NULL)
	{
		free(r);
		return NULL;
	}
	r->by[RD_PROGRAM] = r->by[RD_HOST] = r->by[RD_RULE] = true;
	return r;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	groups_free(r);
	tally_free(&r->blind_programs);
	json_tokener_free(r->tok);
	free(r);
}

static double
pct(long part, long whole)
{
	return whole ? 100.0 * (double) part / (double) whole : 0.0;
}

static void
print_tally(FILE *out, const struct tally *t)
{
	for (size_t i = 0; i < t->n; i++)
		fprintf(out, "%s%s (%ld)", i ? ", " : "", t->key[i], t->count[i]);
	if (t->other)
		fprintf(out, "%sother (%ld)", t->n ? ", " : "", t->other);
}

#define NNUM 7
static const char *const num_title[NNUM] = {
	"CONNS", "TLS", "VERIFIED", "WOULD-REFUSE", "FAILED", "EXPIRY-WARN", "EARLIEST-EXPIRY"};

/* The numeric cells of G, as text. */
static void
num_cells(const struct group *g, char cell[NNUM][40])
{
	snprintf(cell[0], 40, "%ld", g->conns);
	snprintf(cell[1], 40, "%.0f%%", pct(g->tls, g->conns));
	snprintf(cell[2], 40, "%.0f%%", pct(g->verified, g->conns));
	snprintf(cell[3], 40, "%ld", g->would_refuse);
	snprintf(cell[4], 40, "%ld", g->failed);
	snprintf(cell[5], 40, "%ld", g->expiry_warnings);
	snprintf(cell[6], 40, "%s", g->expiry[0] ? g->expiry : "-");
}

static const char *
dim_value(const struct group *g, int d)
{
	if (g->key[d][0] != '\0')
		return g->key[d];
	return d == RD_RULE ? "(top-level)" : "-";
}

/* Each column's width: the widest of its title and its cells. */
static void
widths(const struct report *r, struct group **v, int w[RD_N + NNUM])
{
	char cell[NNUM][40];

	for (int d = 0; d < RD_N; d++)
		w[d] = (int) strlen(report_dim_name[d]);
	for (int c = 0; c < NNUM; c++)
		w[RD_N + c] = (int) strlen(num_title[c]);
	for (size_t i = 0; i < r->ngroups; i++)
	{
		num_cells(v[i], cell);
		for (int d = 0; d < RD_N; d++)
			if (r->by[d] && (int) strlen(dim_value(v[i], d)) > w[d])
				w[d] = (int) strlen(dim_value(v[i], d));
		for (int c = 0; c < NNUM; c++)
			if ((int) strlen(cell[c]) > w[RD_N + c])
				w[RD_N + c] = (int) strlen(cell[c]);
	}
}

/* One row: the group's keys, its numbers, its protocols; then its details. */
static void
print_row(const struct report *r, const struct group *g, const int w[RD_N + NNUM], FILE *out)
{
	char cell[NNUM][40];

	num_cells(g, cell);
	for (int d = 0; d < RD_N; d++)
		if (r->by[d])
			fprintf(out, "%-*s  ", w[d], dim_value(g, d));
	for (int c = 0; c < NNUM; c++)
		fprintf(out, c == NNUM - 1 ? "%-*s  " : "%*s  ", w[RD_N + c], cell[c]);
	if (g->protocols.n || g->protocols.other)
		print_tally(out, &g->protocols);
	else
		fputc('-', out);
	fprintf(out, "\n");
	if (g->reasons.n || g->reasons.other)
	{
		fprintf(out, "    would refuse: ");
		print_tally(out, &g->reasons);
		fprintf(out, "\n");
	}
	if (g->refused)
		fprintf(out, "    refused in enforce: %ld\n", g->refused);
	if (g->would_break)
	{
		fprintf(out, "    would break at rotation: %ld of %ld: ", g->would_break, g->rotation);
		print_tally(out, &g->break_reasons);
		fprintf(out, "\n");
	}
}

static void
print_header(const struct report *r, const int w[RD_N + NNUM], FILE *out)
{
	for (int d = 0; d < RD_N; d++)
	{
		if (!r->by[d])
			continue;
		for (const char *p = report_dim_name[d]; *p; p++)
			fputc(*p - 'a' + 'A', out);
		fprintf(out, "%*s", w[d] - (int) strlen(report_dim_name[d]) + 2, "");
	}
	for (int c = 0; c < NNUM; c++)
		fprintf(out, c == NNUM - 1 ? "%-*s  " : "%*s  ", w[RD_N + c], num_title[c]);
	fprintf(out, "PROTOCOLS\n");
}

static void
print_totals(const struct report *r, FILE *out)
{
	fprintf(out, "%ld connection record%s, %zu group%s", r->records, r->records == 1 ? "" : "s",
			r->ngroups, r->ngroups == 1 ? "" : "s");
	if (r->failed)
		fprintf(out, ", %ld failed", r->failed);
	if (r->policy_errors)
		fprintf(out, ", %ld policy error%s", r->policy_errors, r->policy_errors == 1 ? "" : "s");
	if (r->invalid)
		fprintf(out, ", %ld unreadable line%s", r->invalid, r->invalid == 1 ? "" : "s");
	if (r->outside)
		fprintf(out, ", %ld outside the time window", r->outside);
	fprintf(out, "\n");
	if (r->blind_spots)
	{
		fprintf(out, "blind spots: ");
		print_tally(out, &r->blind_programs);
		fprintf(out, "\n");
	}
}

static void
print_text(const struct report *r, struct group **v, FILE *out)
{
	int w[RD_N + NNUM];
	char reasons[512];

	widths(r, v, w);
	print_header(r, w, out);
	for (size_t i = 0; i < r->ngroups && v; i++)
		print_row(r, v[i], w, out);
	print_totals(r, out);
	if (r->rotation)
	{
		if (report_ready_to_rotate(r))
			fprintf(out, "ready to rotate: yes\n");
		else
			fprintf(out, "ready to rotate: no (%ld connection%s would break)\n", r->would_break,
					r->would_break == 1 ? "" : "s");
	}
	report_not_ready_because(r, reasons, sizeof(reasons));
	if (report_ready_to_enforce(r))
		fprintf(out, "ready to enforce: yes\n");
	else
		fprintf(out, "ready to enforce: no (%s)\n", reasons);
}

bool
report_print(struct report *r, bool as_json, FILE *out)
{
	struct group **v = groups_sorted(r);
	bool ok;

	if (v == NULL && r->ngroups > 0)
	{
		fprintf(stderr, "pgtls-shim: out of memory\n");
		return false;
	}
	if (as_json)
		ok = report_print_json(r, v, out);
	else
		print_text(r, v, out);
	free(v);
	return (as_json ? ok : true) && fflush(out) == 0 && !ferror(out);
}

/* Sets R's dimensions from LIST ("program,host"); false when one is unknown. */
static bool
set_by(struct report *r, const char *list, bool *first)
{
	const char *p = list;
	bool any = false;

	if (*first)
		memset(r->by, 0, sizeof(r->by));
	*first = false;
	while (*p)
	{
		size_t n = strcspn(p, ",");
		int d;

		for (d = 0; d < RD_N; d++)
			if (strlen(report_dim_name[d]) == n && strncmp(p, report_dim_name[d], n) == 0)
				break;
		if (d == RD_N)
		{
			fprintf(stderr, "pgtls-shim: --by: unknown \"%.*s\" (program, script, host, rule)\n",
					(int) n, p);
			return false;
		}
		r->by[d] = true;
		p += n + (p[n] == ',');
	}
	for (size_t i = 0; i < sizeof(r->by) / sizeof(r->by[0]); i++)
		any |= r->by[i];
	if (!any)
	{
		fprintf(stderr, "pgtls-shim: --by: name at least one of program, script, host, rule\n");
		return false;
	}
	return true;
}

/* Sets --since or --until from ARG; false with a message when it is no time. */
static bool
set_time(struct report *r, const char *opt, const char *arg)
{
	bool until = strcmp(opt, "--until") == 0;

	if (!report_parse_time(arg, until, until ? &r->until_ms : &r->since_ms))
	{
		fprintf(stderr, "pgtls-shim: %s: \"%s\" is not an RFC 3339 time or a YYYY-MM-DD date\n",
				opt, arg);
		return false;
	}
	*(until ? &r->has_until : &r->has_since) = true;
	return true;
}

/*
 * Reads the options of ARGV into R and *AS_JSON, leaving the file names in
 * FILES (*NFILES of them).  Returns -1 to go on, else the exit status.
 */
static int
parse_args(struct report *r, int argc, char **argv, bool *as_json, char **files, int *nfiles)
{
	bool first_by = true, opts = true;

	for (int i = 1; i < argc; i++)
	{
		const char *a = argv[i];
		bool has_val = i + 1 < argc;

		if (opts && cli_is_help(a))
			return cli_usage(cli_usage_report, true);
		if (opts && strcmp(a, "--") == 0)
			opts = false;
		else if (opts && strcmp(a, "--json") == 0)
			*as_json = true;
		else if (opts && (strcmp(a, "--since") == 0 || strcmp(a, "--until") == 0) && has_val)
		{
			if (!set_time(r, a, argv[++i]))
				return 2;
		}
		else if (opts && strcmp(a, "--by") == 0 && has_val)
		{
			if (!set_by(r, argv[++i], &first_by))
				return 2;
		}
		else if (opts && a[0] == '-' && a[1] != '\0')
			return cli_usage(cli_usage_report, false);
		else
			files[(*nfiles)++] = argv[i];
	}
	return -1;
}

int
cmd_report(int argc, char **argv)
{
	struct report *r = report_new();
	char **files = calloc((size_t) argc + 1, sizeof(char *));
	bool as_json = false, ok = true, printed;
	int nfiles = 0, rc;

	if (r == NULL || files == NULL)
	{
		fprintf(stderr, "pgtls-shim: out of memory\n");
		report_free(r);
		free(files);
		return 2;
	}
	rc = parse_args(r, argc, argv, &as_json, files, &nfiles);
	if (rc < 0 && nfiles == 0)
		files[nfiles++] = "-";
	for (int i = 0; rc < 0 && ok && i < nfiles; i++)
		ok = report_read_path(r, files[i]);
	if (rc < 0)
	{
		printed = ok && report_print(r, as_json, stdout);
		rc = !printed ? 2 : report_ready_to_enforce(r) && report_ready_to_rotate(r) ? 0 : 1;
	}
	report_free(r);
	free(files);
	return rc;
}
