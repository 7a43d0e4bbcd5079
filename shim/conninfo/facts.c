/*
 * conninfo.c
 *	  Builds keyword/value arrays from every form of connection parameters,
 *	  always through libpq's own parser (PQconninfoParse), and reads the
 *	  values libpq will use from a connection it never lets start.  The
 *	  arrays hold borrowed pointers: the app's own strings, or p->parsed.
 */
#include "conninfo.h"

#include <stdlib.h>
#include <string.h>

/* Deliberately invalid, so libpq stops in option validation. */
#define PROBE_TSA "pgtls-shim-probe"

static bool
grow(struct pgs_params *p, size_t want)
{
	size_t cap;
	const char **kw;
	const char **val;

	if (want + 1 <= p->cap)
		return true;
	cap = p->cap ? p->cap * 2 : 32;
	while (cap < want + 1)
		cap *= 2;
	kw = realloc(p->kw, cap * sizeof(*kw));
	if (kw == NULL)
		return false;
	p->kw = kw;
	val = realloc(p->val, cap * sizeof(*val));
	if (val == NULL)
		return false;
	p->val = val;
	p->cap = cap;
	return true;
}

bool
params_push(struct pgs_params *p, const char *kw, const char *val)
{
	if (!grow(p, p->n + 1))
		return false;
	p->kw[p->n] = kw;
	p->val[p->n] = val;
	p->n++;
	p->kw[p->n] = NULL;
	p->val[p->n] = NULL;
	return true;
}

bool
params_from_conninfo(const struct pq_api *api, const char *conninfo, struct pgs_params *p)
{
	char *err = NULL;

	memset(p, 0, sizeof(*p));
	p->parsed = api->conninfoParse(conninfo, &err);
	if (err)
		api->freemem(err);
	if (p->parsed == NULL)
		return false;
	if (!grow(p, 0))
		return false;
	p->kw[0] = p->val[0] = NULL;
	for (PQconninfoOption *o = p->parsed; o->keyword; o++)
	{
		if (o->val != NULL && !params_push(p, o->keyword, o->val))
			return false;
	}
	return true;
}

bool
params_from_arrays(const char *const *kw, const char *const *val, int expand, struct pgs_params *p)
{
	memset(p, 0, sizeof(*p));
	p->expand = expand;
	if (!grow(p, 0))
		return false;
	p->kw[0] = p->val[0] = NULL;
	for (size_t i = 0; kw[i] != NULL; i++)
	{
		if (!params_push(p, kw[i], val[i]))
			return false;
	}
	return true;
}

/*
 * PQsetdbLogin expands dbName when it is a connection string, then lets
 * each non-empty argument override: exactly expand_dbname with dbname first.
 * (pgtty is ignored by libpq 14 and later, and by the shim.)
 */
bool
params_from_setdb(const char *host, const char *port, const char *options, const char *db,
				  const char *login, const char *pwd, struct pgs_params *p)
{
	memset(p, 0, sizeof(*p));
	p->expand = 1;
	return grow(p, 0) && params_push(p, "dbname", db) && params_push(p, "host", host) &&
		   params_push(p, "port", port) && params_push(p, "options", options) &&
		   params_push(p, "user", login) && params_push(p, "password", pwd);
}

void
params_free(const struct pq_api *api, struct pgs_params *p)
{
	if (p->parsed)
		api->conninfoFree(p->parsed);
	free(p->kw);
	free(p->val);
	memset(p, 0, sizeof(*p));
}

static const char *
opt(const PQconninfoOption *opts, const char *kw)
{
	for (const PQconninfoOption *o = opts; o->keyword; o++)
	{
		if (strcmp(o->keyword, kw) == 0)
			return (o->val && o->val[0]) ? o->val : NULL;
	}
	return NULL;
}

static size_t
count_elems(const char *s)
{
	size_t n = 1;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (; *s; s++)
		n += *s == ',';
	return n;
}

