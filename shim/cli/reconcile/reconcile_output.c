/*
 * reconcile_output.c
 *	  What `pgtls-shim reconcile` prints: the blind spots grouped by client
 *	  address, user, database, application_name and SSL; the sessions where
 *	  the server and the record disagree about TLS; the Unix-socket sessions
 *	  apart; and the coverage line last.  Or all of it as one JSON object.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "reconcile.h"
#include "text.h"

static int
cmp_opt(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int
cmp_blind(const void *a, const void *b)
{
	const struct blind *x = *(const struct blind *const *) a;
	const struct blind *y = *(const struct blind *const *) b;
	int c = strcmp(x->addr, y->addr);

	if (c == 0)
		c = cmp_opt(x->user, y->user);
	if (c == 0)
		c = cmp_opt(x->db, y->db);
	if (c == 0)
		c = cmp_opt(x->app, y->app);
	return c ? c : (int) x->ssl - (int) y->ssl;
}

struct collect
{
	struct blind **v;
	size_t n;
};

static void
collect(void *arg, void *e)
{
	struct collect *c = arg;

	if (*(struct blind **) e != NULL)
		c->v[c->n++] = *(struct blind **) e;
}

/* The blind-spot groups in a sorted array; NULL when there are none. */
static struct blind **
sorted_blind(const struct rc *r, bool *oom)
{
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
	struct blind **v = r->nblind ? calloc(r->nblind, sizeof(*v)) : NULL;
	struct collect c = {v, 0};

	*oom = r->nblind && v == NULL;
	if (v)
	{
		htab_each(&r->blind, collect, &c);
		qsort(v, c.n, sizeof(*v), cmp_blind); /* NOLINT(bugprone-sizeof-expression) */
	}
	return v;
}

static const char *
dash(const char *s)
{
	return s && s[0] ? s : "-";
}

static void
text_blind(struct blind *const *v, size_t n, FILE *out)
{
	char ts[40];

	fprintf(out, "blind spots: server sessions no client record accounts for\n");
	fprintf(out, "  %-39s %-16s %-16s %-24s %-4s %8s  %s\n", "CLIENT", "USER", "DATABASE",
			"APPLICATION_NAME", "SSL", "SESSIONS", "FIRST");
	for (size_t i = 0; i < n; i++)
	{
		format_ts(v[i]->first_ms, ts, sizeof(ts));
		fprintf(out, "  %-39s %-16s %-16s %-24s %-4s %8ld  %s\n", v[i]->addr, dash(v[i]->user),
				dash(v[i]->db), dash(v[i]->app), v[i]->ssl ? "yes" : "no", v[i]->n, ts);
	}
}

static void
text_disagree(const struct rc *r, FILE *out)
{
	char ts[40];

	fprintf(out, "TLS disagreements: the server and the record differ\n");
	for (long i = 0; i < r->ndisagree && i < RC_MAX_DISAGREE; i++)
	{
		const struct disagree *d = &r->dis[i];

		format_ts(d->ts_ms, ts, sizeof(ts));
		fprintf(out,
				"  %s %s:%d user=%s database=%s application_name=%s: server SSL %s, "
				"record (pid %d) tls %s\n",
				ts, d->addr, d->port, dash(d->user), dash(d->db), dash(d->app),
				d->server_ssl ? "yes" : "no", d->pid, d->server_ssl ? "null" : "set");
	}
	if (r->ndisagree > RC_MAX_DISAGREE)
		fprintf(out, "  ... and %ld more\n", r->ndisagree - RC_MAX_DISAGREE);
}

