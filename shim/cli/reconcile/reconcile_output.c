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

/* The blind-spot groups in a sorted array; NULL when there are none. */
static struct blind **
sorted_blind(const struct rc *r, bool *oom)
{
	size_t n;

	return (struct blind **) htab_sorted(&r->blind, cmp_blind, &n, oom);
}

/* The blind spots by client address, user and application_name (--json's blind_groups). */
struct coarse
{
	const struct blind *first; /* its addr, user, app */
	long n, ssl;
	int64_t first_ms;
	size_t from, to; /* its fine groups, v[from..to), sorted by database */
};

static int
cmp_coarse(const void *a, const void *b)
{
	const struct blind *x = *(const struct blind *const *) a;
	const struct blind *y = *(const struct blind *const *) b;
	int c = strcmp(x->addr, y->addr);

	if (c == 0)
		c = cmp_opt(x->user, y->user);
	if (c == 0)
		c = cmp_opt(x->app, y->app);
	if (c == 0)
		c = cmp_opt(x->db, y->db);
	return c ? c : (int) x->ssl - (int) y->ssl;
}

static bool
same_coarse(const struct blind *x, const struct blind *y)
{
	return strcmp(x->addr, y->addr) == 0 && cmp_opt(x->user, y->user) == 0 &&
		   cmp_opt(x->app, y->app) == 0;
}

/*
 * The coarse groups of the fine ones in V (N of them; V re-sorted for it)
 * into a malloc'd array, *NC of them; NULL when none or on OOM (*OOM).
 */
static struct coarse *
coarse_groups(struct blind **v, size_t n, size_t *nc, bool *oom)
{
	struct coarse *c = n ? calloc(n, sizeof(*c)) : NULL;

	*nc = 0;
	*oom = n && c == NULL;
	if (c == NULL)
		return NULL;
	qsort(v, n, sizeof(*v), cmp_coarse); /* NOLINT(bugprone-sizeof-expression) */
	for (size_t i = 0; i < n; i++)
	{
		struct coarse *g = &c[*nc];

		if (i == 0 || !same_coarse(v[i], c[*nc - 1].first))
		{
			g->first = v[i];
			g->first_ms = v[i]->first_ms;
			g->from = i;
			(*nc)++;
		}
		g = &c[*nc - 1];
		g->n += v[i]->n;
		g->ssl += v[i]->ssl ? v[i]->n : 0;
		g->first_ms = v[i]->first_ms < g->first_ms ? v[i]->first_ms : g->first_ms;
		g->to = i + 1;
	}
	return c;
}

static const char *
dash(const char *s)
{
	return s && s[0] ? s : "-";
}

/* The databases of C's sessions, comma-separated, into B (SIZE bytes). */
static void
databases(struct blind *const *v, const struct coarse *c, char *b, size_t size)
{
	size_t len = 0;

	b[0] = '\0';
	for (size_t i = c->from; i < c->to && len < size; i++)
	{
		if (i > c->from && cmp_opt(v[i]->db, v[i - 1]->db) == 0)
			continue; /* the same database with and without SSL */
		len += (size_t) snprintf(b + len, size - len, "%s%s", len ? "," : "", dash(v[i]->db));
	}
}

