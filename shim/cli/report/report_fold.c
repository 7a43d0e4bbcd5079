/*
 * report_fold.c
 *	  One line into `pgtls-shim report`'s summary: the record (any input
 *	  form, logs/logrec.c), its time window, and the facts its group counts;
 *	  and the --by dimensions, one table entry each.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "recfields.h"
#include "logtime.h"
#include "summary.h"

const struct report_dim report_dims[] = {
	{"program", NULL, "-", LF_PROGRAM, LF_N},
	{"script", NULL, "-", LF_SCRIPT, LF_PROGRAM}, /* the script, else the program */
	{"host", NULL, "-", LF_HOST, LF_N},
	{"rule", NULL, "(top-level)", LF_RULE, LF_N},
	{"hostname", NULL, "-", LF_HOSTNAME, LF_N},
	{"application_name", NULL, "-", LF_APPLICATION_NAME, LF_N},
	{"user", NULL, "-", LF_USER, LF_N},
	{"dbname", NULL, "-", LF_DBNAME, LF_N},
	{"unit", NULL, "-", LF_UNIT, LF_N},
	{"policy", RF_POLICY_SHA256, "-", LF_POLICY, LF_N}, /* the policy's sha256 */
};
const int report_ndims = (int) (sizeof(report_dims) / sizeof(report_dims[0]));

/* The member names report looks up in nested objects. */
static const char *const tls_names[] = {RF_TLS_PROTOCOL};
enum
{
	A_WOULD_REFUSE,
	A_REASON,
	A_N
};
static const char *const audit_names[] = {RF_AUDIT_WOULD_REFUSE, RF_REASON};
enum
{
	R_AS_IS,
	R_ENFORCED,
	R_REASON,
	R_N
};
static const char *const rotation_names[] = {RF_ROT_AS_IS, RF_ROT_ENFORCED, RF_REASON};
static const char *const cert_names[] = {RF_CERT_NOT_AFTER};

void
report_keys_init(struct report_keys *k)
{
	jkeys_init(&k->tls, tls_names, 1);
	jkeys_init(&k->audit, audit_names, A_N);
	jkeys_init(&k->rotation, rotation_names, R_N);
	jkeys_init(&k->cert, cert_names, 1);
	for (int d = 0; d < report_ndims; d++)
		if (report_dims[d].member != NULL)
			jkeys_init(&k->dim[d], &report_dims[d].member, 1);
}

/* Field F of the record, or member M of it when M is not NULL, as a string. */
static const char *
field_str(struct logrec *lr, const struct jkeys *k, enum logfield f, const char *m)
{
	struct jval v;

	if (m == NULL)
		return logrec_str(lr, f);
	if (lr->f[f].type != JT_OBJECT || !js_members(&lr->f[f], k, &v))
		return NULL;
	return v.type == JT_STRING ? jv_str(&v) : NULL;
}

/* The value of dimension D. */
static const char *
dim_value(struct report *r, int d)
{
	const struct report_dim *dim = &report_dims[d];
	const char *v = field_str(&r->rec, &r->keys.dim[d], dim->field, dim->member);

	return (v == NULL && dim->fallback != LF_N) ? logrec_str(&r->rec, dim->fallback) : v;
}

static bool
eq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/* Whether the record's ts is inside --since/--until (always, without them). */
static bool
in_window(struct report *r)
{
	const char *ts;
	int64_t t;

	if (!r->has_since && !r->has_until)
		return true;
	ts = logrec_str(&r->rec, LF_TS);
	if (ts == NULL || !lt_rfc3339(ts, &t))
		return false;
	return (!r->has_since || t >= r->since_ms) && (!r->has_until || t < r->until_ms);
}

/* For js_array_each over warnings: stops at one that mentions expiry. */
static bool
find_expiry(void *arg, struct jval *e)
{
	const char *s = jv_str(e);

	if (s != NULL && strcasestr(s, "expir") != NULL)
		return !(*(bool *) arg = true);
	return true;
}

struct earliest
{
	const struct jkeys *k;
	const char *best;
};

/* For js_array_each over the chain: the earliest not_after. */
static bool
find_earliest(void *arg, struct jval *e)
{
	struct earliest *ea = arg;
	struct jval na;
	const char *s;

	if (e->type == JT_OBJECT && js_members(e, ea->k, &na) && (s = jv_str(&na)) != NULL &&
		(ea->best == NULL || strcmp(s, ea->best) < 0))
		ea->best = s;
	return true;
}

