/*
 * report.c
 *	  pgtls-shim report [--json] [LOG...]: summarises connection records per
 *	  program, host and rule.  Streams: one line is parsed (json-c) at a time
 *	  and only the per-group totals are kept, so memory depends on how many
 *	  (program, host, rule) groups there are, not on the size of the logs.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

#define MAX_TALLY 16

/* A small counted set of strings (reasons, protocols). */
struct tally
{
	size_t n;
	char *key[MAX_TALLY];
	long count[MAX_TALLY];
	long other; /* beyond MAX_TALLY distinct keys */
};

struct group
{
	struct group *next;
	char *program;
	char *host;
	char *rule;
	long conns;
	long tls;
	long verified;
	long would_refuse;
	long refused; /* enforce: refused, or failed under the shim */
	struct tally reasons;
	struct tally protocols;
	char expiry[32]; /* earliest not_after seen, RFC 3339 */
};

struct report
{
	struct group *groups;
	size_t ngroups;
	long records;
	long policy_errors;
	long invalid;
	long would_refuse;
};

static const char *
get_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool
get_bool(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
		   json_object_get_boolean(v);
}

static bool
same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static char *
dup0(const char *s)
{
	return strdup(s ? s : "");
}

static void
tally_add(struct tally *t, const char *key)
{
	if (key == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
	{
		if (strcmp(t->key[i], key) == 0)
		{
			t->count[i]++;
			return;
		}
	}
	if (t->n < MAX_TALLY && (t->key[t->n] = strdup(key)) != NULL)
		t->count[t->n++] = 1;
	else
		t->other++;
}

static struct group *
find_group(struct report *r, const char *program, const char *host, const char *rule)
{
	struct group *g;

	for (g = r->groups; g; g = g->next)
	{
		if (same(g->program, program) && same(g->host, host) && same(g->rule, rule))
			return g;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->program = dup0(program);
	g->host = dup0(host);
	g->rule = dup0(rule);
	if (!g->program || !g->host || !g->rule)
	{
		free(g->program);
		free(g->host);
		free(g->rule);
		free(g);
		return NULL;
	}
	g->next = r->groups;
	r->groups = g;
	r->ngroups++;
	return g;
}

/* Folds one parsed record into R. */
static bool
add_record(struct report *r, json_object *rec)
{
	const char *event = get_str(rec, "event");
	struct group *g;
	json_object *v;

	if (event && strcmp(event, "policy_error") == 0)
	{
		r->policy_errors++;
		return true;
	}
	if (event == NULL || strcmp(event, "connect") != 0)
		return false;
	g = find_group(r, get_str(rec, "program"), get_str(rec, "host"), get_str(rec, "rule"));
	if (g == NULL)
		return false;
	r->records++;
	g->conns++;
	if (json_object_object_get_ex(rec, "tls", &v) && json_object_is_type(v, json_type_object))
	{
		g->tls++;
		tally_add(&g->protocols, get_str(v, "protocol"));
	}
	g->verified += get_bool(rec, "verified");
	if (json_object_object_get_ex(rec, "audit", &v) && get_bool(v, "would_refuse"))
	{
		g->would_refuse++;
		r->would_refuse++;
		tally_add(&g->reasons, get_str(v, "reason") ? get_str(v, "reason") : "unknown");
	}
	if (same(get_str(rec, "mode"), "enforce") && !same(get_str(rec, "outcome"), "ok") &&
		get_str(rec, "error") && strncmp(get_str(rec, "error"), "pgtls-shim:", 11) == 0)
		g->refused++;
	if (json_object_object_get_ex(rec, "chain", &v) && json_object_is_type(v, json_type_array))
	{
		for (size_t i = 0; i < json_object_array_length(v); i++)
		{
			const char *na = get_str(json_object_array_get_idx(v, i), "not_after");
			size_t len = na ? strlen(na) : sizeof(g->expiry);

			if (len < sizeof(g->expiry) && (g->expiry[0] == '\0' || strcmp(na, g->expiry) < 0))
				memcpy(g->expiry, na, len + 1);
		}
	}
	return true;
}

bool
report_read(struct report *r, FILE *f, const char *name)
{
	char *line = NULL;
	size_t cap = 0;

	while (getline(&line, &cap, f) > 0)
	{
		json_object *rec = json_tokener_parse(line);

		if (rec == NULL || !json_object_is_type(rec, json_type_object) || !add_record(r, rec))
			r->invalid++;
		json_object_put(rec);
	}
	free(line);
	if (ferror(f))
	{
		fprintf(stderr, "pgtls-shim: reading %s: %s\n", name, strerror(errno));
		return false;
	}
	return true;
}

static int
cmp_group(const void *a, const void *b)
{
	const struct group *x = *(const struct group *const *) a;
	const struct group *y = *(const struct group *const *) b;
	int c = strcmp(x->program, y->program);

	if (c == 0)
		c = strcmp(x->host, y->host);
	return c ? c : strcmp(x->rule, y->rule);
}

/* Relinks the groups in (program, host, rule) order, for stable output. */
static void
sort_groups(struct report *r)
{
	struct group **v;
	size_t n = 0;

	if (r->ngroups < 2)
		return;
	v = calloc(r->ngroups, sizeof(struct group *));
	if (v == NULL)
		return; /* unsorted, but complete */
	for (struct group *g = r->groups; g; g = g->next)
		v[n++] = g;
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
	qsort(v, n, sizeof(struct group *), cmp_group);
	r->groups = NULL;
	while (n-- > 0)
	{
		v[n]->next = r->groups;
		r->groups = v[n];
	}
	free(v);
}

static double
pct(long part, long whole)
{
	return whole ? 100.0 * (double) part / (double) whole : 0.0;
}

static void
print_tally(FILE *out, const struct tally *t, const char *sep)
{
	for (size_t i = 0; i < t->n; i++)
		fprintf(out, "%s%s (%ld)", i ? sep : "", t->key[i], t->count[i]);
	if (t->other)
		fprintf(out, "%sother (%ld)", t->n ? sep : "", t->other);
}

static void
print_text(const struct report *r, FILE *out)
{
	fprintf(out, "%-36s %-28s %-16s %7s %5s %9s %12s %-21s %s\n", "PROGRAM", "HOST", "RULE",
			"CONNS", "TLS", "VERIFIED", "WOULD-REFUSE", "EARLIEST EXPIRY", "PROTOCOLS");
	for (const struct group *g = r->groups; g; g = g->next)
	{
		fprintf(out, "%-36s %-28s %-16s %7ld %4.0f%% %8.0f%% %12ld %-21s ",
				g->program[0] ? g->program : "-", g->host[0] ? g->host : "-",
				g->rule[0] ? g->rule : "(top-level)", g->conns, pct(g->tls, g->conns),
				pct(g->verified, g->conns), g->would_refuse, g->expiry[0] ? g->expiry : "-");
		print_tally(out, &g->protocols, ", ");
		fprintf(out, "\n");
		if (g->reasons.n || g->reasons.other)
		{
			fprintf(out, "    would refuse: ");
			print_tally(out, &g->reasons, ", ");
			fprintf(out, "\n");
		}
		if (g->refused)
			fprintf(out, "    refused in enforce: %ld\n", g->refused);
	}
	fprintf(out, "%ld connection records, %zu groups", r->records, r->ngroups);
	if (r->policy_errors)
		fprintf(out, ", %ld policy errors", r->policy_errors);
	if (r->invalid)
		fprintf(out, ", %ld unreadable lines", r->invalid);
	fprintf(out, "\n");
	if (r->would_refuse == 0)
		fprintf(out, "ready to enforce: yes\n");
	else
		fprintf(out, "ready to enforce: no (%ld connection%s would be refused)\n", r->would_refuse,
				r->would_refuse == 1 ? "" : "s");
}

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

static bool
print_json(const struct report *r, FILE *out)
{
	struct jbuf b;
	bool ok;

	jb_init(&b);
	jb_obj_begin(&b);
	jb_key(&b, "groups");
	jb_arr_begin(&b);
	for (const struct group *g = r->groups; g; g = g->next)
	{
		jb_obj_begin(&b);
		jb_kstr(&b, "program", g->program[0] ? g->program : NULL);
		jb_kstr(&b, "host", g->host[0] ? g->host : NULL);
		jb_kstr(&b, "rule", g->rule[0] ? g->rule : NULL);
		jb_kint(&b, "connections", g->conns);
		jb_kint(&b, "tls", g->tls);
		jb_kint(&b, "verified", g->verified);
		jb_kint(&b, "would_refuse", g->would_refuse);
		jb_kint(&b, "refused", g->refused);
		json_tally(&b, "reasons", &g->reasons);
		json_tally(&b, "protocols", &g->protocols);
		jb_kstr(&b, "earliest_expiry", g->expiry[0] ? g->expiry : NULL);
		jb_obj_end(&b);
	}
	jb_arr_end(&b);
	jb_kint(&b, "connections", r->records);
	jb_kint(&b, "would_refuse", r->would_refuse);
	jb_kint(&b, "policy_errors", r->policy_errors);
	jb_kint(&b, "unreadable_lines", r->invalid);
	jb_kbool(&b, "ready_to_enforce", r->would_refuse == 0);
	jb_obj_end(&b);
	jb_raw(&b, "\n", 1);
	ok = jb_ok(&b) && fwrite(b.p, 1, b.len, out) == b.len;
	jb_free(&b);
	return ok;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	while (r->groups)
	{
		struct group *g = r->groups;

		r->groups = g->next;
		for (size_t i = 0; i < g->reasons.n; i++)
			free(g->reasons.key[i]);
		for (size_t i = 0; i < g->protocols.n; i++)
			free(g->protocols.key[i]);
		free(g->program);
		free(g->host);
		free(g->rule);
		free(g);
	}
	free(r);
}

struct report *
report_new(void)
{
	return calloc(1, sizeof(struct report));
}

bool
report_print(struct report *r, bool as_json, FILE *out)
{
	sort_groups(r);
	if (as_json)
		return print_json(r, out);
	print_text(r, out);
	return fflush(out) == 0 && !ferror(out);
}

int
cmd_report(int argc, char **argv)
{
	struct report *r = report_new();
	bool as_json = false;
	bool ok = true;
	int files = 0;

	if (r == NULL)
	{
		fprintf(stderr, "pgtls-shim: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--json") == 0)
			as_json = true;
		else if (strcmp(argv[i], "-") != 0 && argv[i][0] == '-')
		{
			fprintf(stderr, "usage: pgtls-shim report [--json] [LOG...]\n");
			report_free(r);
			return 2;
		}
	}
	for (int i = 1; i < argc; i++)
	{
		FILE *f;

		if (strcmp(argv[i], "--json") == 0)
			continue;
		files++;
		f = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "r");
		if (f == NULL)
		{
			fprintf(stderr, "pgtls-shim: cannot open %s: %s\n", argv[i], strerror(errno));
			ok = false;
			continue;
		}
		ok &= report_read(r, f, argv[i]);
		if (f != stdin)
			fclose(f);
	}
	if (files == 0)
		ok &= report_read(r, stdin, "standard input");
	ok &= report_print(r, as_json, stdout);
	report_free(r);
	return ok ? 0 : 1;
}
