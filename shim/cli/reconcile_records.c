/*
 * reconcile_records.c
 *	  The client side of `pgtls-shim reconcile`: connect records that carry
 *	  local_addr/local_port, kept in one open-addressing table keyed by the
 *	  address and port (linear probing; a key may occur more than once when
 *	  a port was reused).  An entry is 32 bytes, so ten million records take
 *	  about 450 MB; nothing else of a record is kept.  Also the line reader
 *	  the other parts share.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reconcile.h"

#define F_USED	  1
#define F_TLS	  2
#define F_MATCHED 4

struct rc_entry
{
	uint8_t addr[16]; /* IPv6, or IPv4 mapped into IPv6 */
	uint16_t port;
	uint8_t flags;
	int32_t pid;
	int64_t ts_ms;
};

struct rc_records
{
	struct rc_entry *slot;
	size_t cap; /* a power of two */
	size_t n;
};

/* ADDR as 16 bytes, IPv4 mapped (::ffff:a.b.c.d) so both spellings agree. */
static bool
addr_bytes(const char *addr, uint8_t out[16])
{
	struct in_addr v4;

	if (inet_pton(AF_INET6, addr, out) == 1)
		return true;
	if (inet_pton(AF_INET, addr, &v4) != 1)
		return false;
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &v4, 4);
	return true;
}

static size_t
hash_key(const uint8_t addr[16], uint16_t port)
{
	uint64_t h = 1469598103934665603ULL;

	for (int i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 1099511628211ULL;
	h = (h ^ port) * 1099511628211ULL;
	return (size_t) (h ^ (h >> 29));
}

static void
place(struct rc_entry *slot, size_t cap, const struct rc_entry *e)
{
	size_t i = hash_key(e->addr, e->port) & (cap - 1);

	while (slot[i].flags & F_USED)
		i = (i + 1) & (cap - 1);
	slot[i] = *e;
}

/* Doubles the table (or makes the first one); false on out-of-memory. */
static bool
grow(struct rc_records *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	struct rc_entry *slot = calloc(cap, sizeof(*slot));

	if (slot == NULL)
		return false;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i].flags & F_USED)
			place(slot, cap, &t->slot[i]);
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	return true;
}

static bool
add(struct rc_records *t, const struct rc_entry *e)
{
	if ((t->n + 1) * 10 > t->cap * 7 && !grow(t))
		return false;
	place(t->slot, t->cap, e);
	t->n++;
	return true;
}

bool
rc_records_match(struct rc_records *t, const char *addr, int port, int64_t ts_ms, int64_t tol_ms,
				 struct rc_match *m)
{
	struct rc_entry *best = NULL;
	uint8_t a[16];
	size_t i;

	if (t->cap == 0 || port < 0 || port > 65535 || !addr_bytes(addr, a))
		return false;
	for (i = hash_key(a, (uint16_t) port) & (t->cap - 1); t->slot[i].flags & F_USED;
		 i = (i + 1) & (t->cap - 1))
	{
		struct rc_entry *e = &t->slot[i];
		int64_t d = e->ts_ms > ts_ms ? e->ts_ms - ts_ms : ts_ms - e->ts_ms;

		if (e->port != port || memcmp(e->addr, a, 16) != 0 || (e->flags & F_MATCHED) || d > tol_ms)
			continue;
		if (best == NULL || d < llabs(best->ts_ms - ts_ms))
			best = e;
	}
	if (best == NULL)
		return false;
	best->flags |= F_MATCHED;
	m->ts_ms = best->ts_ms;
	m->pid = best->pid;
	m->tls = (best->flags & F_TLS) != 0;
	return true;
}

