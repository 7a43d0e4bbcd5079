/*
 * report_json.c
 *	  `pgtls-shim report --json`: the summary as one JSON object, every field
 *	  of which the README's table documents.  report_version changes when a
 *	  field changes meaning or goes away.
 */
#include <stdio.h>

#include "json.h"
#include "summary.h"

#define REPORT_VERSION 1

static void
json_tally(struct jbuf *b, const char *key, const struct tally *t)
{
	jb_key(b, key);
	jb_obj_begin(b);
	for (size_t i = 0; i < t->n; i++)
		jb_kint(b, t->key[i], t->count[i]);
	if (t->other)
		jb_kint(b, "other", t->other);
	jb_obj_end(b);
}

static void
json_group(struct jbuf *b, const struct group *g)
{
	jb_obj_begin(b);
	for (int d = 0; d < report_ndims; d++)
		jb_kstr(b, report_dims[d].name, g->key[d] && g->key[d][0] ? g->key[d] : NULL);
	jb_kint(b, "connections", g->conns);
	jb_kint(b, "tls", g->tls);
	jb_kint(b, "verified", g->verified);
	jb_kint(b, "would_refuse", g->would_refuse);
	jb_kint(b, "refused", g->refused);
	jb_kint(b, "failed", g->failed);
	jb_kint(b, "expiry_warnings", g->expiry_warnings);
	jb_kstr(b, "earliest_expiry", g->expiry[0] ? g->expiry : NULL);
	json_tally(b, "reasons", &g->reasons);
	json_tally(b, "protocols", &g->protocols);
	jb_kint(b, "rotation_checked", g->rotation);
	jb_kint(b, "would_break", g->would_break);
	json_tally(b, "break_reasons", &g->break_reasons);
	jb_obj_end(b);
}

static void
json_totals(struct jbuf *b, const struct report *r)
{
	char reasons[512];

	jb_kint(b, "report_version", REPORT_VERSION);
	jb_kint(b, "connections", r->records);
	jb_kint(b, "would_refuse", r->would_refuse);
	jb_kint(b, "refused", r->refused);
	jb_kint(b, "failed", r->failed);
	jb_kint(b, "policy_errors", r->policy_errors);
	jb_kint(b, "blind_spots", r->blind_spots);
	jb_kint(b, "records_lost", r->records_lost);
	jb_kint(b, "records_lost_events", r->lost_events);
	json_tally(b, "blind_spot_programs", &r->blind_programs);
	jb_kint(b, "unreadable_lines", r->invalid);
	jb_kint(b, "outside_window", r->outside);
	jb_kbool(b, "ready_to_enforce", report_ready_to_enforce(r));
	report_not_ready_because(r, reasons, sizeof(reasons));
	jb_kstr(b, "not_ready_because", report_ready_to_enforce(r) ? NULL : reasons);
	jb_kint(b, "rotation_checked", r->rotation);
	jb_kint(b, "would_break", r->would_break);
	if (r->rotation)
		jb_kbool(b, "ready_to_rotate", report_ready_to_rotate(r));
	else
		jb_knull(b, "ready_to_rotate");
	jb_key(b, "by");
	jb_arr_begin(b);
	for (int d = 0; d < report_ndims; d++)
		if (r->by[d])
			jb_str(b, report_dims[d].name);
	jb_arr_end(b);
}

bool
report_print_json(const struct report *r, struct group **v, FILE *out)
{
	struct jbuf b;
	bool ok;

	jb_init(&b);
	jb_obj_begin(&b);
	json_totals(&b, r);
	jb_key(&b, "groups");
	jb_arr_begin(&b);
	for (size_t i = 0; i < r->ngroups && v; i++)
		json_group(&b, v[i]);
	jb_arr_end(&b);
	jb_obj_end(&b);
	jb_raw(&b, "\n", 1);
	ok = jb_ok(&b) && fwrite(b.p, 1, b.len, out) == b.len;
	jb_free(&b);
	return ok;
}
