/*
 * facts.c
 *	  The values libpq will actually use for a set of parameters (service
 *	  file, environment, defaults), read from a connection libpq is made to
 *	  stop before any network access: the "dry run".
 */
#include "facts.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Deliberately invalid, so libpq stops in option validation. */
#define DRY_RUN_TSA "pgtls-shim-dry-run"

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
fill_targets(const struct pq_api *api, PGconn *dry_run, struct pgs_factbuf *fb)
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

	fb->default_host = strdup(api->host(dry_run) ? api->host(dry_run) : "");
	fb->default_port = strdup(api->port(dry_run) ? api->port(dry_run) : "");
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
		t->unix_socket = pgs_is_unix_socket(t->host, t->hostaddr);
	}
	return true;
}

/*
 * Starts the dry run of P: a connection libpq stops at our invalid
 * target_session_attrs.  Returns FACTS_OK with *CONN, or why not (*CONN
 * NULL).  P is left as it was.
 */
static enum facts_result
start_dry_run(const struct pq_api *api, struct pgs_params *p, PGconn **conn, char **libpq_error)
{
	size_t n0 = p->n;
	const char *msg;
	bool pushed;

	/* A password stops libpq from reading the password file for nothing. */
	pushed = params_push(p, "password", "-") && params_push(p, "target_session_attrs", DRY_RUN_TSA);
	*conn = pushed ? api->connectStartParams(p->kw, p->val, p->expand) : NULL;
	p->n = n0;
	p->kw[n0] = p->val[n0] = NULL;
	if (*conn == NULL)
		return FACTS_OOM;
	msg = api->errorMessage(*conn);
	if (api->status(*conn) != CONNECTION_BAD || msg == NULL || strstr(msg, DRY_RUN_TSA) == NULL)
	{
		/* Failed before our marker: the app's own parameters are invalid. */
		*libpq_error = msg ? strdup(msg) : NULL;
		api->finish(*conn);
		*conn = NULL;
		return FACTS_LIBPQ_ERROR;
	}
	return FACTS_OK;
}

/* The values of fb->opts into fb->f. */
static void
read_values(struct pgs_factbuf *fb, const char *program)
{
	fb->f.dbname = opt(fb->opts, "dbname");
	fb->f.user = opt(fb->opts, "user");
	fb->f.application_name = opt(fb->opts, "application_name");
	if (fb->f.application_name == NULL)
		fb->f.application_name = opt(fb->opts, "fallback_application_name");
	fb->f.program = program;
	fb->f.sslmode = opt(fb->opts, "sslmode");
	fb->f.sslrootcert = opt(fb->opts, "sslrootcert");
	fb->f.sslcrl = opt(fb->opts, "sslcrl");
	fb->f.sslcrldir = opt(fb->opts, "sslcrldir");
	fb->f.gssencmode = opt(fb->opts, "gssencmode");
	fb->f.ssl_min_protocol_version = opt(fb->opts, "ssl_min_protocol_version");
	fb->f.sslkeylogfile = opt(fb->opts, "sslkeylogfile");
	fb->f.sslcert = opt(fb->opts, "sslcert");
	fb->f.sslkey = opt(fb->opts, "sslkey");
	fb->f.sslcertmode = opt(fb->opts, "sslcertmode");
}

enum facts_result
facts_gather(const struct pq_api *api, struct pgs_params *p, const char *program,
			 struct pgs_factbuf *fb, PGconn **dry_run)
{
	PGconn *conn;
	const char *tsa;
	enum facts_result r;

	memset(fb, 0, sizeof(*fb));
	*dry_run = NULL;
	if ((r = start_dry_run(api, p, &conn, &fb->libpq_error)) != FACTS_OK)
		return r;
	fb->opts = api->conninfo(conn);
	tsa = fb->opts ? opt(fb->opts, "target_session_attrs") : NULL;
	if (fb->opts != NULL && (tsa == NULL || strcmp(tsa, DRY_RUN_TSA) != 0))
	{
		/*
		 * The marker is in the message but not in the connection's options:
		 * libpq stopped while parsing them (an unknown keyword that contains
		 * the marker, found by fuzz_rewrite).  The app's own error.
		 */
		r = FACTS_LIBPQ_ERROR;
	}
	else if (fb->opts == NULL || !fill_targets(api, conn, fb))
		r = FACTS_OOM;
	if (r != FACTS_OK)
	{
		char *msg = r == FACTS_LIBPQ_ERROR ? strdup(api->errorMessage(conn)) : NULL;

		factbuf_free(api, fb);
		fb->libpq_error = msg;
		api->finish(conn);
		return r;
	}
	read_values(fb, program);
	*dry_run = conn;
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
	free(fb->libpq_error);
	free(fb->resolved);
	memset(fb, 0, sizeof(*fb));
}

bool
pgs_is_unix_socket(const char *host, const char *hostaddr)
{
	/* libpq's is_unixsock_path: an absolute path, or "@" (Linux abstract). */
	return (hostaddr == NULL || hostaddr[0] == '\0') && host != NULL &&
		   (host[0] == '/' || host[0] == '@');
}

const char *
facts_option(const struct pgs_factbuf *fb, const char *kw)
{
	return fb->opts ? opt(fb->opts, kw) : NULL;
}

#define ADDR_LEN INET6_ADDRSTRLEN

/*
 * Appends the addresses of target T to OUT (at most MAX targets), their
 * text in SLOTS; returns how many.  0 when the name does not resolve.
 */
static size_t
resolve_target(const struct pgs_target *t, struct pgs_target *out, size_t max, char *slots)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	size_t n = 0;

	if (getaddrinfo(t->host, t->port[0] ? t->port : NULL, &hints, &res) != 0)
		return 0;
	for (struct addrinfo *ai = res; ai != NULL && n < max; ai = ai->ai_next)
	{
		char *text = slots + (n * ADDR_LEN);

		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, text, ADDR_LEN, NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		out[n] = *t;
		out[n].hostaddr = text;
		n++;
	}
	freeaddrinfo(res);
	return n;
}

void
facts_resolve(struct pgs_factbuf *fb)
{
	struct pgs_target in[PGS_MAX_HOSTS];
	struct pgs_facts *f = &fb->f;
	size_t nin = f->ntargets;
	size_t n = 0;

	if (fb->resolved != NULL || (fb->resolved = malloc((size_t) PGS_MAX_HOSTS * ADDR_LEN)) == NULL)
		return;
	memcpy(in, f->targets, nin * sizeof(in[0]));
	for (size_t i = 0; i < nin && n < PGS_MAX_HOSTS; i++)
	{
		size_t got = 0;

		if (!in[i].unix_socket && in[i].hostaddr[0] == '\0' && in[i].host[0] != '\0')
			got = resolve_target(&in[i], &f->targets[n], PGS_MAX_HOSTS - n,
								 fb->resolved + n * ADDR_LEN);
		if (got == 0)
			f->targets[n++] = in[i];
		n += got;
	}
	f->ntargets = n;
}
