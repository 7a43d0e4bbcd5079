/*
 * report_print.c
 *	  The text summary of `pgtls-shim report`: one row per group with its
 *	  details under it, the totals, and the readiness lines last.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "summary.h"

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
	return g->key[d][0] != '\0' ? g->key[d] : report_dims[d].null_text;
}

/* Each column's width: the widest of its title and its cells. */
static void
widths(const struct report *r, struct group **v, int w[RD_MAX + NNUM])
{
	char cell[NNUM][40];

	for (int d = 0; d < report_ndims; d++)
		w[d] = (int) strlen(report_dims[d].name);
	for (int c = 0; c < NNUM; c++)
		w[RD_MAX + c] = (int) strlen(num_title[c]);
	for (size_t i = 0; i < r->ngroups; i++)
	{
		num_cells(v[i], cell);
		for (int d = 0; d < report_ndims; d++)
			if (r->by[d] && (int) strlen(dim_value(v[i], d)) > w[d])
				w[d] = (int) strlen(dim_value(v[i], d));
		for (int c = 0; c < NNUM; c++)
			if ((int) strlen(cell[c]) > w[RD_MAX + c])
				w[RD_MAX + c] = (int) strlen(cell[c]);
	}
}

/* One row: the group's keys, its numbers, its protocols; then its details. */
static void
print_row(const struct report *r, const struct group *g, const int w[RD_MAX + NNUM], FILE *out)
{
	char cell[NNUM][40];

	num_cells(g, cell);
	for (int d = 0; d < report_ndims; d++)
		if (r->by[d])
			fprintf(out, "%-*s  ", w[d], dim_value(g, d));
	for (int c = 0; c < NNUM; c++)
		fprintf(out, c == NNUM - 1 ? "%-*s  " : "%*s  ", w[RD_MAX + c], cell[c]);
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
print_header(const struct report *r, const int w[RD_MAX + NNUM], FILE *out)
{
	for (int d = 0; d < report_ndims; d++)
	{
		if (!r->by[d])
			continue;
		for (const char *p = report_dims[d].name; *p; p++)
			fputc(toupper((unsigned char) *p), out);
		fprintf(out, "%*s", w[d] - (int) strlen(report_dims[d].name) + 2, "");
	}
	for (int c = 0; c < NNUM; c++)
		fprintf(out, c == NNUM - 1 ? "%-*s  " : "%*s  ", w[RD_MAX + c], num_title[c]);
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
	if (r->lost_events)
		fprintf(out, ", %ld record%s lost", r->records_lost, r->records_lost == 1 ? "" : "s");
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
	int w[RD_MAX + NNUM];
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
report_print(struct report *r, enum report_format format, FILE *out)
{
	struct group **v = groups_sorted(r);
	bool ok = true;

	if (v == NULL && r->ngroups > 0)
	{
		fprintf(stderr, "pgtls-shim: out of memory\n");
		return false;
	}
	if (format == REPORT_JSON)
		ok = report_print_json(r, v, out);
	else if (format == REPORT_OPENMETRICS)
		ok = report_print_metrics(r, v, out);
	else
		print_text(r, v, out);
	free(v);
	return ok && fflush(out) == 0 && !ferror(out);
}
