/*
 * report_groups.c
 *	  The groups of `pgtls-shim report`: an open-addressing hash table keyed
 *	  by the --by dimensions of a record, and the tallies each group keeps.
 *	  Memory grows with the number of groups, never with the records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* Adds one to KEY's count in T; NULL keys are not counted. */
void
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

/* Frees T's keys (T itself is part of its owner). */
void
tally_free(struct tally *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->key[i]);
	t->n = 0;
}

/* FNV-1a over the grouped keys, each followed by a separator byte. */
static uint64_t
hash_keys(const bool by[RD_N], const char *const key[RD_N])
{
	uint64_t h = 14695981039346656037ULL;

	for (int d = 0; d < RD_N; d++)
	{
		if (!by[d])
			continue;
		for (const unsigned char *p = (const unsigned char *) (key[d] ? key[d] : ""); *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	return h;
}

/* Whether G is the group of KEY (grouped dimensions only). */
static bool
same_keys(const struct report *r, const struct group *g, const char *const key[RD_N])
{
	for (int d = 0; d < RD_N; d++)
	{
		if (r->by[d] && strcmp(g->key[d], key[d] ? key[d] : "") != 0)
			return false;
	}
	return true;
}

static void
group_free(struct group *g)
{
	for (int d = 0; d < RD_N; d++)
		free(g->key[d]);
	tally_free(&g->reasons);
	tally_free(&g->protocols);
	tally_free(&g->break_reasons);
	free(g);
}

/* A new group for KEY, or NULL on out-of-memory. */
static struct group *
group_new(const struct report *r, const char *const key[RD_N], uint64_t hash)
{
	struct group *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->hash = hash;
	for (int d = 0; d < RD_N; d++)
	{
		if (r->by[d] && (g->key[d] = strdup(key[d] ? key[d] : "")) == NULL)
		{
			group_free(g);
			return NULL;
		}
	}
	return g;
}

/* Doubles the table (or makes the first); false on out-of-memory. */
static bool
grow(struct report *r)
{
	size_t cap = r->cap ? r->cap * 2 : 64;
	struct group **slot = calloc(cap, sizeof(struct group *));

	if (slot == NULL)
		return false;
	for (size_t i = 0; i < r->cap; i++)
	{
		size_t j;

		if (r->slot[i] == NULL)
			continue;
		for (j = r->slot[i]->hash & (cap - 1); slot[j]; j = (j + 1) & (cap - 1))
			;
		slot[j] = r->slot[i];
	}
	free(r->slot);
	r->slot = slot;
	r->cap = cap;
	return true;
}

/* The group of KEY, made when new; NULL on out-of-memory. */
static struct group *
find_group(struct report *r, const char *const key[RD_N])
{
	uint64_t h = hash_keys(r->by, key);
	size_t i;

	if ((r->ngroups + 1) * 2 > r->cap && !grow(r))
		return NULL;
	for (i = h & (r->cap - 1); r->slot[i]; i = (i + 1) & (r->cap - 1))
	{
		if (r->slot[i]->hash == h && same_keys(r, r->slot[i], key))
			return r->slot[i];
	}
	r->slot[i] = group_new(r, key, h);
	if (r->slot[i] != NULL)
		r->ngroups++;
	return r->slot[i];
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
		tally_add(&g->protocols, rec->protocol ? rec->protocol : "unknown");
	}
	g->verified += rec->verified;
	if (rec->refuse_reason)
	{
		g->would_refuse++;
		r->would_refuse++;
		tally_add(&g->reasons, rec->refuse_reason);
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
			tally_add(&g->break_reasons, rec->break_reason ? rec->break_reason : "unknown");
		}
	}
	return true;
}

static int
cmp_group(const void *a, const void *b)
{
	const struct group *x = *(const struct group *const *) a;
	const struct group *y = *(const struct group *const *) b;

	for (int d = 0; d < RD_N; d++)
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
	struct group **v;
	size_t n = 0;

	if (r->ngroups == 0 || (v = calloc(r->ngroups, sizeof(struct group *))) == NULL)
		return NULL;
	for (size_t i = 0; i < r->cap; i++)
	{
		if (r->slot[i])
			v[n++] = r->slot[i];
	}
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
	qsort(v, n, sizeof(struct group *), cmp_group);
	return v;
}

void
groups_free(struct report *r)
{
	for (size_t i = 0; i < r->cap; i++)
	{
		if (r->slot[i])
			group_free(r->slot[i]);
	}
	free(r->slot);
	r->slot = NULL;
	r->cap = r->ngroups = 0;
}

const char *const report_dim_name[RD_N] = {"program", "script", "host", "rule"};

bool
report_ready_to_enforce(const struct report *r)
{
	return r->records > 0 && r->would_refuse == 0 && r->blind_spots == 0 && r->policy_errors == 0;
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
}
