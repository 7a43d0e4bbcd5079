/*
 * report_read.c
 *	  The input of `pgtls-shim report`: files plain or gzip-compressed (zlib
 *	  reads both), lines that are a record, a record after a syslog prefix
 *	  (RFC 3164 or 5424: the JSON starts at the first '{'), or a journald
 *	  JSON export whose MESSAGE (a string or an array of bytes) is the
 *	  record; and, from one parsed record, the fields the summary needs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "gzline.h"
#include "jsonfield.h"
#include "report.h"

static bool
get_bool(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
		   json_object_get_boolean(v);
}

/* O[KEY] when it is an object or array of TYPE, else NULL. */
static json_object *
get_typed(json_object *o, const char *key, json_type type)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

static bool
eq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/* Whether REC's ts is inside --since/--until (always, without them). */
static bool
in_window(const struct report *r, json_object *rec)
{
	const char *ts;
	int64_t t;

	if (!r->has_since && !r->has_until)
		return true;
	ts = json_field_str(rec, "ts");
	if (ts == NULL || !report_parse_time(ts, false, &t))
		return false;
	return (!r->has_since || t >= r->since_ms) && (!r->has_until || t < r->until_ms);
}

/* Whether any entry of the warnings array mentions expiry. */
static bool
expiry_warning(json_object *rec)
{
	json_object *w = get_typed(rec, "warnings", json_type_array);
	size_t n = w ? json_object_array_length(w) : 0;

	for (size_t i = 0; i < n; i++)
	{
		json_object *e = json_object_array_get_idx(w, i);

		if (json_object_is_type(e, json_type_string) &&
			strcasestr(json_object_get_string(e), "expir"))
			return true;
	}
	return false;
}

/* The earliest not_after of the chain, or NULL. */
static const char *
earliest_not_after(json_object *rec)
{
	json_object *chain = get_typed(rec, "chain", json_type_array);
	size_t n = chain ? json_object_array_length(chain) : 0;
	const char *best = NULL;

	for (size_t i = 0; i < n; i++)
	{
		json_object *c = json_object_array_get_idx(chain, i);
		const char *na =
			json_object_is_type(c, json_type_object) ? json_field_str(c, "not_after") : NULL;

		if (na && (best == NULL || strcmp(na, best) < 0))
			best = na;
	}
	return best;
}

/* The reason of an enforce refusal: the error after "pgtls-shim: ...: ". */
static const char *
enforce_reason(json_object *rec)
{
	const char *err = json_field_str(rec, "error");
	const char *colon;

	if (err == NULL)
		return eq(json_field_str(rec, "outcome"), "failed") ? "failed" : "refused";
	if (strncmp(err, "pgtls-shim: ", 12) == 0 && (colon = strstr(err + 12, "): ")) != NULL)
		return colon + 3;
	return err;
}

/* Fills REC's refusal and rotation fields from its mode. */
static void
fill_outcome(json_object *o, struct rec *rec)
{
	json_object *audit = get_typed(o, "audit", json_type_object);
	json_object *rot = get_typed(o, "rotation", json_type_object);
	const char *outcome = rec->outcome;

	if (rec->enforce && (eq(outcome, "refused") || eq(outcome, "failed")))
		rec->refuse_reason = enforce_reason(o);
	else if (!rec->enforce && audit && get_bool(audit, "would_refuse"))
		rec->refuse_reason =
			json_field_str(audit, "reason") ? json_field_str(audit, "reason") : "unknown";
	if (rot != NULL)
	{
		rec->rotation = true;
		rec->would_break = eq(json_field_str(rot, rec->enforce ? "enforced" : "as_is"), "breaks");
		rec->break_reason = json_field_str(rot, "reason");
	}
}

/* Folds one connect record; false on out-of-memory. */
static bool
add_connect(struct report *r, json_object *o)
{
	struct rec rec = {0};
	json_object *tls = get_typed(o, "tls", json_type_object);

	rec.key[RD_PROGRAM] = json_field_str(o, "program");
	rec.key[RD_SCRIPT] =
		json_field_str(o, "script") ? json_field_str(o, "script") : rec.key[RD_PROGRAM];
	rec.key[RD_HOST] = json_field_str(o, "host");
	rec.key[RD_RULE] = json_field_str(o, "rule");
	rec.tls = tls != NULL;
	rec.protocol = tls ? json_field_str(tls, "protocol") : NULL;
	rec.verified = get_bool(o, "verified");
	rec.enforce = eq(json_field_str(o, "mode"), "enforce");
	rec.outcome = json_field_str(o, "outcome");
	rec.expiry_warning = expiry_warning(o);
	rec.not_after = earliest_not_after(o);
	fill_outcome(o, &rec);
	return groups_add(r, &rec);
}

