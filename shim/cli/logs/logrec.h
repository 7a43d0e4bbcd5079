/*
 * logrec.h
 *	  The one record reader of the log tools: from one line of any input
 *	  form (a JSON Lines record; the same after a syslog prefix, RFC 3164 or
 *	  5424: the record starts at the line's first '{'; a `journalctl -o
 *	  json` export whose MESSAGE, a string or an array of bytes, holds the
 *	  record, itself possibly after a prefix) to the record's top-level
 *	  fields, found by the strict scanner (jscan.h) and named in
 *	  record/recfields.h.  Interleaved input needs nothing more: each line
 *	  stands alone.
 */
#ifndef PGTLS_SHIM_LOGREC_H
#define PGTLS_SHIM_LOGREC_H

#include <stdbool.h>
#include <stddef.h>

#include "attr.h"
#include "jscan.h"

/* The top-level fields the log tools read; logrec_field_name has their names. */
enum logfield
{
	LF_TS = 0,
	LF_EVENT,
	LF_PID,
	LF_PROGRAM,
	LF_SCRIPT,
	LF_HOSTNAME,
	LF_UNIT,
	LF_SEVERITY,
	LF_POLICY,
	LF_APPLICATION_NAME,
	LF_RULE,
	LF_MODE,
	LF_HOST,
	LF_HOSTADDR,
	LF_PORT,
	LF_DBNAME,
	LF_USER,
	LF_OUTCOME,
	LF_ERROR,
	LF_TLS,
	LF_VERIFIED,
	LF_CHAIN,
	LF_AUDIT,
	LF_WARNINGS,
	LF_LOCAL_ADDR,
	LF_LOCAL_PORT,
	LF_ROTATION,
	LF_REASON,
	LF_LOST,
	LF_MESSAGE, /* journald's, not the record's */
	LF_N
};

extern const char *const logrec_field_name[LF_N];

/* One record: its fields (JT_ABSENT when missing), pointing into the line. */
struct logrec
{
	struct jval f[LF_N];
	struct jkeys keys;
	char *scratch; /* a journald MESSAGE given as bytes, decoded */
	size_t scratch_cap;
};

/* Ready to read (the names looked up once). */
void logrec_init(struct logrec *r);
void logrec_free(struct logrec *r);

/*
 * Reads the LINE of LEN bytes (writable, NUL-terminated: strings are
 * decoded in it) into R.  True when it holds a record, that is a JSON
 * object with a string "event"; false otherwise (not JSON, not an object,
 * journald's own messages, out of memory).
 */
bool logrec_parse(struct logrec *r, char *line, size_t len) PGS_WUR;

/* Field F as a C string (decoded on first use), NULL when it is not a string. */
static inline const char *
logrec_str(struct logrec *r, enum logfield f)
{
	return r->f[f].type == JT_STRING ? jv_str(&r->f[f]) : NULL;
}

/* Member NAME of the object V as a string, or NULL (V not an object, or no such string). */
const char *jv_member_str(const struct jval *v, const char *name);

#endif