static void
text_blind(struct blind *const *v, const struct coarse *c, size_t nc, FILE *out)
{
	char ts[40], ssl[48], dbs[256];

	fprintf(out, "blind spots: server sessions no client record accounts for, by client, user "
				 "and application\n");
	fprintf(out, "  %-39s %-16s %-24s %8s %-12s %-24s %s\n", "CLIENT", "USER", "APPLICATION_NAME",
			"SESSIONS", "SSL", "DATABASES", "FIRST");
	for (size_t i = 0; i < nc; i++)
	{
		format_ts(c[i].first_ms, ts, sizeof(ts));
		if (c[i].ssl == 0 || c[i].ssl == c[i].n)
			snprintf(ssl, sizeof(ssl), "%s", c[i].ssl ? "yes" : "no");
		else
			snprintf(ssl, sizeof(ssl), "%ld of %ld", c[i].ssl, c[i].n);
		databases(v, &c[i], dbs, sizeof(dbs));
		fprintf(out, "  %-39s %-16s %-24s %8ld %-12s %-24s %s\n", c[i].first->addr,
				dash(c[i].first->user), dash(c[i].first->app), c[i].n, ssl, dbs, ts);
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
print_text(const struct rc *r, struct blind *const *v, const struct coarse *c, size_t nc, FILE *out)
{
	if (r->nblind)
		text_blind(v, c, nc, out);
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
	if (rc_records_late(r->records) && r->held)
		fprintf(out,
				"records out of order by more than %d seconds: joined again with every record "
				"held in memory\n",
				(int) (RC_SLACK_MS / 1000));
	else if (rc_records_late(r->records))
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

static void
json_coarse(struct jbuf *b, struct blind *const *v, const struct coarse *c, size_t nc)
{
	char ts[40];

	jb_key(b, "blind_groups");
	jb_arr_begin(b);
	for (size_t i = 0; i < nc; i++)
	{
		format_ts(c[i].first_ms, ts, sizeof(ts));
		jb_obj_begin(b);
		jb_kstr(b, "client_addr", c[i].first->addr);
		jb_kstr(b, "user", c[i].first->user);
		jb_kstr(b, "application_name", c[i].first->app);
		jb_kint(b, "sessions", c[i].n);
		jb_kint(b, "ssl_sessions", c[i].ssl);
		jb_key(b, "databases");
		jb_arr_begin(b);
		for (size_t k = c[i].from; k < c[i].to; k++)
			if (k == c[i].from || cmp_opt(v[k]->db, v[k - 1]->db) != 0)
				jb_str(b, v[k]->db); /* NULL: a replication session */
		jb_arr_end(b);
		jb_kstr(b, "first_seen", ts);
		jb_obj_end(b);
	}
	jb_arr_end(b);
}

static bool
print_json(const struct rc *r, struct blind *const *v, struct blind *const *w,
		   const struct coarse *c, size_t nc, FILE *out)
{
	struct jbuf b;
	bool ok;

	jb_init(&b);
	jb_obj_begin(&b);
	jb_kint(&b, "server_sessions", r->sessions);
	jb_kint(&b, "matched", r->matched);
	jb_kint(&b, "blind_sessions", r->blind_sessions);
	json_blind(&b, v, r->nblind);
	json_coarse(&b, w, c, nc);
	jb_kint(&b, "disagree_sessions", r->ndisagree);
	json_disagree(&b, r);
	jb_kint(&b, "unix_sessions", r->unix_sessions);
	jb_kint(&b, "unpaired", r->st.unpaired);
	jb_kint(&b, "unknown_zone", r->st.unknown_zone);
	jb_kint(&b, "records", rc_sources_read(r->sources));
	jb_kint(&b, "late_records", rc_records_late(r->records));
	jb_kbool(&b, "held_all_records", r->held);
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
	bool oom, coom = false, ok = false;
	struct blind **v = sorted_blind(r, &oom);
	struct blind **w = NULL; /* V again, sorted for the coarse groups */
	struct coarse *c = NULL;
	size_t nc = 0;

	if (!oom && r->nblind)
	{
		/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
		w = malloc(r->nblind * sizeof(*w));
		oom = w == NULL;
		if (w)
		{
			memcpy(w, v, r->nblind * sizeof(*w)); /* NOLINT(bugprone-sizeof-expression) */
			c = coarse_groups(w, r->nblind, &nc, &coom);
		}
	}
	oom |= coom;
	if (!oom)
		ok = as_json ? print_json(r, v, w, c, nc, out) : print_text(r, w, c, nc, out);
	else
		fprintf(stderr, "pgtls-shim: out of memory\n");
	free(c);
	free(w);
	free(v);
	return ok;
}