/* Splits a comma list in place; returns element I, or "" if absent. */
static const char *
elem(char *list, size_t n, size_t i)
{
	char *s = list;

	if (list == NULL || i >= n)
		return "";
	for (size_t k = 0; k < i; k++)
		s += strlen(s) + 1;
	return s;
}

static char *
copy_list(char **cursor, const char *s)
{
	char *start = *cursor;
	size_t len = s ? strlen(s) : 0;

	if (s == NULL)
		return NULL;
	memcpy(start, s, len + 1);
	for (char *c = start; *c; c++)
	{
		if (*c == ',')
			*c = '\0';
	}
	*cursor += len + 1;
	return start;
}

/* Fills the target list the way libpq's connectOptions2 pairs its lists. */
static bool
fill_targets(const struct pq_api *api, PGconn *probe, struct pgs_factbuf *fb)
{
	const char *hosts = opt(fb->opts, "host");
	const char *addrs = opt(fb->opts, "hostaddr");
	const char *ports = opt(fb->opts, "port");
	size_t nh = count_elems(hosts);
	size_t na = count_elems(addrs);
	size_t np = count_elems(ports);
	size_t n = nh > na ? nh : na;
	size_t total = (hosts ? strlen(hosts) + 1 : 0) + (addrs ? strlen(addrs) + 1 : 0) +
				   (ports ? strlen(ports) + 1 : 0) + 1;
	char *cursor;
	char *hl;
	char *al;
	char *pl;

	fb->default_host = strdup(api->host(probe) ? api->host(probe) : "");
	fb->default_port = strdup(api->port(probe) ? api->port(probe) : "");
	fb->lists = malloc(total);
	if (!fb->default_host || !fb->default_port || !fb->lists)
		return false;
	cursor = fb->lists;
	hl = copy_list(&cursor, hosts);
	al = copy_list(&cursor, addrs);
	pl = copy_list(&cursor, ports);
	if (n == 0)
		n = 1;
	if (n > PGS_MAX_HOSTS)
	{
		fb->f.too_many_hosts = true;
		n = PGS_MAX_HOSTS;
	}
	fb->f.ntargets = n;
	for (size_t i = 0; i < n; i++)
	{
		struct pgs_target *t = &fb->f.targets[i];
		const char *port = elem(pl, np, np == 1 ? 0 : i);

		t->host = elem(hl, nh, i);
		t->hostaddr = elem(al, na, i);
		if (t->host[0] == '\0' && t->hostaddr[0] == '\0')
			t->host = fb->default_host;
		t->port = port[0] ? port : fb->default_port;
		t->unix_socket = t->hostaddr[0] == '\0' && (t->host[0] == '/' || t->host[0] == '@');
	}
	return true;
}

enum facts_result
facts_gather(const struct pq_api *api, struct pgs_params *p, const char *program,
			 struct pgs_factbuf *fb, PGconn **probe)
{
	size_t n0 = p->n;
	PGconn *conn;
	const char *msg;
	const char *tsa;