/*
 * The key of a refusal's reason: the record's own "reason" (the shim's
 * vocabulary, the same in every locale), else in enforce the outcome
 * ("refused", "failed": a failure the shim has no word for, such as a wrong
 * password), else audit.reason, else "unknown".  Never libpq's message text.
 * sql/postgresql.sql and sql/duckdb.sql say the same.
 */
static const char *
refusal_key(struct logrec *lr, bool enforce, const char *outcome, struct jval *audit_reason)
{
	const char *own = logrec_str(lr, LF_REASON);

	if (own != NULL)
		return own;
	if (enforce)
		return outcome;
	return audit_reason && jv_str(audit_reason) ? jv_str(audit_reason) : "unknown";
}

/* Fills REC's refusal and rotation facts from its mode. */
static void
fill_outcome(struct report *r, struct rec *rec)
{
	struct logrec *lr = &r->rec;
	struct jval a[A_N], rot[R_N];

	if (rec->enforce && (eq(rec->outcome, "refused") || eq(rec->outcome, "failed")))
		rec->refuse_reason = refusal_key(lr, true, rec->outcome, NULL);
	else if (!rec->enforce && lr->f[LF_AUDIT].type == JT_OBJECT &&
			 js_members(&lr->f[LF_AUDIT], &r->keys.audit, a) && jv_true(&a[A_WOULD_REFUSE]))
		rec->refuse_reason = refusal_key(lr, false, NULL, &a[A_REASON]);
	if (lr->f[LF_ROTATION].type == JT_OBJECT &&
		js_members(&lr->f[LF_ROTATION], &r->keys.rotation, rot))
	{
		rec->rotation = true;
		rec->would_break = eq(jv_str(&rot[rec->enforce ? R_ENFORCED : R_AS_IS]), RF_ROT_BREAKS);
		rec->break_reason = jv_str(&rot[R_REASON]);
	}
}

/* Folds the connect record in r->rec; false on out-of-memory. */
static bool
add_connect(struct report *r)
{
	struct logrec *lr = &r->rec;
	struct rec rec = {0};
	struct earliest ea = {&r->keys.cert, NULL};
	struct jval proto;

	for (int d = 0; d < report_ndims; d++)
		if (r->by[d])
			rec.key[d] = dim_value(r, d);
	rec.tls = lr->f[LF_TLS].type == JT_OBJECT;
	if (rec.tls && js_members(&lr->f[LF_TLS], &r->keys.tls, &proto))
		rec.protocol = jv_str(&proto);
	rec.verified = jv_true(&lr->f[LF_VERIFIED]);
	rec.enforce = eq(logrec_str(lr, LF_MODE), "enforce");
	rec.outcome = logrec_str(lr, LF_OUTCOME);
	js_array_each(&lr->f[LF_WARNINGS], find_expiry, &rec.expiry_warning);
	js_array_each(&lr->f[LF_CHAIN], find_earliest, &ea);
	rec.not_after = ea.best;
	fill_outcome(r, &rec);
	return groups_add(r, &rec) && hosts_add(r, logrec_str(lr, LF_HOST), rec.not_after);
}

bool
report_line(struct report *r, char *line, size_t len)
{
	const char *event;

	if (!logrec_parse(&r->rec, line, len))
	{
		r->invalid++;
		return true;
	}
	event = logrec_str(&r->rec, LF_EVENT);
	if (!in_window(r))
		r->outside++;
	else if (eq(event, RF_EVENT_POLICY_ERROR))
		r->policy_errors++;
	else if (eq(event, RF_EVENT_BLIND_SPOT))
	{
		const char *program = logrec_str(&r->rec, LF_PROGRAM);

		r->blind_spots++;
		tally_add(&r->blind_programs, program ? program : "unknown", 1);
	}
	else if (eq(event, RF_EVENT_CONNECT))
		return add_connect(r);
	else if (eq(event, RF_EVENT_RECORDS_LOST))
	{
		long lost;

		r->lost_events++;
		r->records_lost += jv_int(&r->rec.f[LF_LOST], 0, LONG_MAX, &lost) ? lost : 0;
	}
	else
		r->invalid++; /* an event report does not know */
	return true;
}
