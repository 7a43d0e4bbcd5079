/*
 * report_groups.c
 *	  The groups of `pgtls-shim report`: the log tools' hash table
 *	  (logs/htab.c) keyed by the --by dimensions of a record, the tallies
 *	  each group keeps, and the merging of the summaries that threads made
 *	  of parts of the input.  Memory grows with the number of groups, never
 *	  with the records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

/* Adds N to KEY's count in T; NULL keys are not counted. */
void
tally_add(struct tally *t, const char *key, long n)
{
	if (key == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
	{
		if (strcmp(t->key[i], key) == 0)
		{
			t->count[i] += n;
			return;
		}
	}
	if (t->n < MAX_TALLY && (t->key[t->n] = strdup(key)) != NULL)
		t->count[t->n++] = n;
	else
		t->other += n;
}

/* Adds the counts of SRC to DST, SRC's keys after DST's. */
static void
tally_merge(struct tally *dst, const struct tally *src)
{
	for (size_t i = 0; i < src->n; i++)
		tally_add(dst, src->key[i], src->count[i]);
	dst->other += src->other;
}

/* Frees T's keys (T itself is part of its owner). */
void
tally_free(struct tally *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->key[i]);
	t->n = 0;
}

/* The hash of the grouped keys, each followed by a separator byte. */
static uint64_t
hash_keys(const bool by[RD_MAX], const char *const key[RD_MAX])
{
	uint64_t h = htab_hash("", 0);

	for (int d = 0; d < report_ndims; d++)
	{
		if (!by[d])
			continue;
		h = htab_hash_more(h, key[d] ? key[d] : "", strlen(key[d] ? key[d] : ""));
		h = htab_hash_more(h, "\xff", 1);
	}
	return h;
}

/* Whether G is the group of KEY (grouped dimensions only). */
static bool
same_keys(const struct report *r, const struct group *g, const char *const key[RD_MAX])
{
	for (int d = 0; d < report_ndims; d++)
	{
		if (r->by[d] && strcmp(g->key[d], key[d] ? key[d] : "") != 0)
			return false;
	}
	return true;
}

static void
group_free(struct group *g)
{
	for (int d = 0; d < RD_MAX; d++)
		free(g->key[d]);
	tally_free(&g->reasons);
	tally_free(&g->protocols);
	tally_free(&g->break_reasons);
	free(g);
}

/* A new group for KEY, or NULL on out-of-memory. */
static struct group *
group_new(const struct report *r, const char *const key[RD_MAX], uint64_t hash)
{
	struct group *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->hash = hash;
	for (int d = 0; d < report_ndims; d++)
	{
		if (r->by[d] && (g->key[d] = strdup(key[d] ? key[d] : "")) == NULL)
		{
			group_free(g);
			return NULL;
		}
	}
	return g;
}

/* The group of KEY, made when new; NULL on out-of-memory. */
static struct group *
find_group(struct report *r, const char *const key[RD_MAX])
{
	uint64_t h = hash_keys(r->by, key);
	struct group **e;

	for (e = htab_first(&r->groups, h); e; e = htab_next(&r->groups, h, e))
		if (*e != NULL && same_keys(r, *e, key))
			return *e;
	if ((e = htab_add(&r->groups, h)) == NULL)
		return NULL;
	if ((*e = group_new(r, key, h)) == NULL)
		return NULL; /* a NULL entry, skipped by the walks below */
	r->ngroups++;
	return *e;
}

bool
groups_add(struct report *r, const struct rec *rec)
{
	struct group *g = find_group(r, rec->key);

	if (g == NULL)
		return false;
	r->records++;
	g->conns++;
	if (rec->tls)
	{
		g->tls++;
		tally_add(&g->protocols, rec->protocol ? rec->protocol : "unknown", 1);
	}
	g->verified += rec->verified;
	if (rec->refuse_reason)
	{
		g->would_refuse++;
		r->would_refuse++;
		tally_add(&g->reasons, rec->refuse_reason, 1);
		if (rec->enforce)
		{
			g->refused++;
			r->refused++;
		}
	}
	if (rec->outcome && strcmp(rec->outcome, "failed") == 0)
	{
		g->failed++;
		r->failed++;
	}
	g->expiry_warnings += rec->expiry_warning;
	if (rec->not_after && strlen(rec->not_after) < sizeof(g->expiry) &&
		(g->expiry[0] == '\0' || strcmp(rec->not_after, g->expiry) < 0))
		memcpy(g->expiry, rec->not_after, strlen(rec->not_after) + 1);
	if (rec->rotation)
	{
		g->rotation++;
		r->rotation++;
		if (rec->would_break)
		{
			g->would_break++;
			r->would_break++;
			tally_add(&g->break_reasons, rec->break_reason ? rec->break_reason : "unknown", 1);
		}
	}
	return true;
}