static bool
print_text(const struct rc *r, struct blind *const *v, FILE *out)
{
	if (r->nblind)
		text_blind(v, r->nblind, out);
	if (r->ndisagree)
		text_disagree(r, out);
	if (r->unix_sessions)
		fprintf(out, "unix-socket sessions: %ld (not matched: they have no client address)\n",
				r->unix_sessions);
	if (r->st.unpaired)
		fprintf(out, "authorized sessions without a \"connection received\" line: %ld\n",
				r->st.unpaired);
	if (r->st.unknown_zone)
		fprintf(out, "timestamps with an unknown time zone, read as UTC: %ld\n",
				r->st.unknown_zone);
	if (rc_records_late(r->records))
		fprintf(out,
				"records read after their time had passed (out of order by more than %d "
				"seconds; give each host's log as its own LOG): %ld\n",
				(int) (RC_SLACK_MS / 1000), rc_records_late(r->records));
	fprintf(out, "client records with a local address: %ld\n", rc_sources_read(r->sources));
	fprintf(out, "coverage: %ld of %ld server sessions have a client record\n", r->matched,
			r->sessions);
	return fflush(out) == 0 && !ferror(out);
}

static void
json_blind(struct jbuf *b, struct blind *const *v, size_t n)
{
	char ts[40];

	jb_key(b, "blind");
	jb_arr_begin(b);
	for (size_t i = 0; i < n; i++)
	{
		format_ts(v[i]->first_ms, ts, sizeof(ts));
		jb_obj_begin(b);
		jb_kstr(b, "client_addr", v[i]->addr);
		jb_kint(b, "client_port", v[i]->first_port);
		jb_kstr(b, "user", v[i]->user);
		jb_kstr(b, "database", v[i]->db);
		jb_kstr(b, "application_name", v[i]->app);
		jb_kbool(b, "ssl", v[i]->ssl);
		jb_kint(b, "sessions", v[i]->n);
		jb_kstr(b, "first_seen", ts);
		jb_obj_end(b);
	}
	jb_arr_end(b);
}

static void
json_disagree(struct jbuf *b, const struct rc *r)
{
	char ts[40];

	jb_key(b, "disagree");
	jb_arr_begin(b);
	for (long i = 0; i < r->ndisagree && i < RC_MAX_DISAGREE; i++)
	{
		const struct disagree *d = &r->dis[i];

		format_ts(d->ts_ms, ts, sizeof(ts));
		jb_obj_begin(b);
		jb_kstr(b, "ts", ts);
		jb_kstr(b, "client_addr", d->addr);
		jb_kint(b, "client_port", d->port);
		jb_kstr(b, "user", d->user);
		jb_kstr(b, "database", d->db);
		jb_kstr(b, "application_name", d->app);
		jb_kbool(b, "server_ssl", d->server_ssl);
		jb_kbool(b, "record_tls", !d->server_ssl);
		jb_kint(b, "record_pid", d->pid);
		jb_obj_end(b);
	}
	jb_arr_end(b);
}

static bool
print_json(const struct rc *r, struct blind *const *v, FILE *out)
{
	struct jbuf b;
	bool ok;

	jb_init(&b);
	jb_obj_begin(&b);
	jb_kint(&b, "server_sessions", r->sessions);
	jb_kint(&b, "matched", r->matched);
	jb_kint(&b, "blind_sessions", r->blind_sessions);
	json_blind(&b, v, r->nblind);
	jb_kint(&b, "disagree_sessions", r->ndisagree);
	json_disagree(&b, r);
	jb_kint(&b, "unix_sessions", r->unix_sessions);
	jb_kint(&b, "unpaired", r->st.unpaired);
	jb_kint(&b, "unknown_zone", r->st.unknown_zone);
	jb_kint(&b, "records", rc_sources_read(r->sources));
	jb_kint(&b, "late_records", rc_records_late(r->records));
	jb_kint(&b, "tolerance_ms", r->tol_ms);
	jb_obj_end(&b);
	jb_raw(&b, "\n", 1);
	ok = jb_ok(&b) && fwrite(b.p, 1, b.len, out) == b.len && fflush(out) == 0;
	jb_free(&b);
	return ok;
}

bool
rc_print(const struct rc *r, bool as_json, FILE *out)
{
	bool oom;
	struct blind **v = sorted_blind(r, &oom);
	bool ok = !oom && (as_json ? print_json(r, v, out) : print_text(r, v, out));

	if (oom)
		fprintf(stderr, "pgtls-shim: out of memory\n");
	free(v);
	return ok;
}