/*
 * Folds the record O into R: *ok false on out-of-memory.  Returns whether O
 * was a record at all.
 */
static bool
add_record(struct report *r, json_object *o, bool *ok)
{
	const char *event = json_field_str(o, "event");

	*ok = true;
	if (event == NULL)
		return false;
	if (!in_window(r, o))
	{
		r->outside++;
		return true;
	}
	if (strcmp(event, "policy_error") == 0)
		r->policy_errors++;
	else if (strcmp(event, "blind_spot") == 0)
	{
		r->blind_spots++;
		tally_add(&r->blind_programs,
				  json_field_str(o, "program") ? json_field_str(o, "program") : "unknown");
	}
	else if (strcmp(event, "connect") == 0)
		*ok = add_connect(r, o);
	else
		return false;
	return true;
}

/* Parses the JSON object in S[0..LEN) with R's tokener; NULL when it is not one. */
static json_object *
parse_object(struct report *r, const char *s, size_t len)
{
	json_object *o;

	json_tokener_reset(r->tok);
	o = json_tokener_parse_ex(r->tok, s, (int) len);
	if (o != NULL && !json_object_is_type(o, json_type_object))
	{
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* The record inside a journald export's MESSAGE (a string or bytes), or NULL. */
static json_object *
journal_message(struct report *r, json_object *msg)
{
	json_object *o = NULL;
	char *buf;
	size_t n;

	if (json_object_is_type(msg, json_type_string))
	{
		const char *s = json_object_get_string(msg);
		const char *brace = strchr(s, '{');

		return brace ? parse_object(r, brace, strlen(brace)) : NULL;
	}
	if (!json_object_is_type(msg, json_type_array))
		return NULL;
	n = json_object_array_length(msg);
	if ((buf = malloc(n + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char) json_object_get_int(json_object_array_get_idx(msg, i));
	buf[n] = '\0';
	if (memchr(buf, '{', n) != NULL)
	{
		char *brace = memchr(buf, '{', n);

		o = parse_object(r, brace, n - (size_t) (brace - buf));
	}
	free(buf);
	return o;
}

bool
report_line(struct report *r, const char *line, size_t len)
{
	const char *brace = memchr(line, '{', len);
	json_object *o, *msg;
	bool ok = true;

	if (brace == NULL || len > (size_t) INT32_MAX)
	{
		r->invalid++;
		return true;
	}
	o = parse_object(r, brace, len - (size_t) (brace - line));
	if (o != NULL && json_field_str(o, "event") == NULL &&
		json_object_object_get_ex(o, "MESSAGE", &msg))
	{
		json_object *inner = journal_message(r, msg);

		json_object_put(o);
		o = inner;
	}
	if (o == NULL || !add_record(r, o, &ok))
		r->invalid++;
	json_object_put(o);
	return ok;
}

bool
report_read_path(struct report *r, const char *path)
{
	bool std = strcmp(path, "-") == 0;
	gzFile f = std ? gzdopen(dup(0), "rb") : gzopen(path, "rb");
	char *line = NULL;
	size_t cap = 0;
	long len;
	int err = 0;
	bool ok = true;

	if (f == NULL)
	{
		fprintf(stderr, "pgtls-shim: cannot open %s: %s\n", std ? "standard input" : path,
				errno ? strerror(errno) : "out of memory");
		return false;
	}
	gzbuffer(f, 1 << 17);
	while (ok && (len = cli_gz_getline(f, &line, &cap)) >= 0)
		ok = report_line(r, line, (size_t) len);
	ok = ok && len != -2;
	if (!ok || gzerror(f, &err) == NULL || (err != Z_OK && err != Z_BUF_ERROR))
	{
		fprintf(stderr, "pgtls-shim: reading %s: %s\n", std ? "standard input" : path,
				!ok				 ? "out of memory"
				: err == Z_ERRNO ? strerror(errno)
								 : gzerror(f, &err));
		ok = false;
	}
	free(line);
	gzclose(f);
	return ok;
}

bool
report_read(struct report *r, FILE *f, const char *name)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool ok = true;

	while (ok && (len = getline(&line, &cap, f)) > 0)
		ok = report_line(r, line, (size_t) len);
	free(line);
	if (!ok || ferror(f))
	{
		fprintf(stderr, "pgtls-shim: reading %s: %s\n", name,
				ok ? strerror(errno) : "out of memory");
		return false;
	}
	return true;
}
