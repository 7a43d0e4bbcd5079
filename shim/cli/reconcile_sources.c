/*
 * reconcile_sources.c
 *	  Where `pgtls-shim reconcile` reads the client records from: LOG files
 *	  (plain or gzip, a syslog prefix before the JSON allowed) or standard
 *	  input, parsed with json-c one line at a time.  Each file is a stream
 *	  read in step with the server's sessions: rc_sources_upto adds the
 *	  records up to a time and keeps the next one as a lookahead, so only
 *	  the records around the sessions being joined are in memory.  A file
 *	  is in time order give or take the time connections take (a record's
 *	  ts is when the attempt started; it is written when it ends).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gzline.h"
#include "jsonfield.h"
#include "reconcile.h"

struct source
{
	const char *path; /* NULL: standard input */
	gzFile f;
	bool has_next;
	struct rc_entry next;
};

struct rc_sources
{
	json_tokener *tok;
	char *line;
	size_t cap;
	bool first_pass;
	long read; /* records with an address, in the first pass */
	int n;
	struct source src[];
};

/* The entry for one parsed record; false when it is not one to keep. */
static bool
entry_of(json_object *rec, struct rc_entry *e)
{
	const char *ts = json_field_str(rec, "ts");
	const char *addr = json_field_str(rec, "local_addr");
	json_object *v;
	int port;

	if (addr == NULL || ts == NULL || json_field_str(rec, "event") == NULL ||
		strcmp(json_field_str(rec, "event"), "connect") != 0 ||
		!json_object_object_get_ex(rec, "local_port", &v) || !json_object_is_type(v, json_type_int))
		return false;
	port = json_object_get_int(v);
	memset(e, 0, sizeof(*e));
	if (port < 0 || port > 65535 || !rc_addr_bytes(addr, e->addr) ||
		!rc_parse_rfc3339(ts, &e->ts_ms))
		return false;
	e->port = (uint16_t) port;
	e->flags = RC_F_USED;
	if (json_object_object_get_ex(rec, "tls", &v) && json_object_is_type(v, json_type_object))
		e->flags |= RC_F_TLS;
	if (json_object_object_get_ex(rec, "pid", &v) && json_object_is_type(v, json_type_int))
		e->pid = json_object_get_int(v);
	return true;
}

bool
rc_gzline(gzFile f, char **buf, size_t *cap)
{
	long len = cli_gz_getline(f, buf, cap);

	if (len < 0)
		return false;
	while (len > 0 && ((*buf)[len - 1] == '\n' || (*buf)[len - 1] == '\r'))
		(*buf)[--len] = '\0';
	return true;
}

const char *
rc_gzmessage(gzFile f)
{
	int err = Z_OK;
	const char *msg = gzerror(f, &err);
	const char *colon = strstr(msg, ": "); /* zlib's message starts with the file's name */

	if (err == Z_ERRNO)
		return strerror(errno);
	return colon ? colon + 2 : msg;
}

static const char *
name_of(const struct source *s)
{
	return s->path ? s->path : "standard input";
}

/* The next record with an address of S into its lookahead; false on a read error. */
static bool
read_next(struct rc_sources *all, struct source *s)
{
	int err = Z_OK;

	s->has_next = false;
	while (!s->has_next && rc_gzline(s->f, &all->line, &all->cap))
	{
		/* Records may follow a syslog prefix; only those with an address count. */
		char *json = strchr(all->line, '{');
		json_object *rec;

		if (json == NULL || strstr(json, "\"local_addr\"") == NULL)
			continue;
		json_tokener_reset(all->tok);
		rec = json_tokener_parse_ex(all->tok, json, (int) strlen(json));
		s->has_next =
			rec != NULL && json_object_is_type(rec, json_type_object) && entry_of(rec, &s->next);
		json_object_put(rec);
	}
	all->read += s->has_next && all->first_pass;
	gzerror(s->f, &err);
	if (err != Z_OK && err != Z_STREAM_END)
	{
		fprintf(stderr, "pgtls-shim: reading %s: %s\n", name_of(s), rc_gzmessage(s->f));
		return false;
	}
	return true;
}

/* (Re)opens S and reads its first record; false when it cannot. */
static bool
open_source(struct rc_sources *all, struct source *s)
{
	if (s->f)
		gzclose(s->f);
	s->f = s->path ? gzopen(s->path, "rb") : gzdopen(dup(0), "rb");
	if (s->f == NULL)
	{
		fprintf(stderr, "pgtls-shim: cannot open %s: %s\n", name_of(s), strerror(errno));
		return false;
	}
	gzbuffer(s->f, 256 * 1024);
	return read_next(all, s);
}

struct rc_sources *
rc_sources_open(const char *const *paths, int n)
{
	int count = n > 0 ? n : 1;
	struct rc_sources *all = calloc(1, sizeof(*all) + (size_t) count * sizeof(struct source));
	bool ok = all != NULL && (all->tok = json_tokener_new()) != NULL;

	if (!ok)
		fprintf(stderr, "pgtls-shim: out of memory\n");
	for (int i = 0; ok && i < count; i++)
	{
		all->n++;
		all->first_pass = true;
		all->src[i].path = (n == 0 || strcmp(paths[i], "-") == 0) ? NULL : paths[i];
		ok = open_source(all, &all->src[i]);
	}
	if (!ok)
	{
		rc_sources_close(all);
		return NULL;
	}
	return all;
}

bool
rc_sources_rewind(struct rc_sources *all)
{
	all->first_pass = false;
	for (int i = 0; i < all->n; i++)
		if (all->src[i].path == NULL || !open_source(all, &all->src[i]))
			return false;
	return true;
}

bool
rc_sources_upto(struct rc_sources *all, struct rc_records *t, int64_t ms)
{
	for (int i = 0; i < all->n; i++)
	{
		struct source *s = &all->src[i];

		while (s->has_next && s->next.ts_ms <= ms)
		{
			if (!rc_records_add(t, &s->next))
			{
				fprintf(stderr, "pgtls-shim: out of memory\n");
				return false;
			}
			if (!read_next(all, s))
				return false;
		}
	}
	return true;
}

bool
rc_sources_drain(struct rc_sources *all)
{
	for (int i = 0; i < all->n; i++)
		while (all->src[i].has_next)
			if (!read_next(all, &all->src[i]))
				return false;
	return true;
}

bool
rc_sources_rewindable(const struct rc_sources *all)
{
	for (int i = 0; i < all->n; i++)
		if (all->src[i].path == NULL)
			return false;
	return true;
}

long
rc_sources_read(const struct rc_sources *all)
{
	return all->read;
}

void
rc_sources_close(struct rc_sources *all)
{
	if (all == NULL)
		return;
	for (int i = 0; i < all->n; i++)
		if (all->src[i].f)
			gzclose(all->src[i].f);
	if (all->tok)
		json_tokener_free(all->tok);
	free(all->line);
	free(all);
}