static const char *
get_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The entry for one parsed record; false when it is not one to keep. */
static bool
entry_of(json_object *rec, struct rc_entry *e)
{
	const char *ts = get_str(rec, "ts");
	const char *addr = get_str(rec, "local_addr");
	json_object *v;
	int port;

	if (addr == NULL || ts == NULL || get_str(rec, "event") == NULL ||
		strcmp(get_str(rec, "event"), "connect") != 0 ||
		!json_object_object_get_ex(rec, "local_port", &v) || !json_object_is_type(v, json_type_int))
		return false;
	port = json_object_get_int(v);
	memset(e, 0, sizeof(*e));
	if (port < 0 || port > 65535 || !addr_bytes(addr, e->addr) || !rc_parse_rfc3339(ts, &e->ts_ms))
		return false;
	e->port = (uint16_t) port;
	e->flags = F_USED;
	if (json_object_object_get_ex(rec, "tls", &v) && json_object_is_type(v, json_type_object))
		e->flags |= F_TLS;
	if (json_object_object_get_ex(rec, "pid", &v) && json_object_is_type(v, json_type_int))
		e->pid = json_object_get_int(v);
	return true;
}

bool
rc_gzline(gzFile f, char **buf, size_t *cap)
{
	size_t len = 0;

	for (;;)
	{
		if (*cap - len < 2)
		{
			size_t ncap = *cap ? *cap * 2 : 4096;
			char *nb = realloc(*buf, ncap);

			if (nb == NULL)
				return false;
			*buf = nb;
			*cap = ncap;
		}
		if (gzgets(f, *buf + len, (int) (*cap - len)) == NULL)
		{
			if (len == 0)
				return false;
			break; /* a last line without a newline */
		}
		len += strlen(*buf + len);
		if (len > 0 && (*buf)[len - 1] == '\n')
			break;
	}
	while (len > 0 && ((*buf)[len - 1] == '\n' || (*buf)[len - 1] == '\r'))
		(*buf)[--len] = '\0';
	return true;
}

/* Adds the records of the open file F; false on a read error. */
static bool
read_lines(struct rc_records *t, gzFile f, const char *name)
{
	json_tokener *tok = json_tokener_new();
	char *line = NULL;
	size_t cap = 0;
	int err = Z_OK;
	bool ok = tok != NULL;

	while (ok && rc_gzline(f, &line, &cap))
	{
		/* Records may follow a syslog prefix; only those with an address count. */
		char *json = strchr(line, '{');
		json_object *rec;
		struct rc_entry e;

		if (json == NULL || strstr(json, "\"local_addr\"") == NULL)
			continue;
		json_tokener_reset(tok);
		rec = json_tokener_parse_ex(tok, json, (int) strlen(json));
		if (rec != NULL && json_object_is_type(rec, json_type_object) && entry_of(rec, &e))
			ok = add(t, &e);
		json_object_put(rec);
	}
	if (!ok)
		fprintf(stderr, "pgtls-shim: out of memory reading %s\n", name);
	else if ((gzerror(f, &err), err != Z_OK && err != Z_STREAM_END))
	{
		fprintf(stderr, "pgtls-shim: reading %s: %s\n", name,
				err == Z_ERRNO ? strerror(errno) : gzerror(f, &err));
		ok = false;
	}
	if (tok)
		json_tokener_free(tok);
	free(line);
	return ok;
}

bool
rc_records_read(struct rc_records *t, const char *path)
{
	const char *name = path ? path : "standard input";
	gzFile f = path ? gzopen(path, "rb") : gzdopen(dup(0), "rb");
	bool ok;

	if (f == NULL)
	{
		fprintf(stderr, "pgtls-shim: cannot open %s: %s\n", name, strerror(errno));
		return false;
	}
	gzbuffer(f, 256 * 1024);
	ok = read_lines(t, f, name);
	gzclose(f);
	return ok;
}

struct rc_records *
rc_records_new(void)
{
	return calloc(1, sizeof(struct rc_records));
}

void
rc_records_free(struct rc_records *t)
{
	if (t == NULL)
		return;
	free(t->slot);
	free(t);
}

size_t
rc_records_count(const struct rc_records *t)
{
	return t->n;
}