/* Adds the counts of S to G. */
static void
group_merge(struct group *g, const struct group *s)
{
	g->conns += s->conns;
	g->tls += s->tls;
	g->verified += s->verified;
	g->would_refuse += s->would_refuse;
	g->refused += s->refused;
	g->failed += s->failed;
	g->expiry_warnings += s->expiry_warnings;
	g->rotation += s->rotation;
	g->would_break += s->would_break;
	tally_merge(&g->reasons, &s->reasons);
	tally_merge(&g->protocols, &s->protocols);
	tally_merge(&g->break_reasons, &s->break_reasons);
	if (s->expiry[0] && (g->expiry[0] == '\0' || strcmp(s->expiry, g->expiry) < 0))
		memcpy(g->expiry, s->expiry, sizeof(g->expiry));
}

struct merging
{
	struct report *dst;
	bool ok;
};

static void
merge_one(void *arg, void *e)
{
	struct merging *m = arg;
	const struct group *s = *(struct group **) e;
	struct group *g;

	if (s == NULL || !m->ok)
		return;
	if ((g = find_group(m->dst, (const char *const *) s->key)) == NULL)
		m->ok = false;
	else
		group_merge(g, s);
}

bool
report_merge(struct report *dst, const struct report *src)
{
	struct merging m = {dst, true};

	htab_each(&src->groups, merge_one, &m);
	dst->records += src->records;
	dst->policy_errors += src->policy_errors;
	dst->blind_spots += src->blind_spots;
	tally_merge(&dst->blind_programs, &src->blind_programs);
	dst->invalid += src->invalid;
	dst->outside += src->outside;
	dst->would_refuse += src->would_refuse;
	dst->refused += src->refused;
	dst->failed += src->failed;
	dst->rotation += src->rotation;
	dst->would_break += src->would_break;
	dst->lost_events += src->lost_events;
	dst->records_lost += src->records_lost;
	return m.ok && hosts_merge(dst, src);
}

static int
cmp_group(const void *a, const void *b)
{
	const struct group *x = *(const struct group *const *) a;
	const struct group *y = *(const struct group *const *) b;

	for (int d = 0; d < report_ndims; d++)
	{
		int c = x->key[d] && y->key[d] ? strcmp(x->key[d], y->key[d]) : 0;

		if (c != 0)
			return c;
	}
	return 0;
}

struct group **
groups_sorted(const struct report *r)
{
	size_t n;

	return (struct group **) htab_sorted(&r->groups, cmp_group, &n, NULL);
}

static void
free_one(void *arg, void *e)
{
	(void) arg;
	if (*(struct group **) e != NULL)
		group_free(*(struct group **) e);
}

void
groups_free(struct report *r)
{
	htab_each(&r->groups, free_one, NULL);
	htab_free(&r->groups);
	r->ngroups = 0;
}

bool
report_ready_to_enforce(const struct report *r)
{
	return r->records > 0 && r->would_refuse == 0 && r->blind_spots == 0 && r->policy_errors == 0 &&
		   r->records_lost == 0 && r->lost_events == 0;
}

bool
report_ready_to_rotate(const struct report *r)
{
	return r->would_break == 0;
}

/* "N thing(s) TAIL" into B, after a comma when B is not empty. */
static void
add_reason(char *b, size_t size, long n, const char *thing, const char *tail)
{
	size_t len = strlen(b);

	snprintf(b + len, size - len, "%s%ld %s%s%s", len ? ", " : "", n, thing, n == 1 ? "" : "s",
			 tail);
}

void
report_not_ready_because(const struct report *r, char *b, size_t size)
{
	b[0] = '\0';
	if (r->records == 0)
		snprintf(b, size, "no connection records");
	if (r->would_refuse)
		add_reason(b, size, r->would_refuse, "connection", " would be refused");
	if (r->blind_spots)
		add_reason(b, size, r->blind_spots, "blind spot", "");
	if (r->policy_errors)
		add_reason(b, size, r->policy_errors, "policy error", "");
	if (r->records_lost || r->lost_events)
		add_reason(b, size, r->records_lost, "record", " lost");
}
