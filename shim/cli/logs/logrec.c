/*
 * logrec.c
 *	  The log tools' record reader (logrec.h): finds the JSON in a line,
 *	  unwraps journald exports, and scans the record's fields.
 */
#include "logrec.h"

#include <stdlib.h>
#include <string.h>

#include "recfields.h"

const char *const logrec_field_name[LF_N] = {
	[LF_TS] = RF_TS,
	[LF_EVENT] = RF_EVENT,
	[LF_PID] = RF_PID,
	[LF_PROGRAM] = RF_PROGRAM,
	[LF_SCRIPT] = RF_SCRIPT,
	[LF_HOSTNAME] = RF_HOSTNAME,
	[LF_UNIT] = RF_UNIT,
	[LF_SEVERITY] = RF_SEVERITY,
	[LF_POLICY] = RF_POLICY,
	[LF_APPLICATION_NAME] = RF_APPLICATION_NAME,
	[LF_RULE] = RF_RULE,
	[LF_MODE] = RF_MODE,
	[LF_HOST] = RF_HOST,
	[LF_HOSTADDR] = RF_HOSTADDR,
	[LF_PORT] = RF_PORT,
	[LF_DBNAME] = RF_DBNAME,
	[LF_USER] = RF_USER,
	[LF_OUTCOME] = RF_OUTCOME,
	[LF_ERROR] = RF_ERROR,
	[LF_TLS] = RF_TLS,
	[LF_VERIFIED] = RF_VERIFIED,
	[LF_CHAIN] = RF_CHAIN,
	[LF_AUDIT] = RF_AUDIT,
	[LF_WARNINGS] = RF_WARNINGS,
	[LF_LOCAL_ADDR] = RF_LOCAL_ADDR,
	[LF_LOCAL_PORT] = RF_LOCAL_PORT,
	[LF_ROTATION] = RF_ROTATION,
	[LF_REASON] = RF_REASON,
	[LF_LOST] = RF_LOST,
	[LF_MESSAGE] = "MESSAGE",
};

void
logrec_init(struct logrec *r)
{
	memset(r, 0, sizeof(*r));
	jkeys_init(&r->keys, logrec_field_name, LF_N);
}

void
logrec_free(struct logrec *r)
{
	free(r->scratch);
	r->scratch = NULL;
	r->scratch_cap = 0;
}

/* Scans the object that starts at the first '{' of S[0..LEN). */
static bool
scan_from_brace(struct logrec *r, char *s, size_t len)
{
	char *brace = memchr(s, '{', len);

	return brace != NULL && js_object(brace, len - (size_t) (brace - s), &r->keys, r->f);
}

/* One element of journald's MESSAGE bytes, appended to the scratch buffer. */
struct bytes
{
	struct logrec *r;
	size_t n;
	bool ok;
};

static bool
add_byte(void *arg, struct jval *e)
{
	struct bytes *b = arg;
	long v;

	if (!jv_int(e, 0, 255, &v))
		return b->ok = false;
	b->r->scratch[b->n++] = (char) v;
	return true;
}

/* The record in journald's MESSAGE M (a string, or an array of bytes). */
static bool
journal_message(struct logrec *r, struct jval m)
{
	struct bytes b = {r, 0, true};
	char *s;

	if (m.type == JT_STRING)
	{
		s = (char *) jv_str(&m);
		return scan_from_brace(r, s, m.len);
	}
	if (m.type != JT_ARRAY)
		return false;
	if (r->scratch_cap < m.len / 2 + 2) /* at least two bytes of text per element */
	{
		free(r->scratch);
		r->scratch_cap = m.len / 2 + 2;
		if ((r->scratch = malloc(r->scratch_cap)) == NULL)
			return (r->scratch_cap = 0), false;
	}
	js_array_each(&m, add_byte, &b);
	if (!b.ok)
		return false;
	r->scratch[b.n] = '\0';
	return scan_from_brace(r, r->scratch, b.n);
}

bool
logrec_parse(struct logrec *r, char *line, size_t len)
{
	if (!scan_from_brace(r, line, len))
		return false;
	if (r->f[LF_EVENT].type == JT_ABSENT && r->f[LF_MESSAGE].type != JT_ABSENT &&
		!journal_message(r, r->f[LF_MESSAGE]))
		return false;
	return r->f[LF_EVENT].type == JT_STRING;
}

const char *
jv_member_str(const struct jval *v, const char *name)
{
	const char *names[1] = {name};
	struct jkeys k;
	struct jval out[1];

	if (v->type != JT_OBJECT)
		return NULL;
	jkeys_init(&k, names, 1);
	if (!js_members(v, &k, out))
		return NULL;
	return jv_str(&out[0]);
}