	memset(fb, 0, sizeof(*fb));
	*probe = NULL;
	/* A password stops libpq from reading the password file for nothing. */
	if (!params_push(p, "password", "-") || !params_push(p, "target_session_attrs", PROBE_TSA))
	{
		p->n = n0;
		p->kw[n0] = p->val[n0] = NULL;
		return FACTS_OOM;
	}
	conn = api->connectStartParams(p->kw, p->val, p->expand);
	p->n = n0;
	p->kw[n0] = p->val[n0] = NULL;
	if (conn == NULL)
		return FACTS_OOM;
	msg = api->errorMessage(conn);
	if (api->status(conn) != CONNECTION_BAD || msg == NULL || strstr(msg, PROBE_TSA) == NULL)
	{
		/* Failed before our marker: the app's own parameters are invalid. */
		api->finish(conn);
		return FACTS_LIBPQ_ERROR;
	}
	fb->opts = api->conninfo(conn);
	if (fb->opts == NULL)
	{
		api->finish(conn);
		return FACTS_OOM;
	}
	tsa = opt(fb->opts, "target_session_attrs");
	if (tsa == NULL || strcmp(tsa, PROBE_TSA) != 0)
	{
		/*
		 * The marker is in the message but not in the connection's options:
		 * libpq stopped while parsing them (an unknown keyword that contains
		 * the marker, found by fuzz_rewrite).  The app's own error.
		 */
		factbuf_free(api, fb);
		api->finish(conn);
		return FACTS_LIBPQ_ERROR;
	}
	if (!fill_targets(api, conn, fb))
	{
		factbuf_free(api, fb);
		api->finish(conn);
		return FACTS_OOM;
	}
	fb->f.dbname = opt(fb->opts, "dbname");
	fb->f.user = opt(fb->opts, "user");
	fb->f.application_name = opt(fb->opts, "application_name");
	if (fb->f.application_name == NULL)
		fb->f.application_name = opt(fb->opts, "fallback_application_name");
	fb->f.program = program;
	fb->f.sslmode = opt(fb->opts, "sslmode");
	fb->f.sslrootcert = opt(fb->opts, "sslrootcert");
	fb->f.sslcrl = opt(fb->opts, "sslcrl");
	fb->f.gssencmode = opt(fb->opts, "gssencmode");
	fb->f.ssl_min_protocol_version = opt(fb->opts, "ssl_min_protocol_version");
	*probe = conn;
	return FACTS_OK;
}

void
factbuf_free(const struct pq_api *api, struct pgs_factbuf *fb)
{
	if (fb->opts)
		api->conninfoFree(fb->opts);
	free(fb->lists);
	free(fb->default_host);
	free(fb->default_port);
	memset(fb, 0, sizeof(*fb));
}

struct strbuf
{
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

/* Appends S; with QUOTE, escapes ' and \ as libpq's parser expects. */
static void
sb_add(struct strbuf *b, const char *s, bool quote)
{
	for (; *s && !b->oom; s++)
	{
		if (b->len + 3 >= b->cap)
		{
			size_t ncap = b->cap ? b->cap * 2 : 256;
			char *np = realloc(b->p, ncap);

			if (np == NULL)
			{
				b->oom = true;
				break;
			}
			b->p = np;
			b->cap = ncap;
		}
		if (quote && (*s == '\'' || *s == '\\'))
			b->p[b->len++] = '\\';
		b->p[b->len++] = *s;
		b->p[b->len] = '\0';
	}
}

/*
 * True for a keyword whose value is a secret: the ones libpq itself marks
 * for hiding (dispchar "*": password, sslpassword), else those two by name.
 */
static bool
is_secret(const struct pgs_params *p, const char *kw)
{
	for (const PQconninfoOption *o = p->parsed; o && o->keyword; o++)
	{
		if (strcmp(o->keyword, kw) == 0)
			return o->dispchar != NULL && o->dispchar[0] == '*';
	}
	return strcmp(kw, "password") == 0 || strcmp(kw, "sslpassword") == 0;
}

char *
params_redacted(struct pgs_params *p)
{
	struct strbuf b = {0};

	sb_add(&b, " ", false); /* allocates, so "" is a valid result */
	b.len = 0;
	if (b.p)
		b.p[0] = '\0';
	for (size_t i = 0; i < p->n; i++)
	{
		const char *v = NULL;
		bool seen = false;

		/* Later keywords win: each keyword once, where it first appears. */
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(p->kw[j], p->kw[i]) == 0;
		for (size_t j = i; j < p->n && !seen; j++)
		{
			if (strcmp(p->kw[j], p->kw[i]) == 0 && p->val[j] && p->val[j][0])
				v = p->val[j];
		}
		if (seen || v == NULL)
			continue;
		if (is_secret(p, p->kw[i]))
			v = "********";
		if (b.len > 0)
			sb_add(&b, " ", false);
		sb_add(&b, p->kw[i], false);
		sb_add(&b, "='", false);
		sb_add(&b, v, true);
		sb_add(&b, "'", false);
	}
	if (b.oom)
	{
		free(b.p);
		return NULL;
	}
	return b.p;
}
