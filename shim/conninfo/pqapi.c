/*
 * pqapi.c
 *	  Fills a pq_api table from a libpq handle, and reads what that libpq
 *	  supports from its PQconndefaults() keyword list and its version, so
 *	  the shim injects only keywords that libpq knows.
 */
#include "pqapi.h"

#include <stdlib.h>
#include <string.h>

#include "dlload.h"

#define PQ(field, name) DL_SYM_AS(struct pq_api, field, name)

static const struct dl_sym pq_syms[] = {
	PQ(connectdb, "PQconnectdb"),
	PQ(connectdbParams, "PQconnectdbParams"),
	PQ(setdbLogin, "PQsetdbLogin"),
	PQ(connectStart, "PQconnectStart"),
	PQ(connectStartParams, "PQconnectStartParams"),
	PQ(connectPoll, "PQconnectPoll"),
	PQ(reset, "PQreset"),
	PQ(resetStart, "PQresetStart"),
	PQ(resetPoll, "PQresetPoll"),
	PQ(ping, "PQping"),
	PQ(pingParams, "PQpingParams"),
	PQ(finish, "PQfinish"),
	PQ(status, "PQstatus"),
	PQ(errorMessage, "PQerrorMessage"),
	PQ(conninfoParse, "PQconninfoParse"),
	PQ(conninfo, "PQconninfo"),
	PQ(conndefaults, "PQconndefaults"),
	PQ(conninfoFree, "PQconninfoFree"),
	PQ(freemem, "PQfreemem"),
	PQ(socket, "PQsocket"),
	PQ(consumeInput, "PQconsumeInput"),
	PQ(host, "PQhost"),
	PQ(port, "PQport"),
	PQ(db, "PQdb"),
	PQ(user, "PQuser"),
	PQ(sslInUse, "PQsslInUse"),
	PQ(sslAttribute, "PQsslAttribute"),
	PQ(sslStruct, "PQsslStruct"),
	PQ(libVersion, "PQlibVersion"),
	DL_SYM_OPT(struct pq_api, hostaddr, "PQhostaddr"),
	DL_SYM_OPT(struct pq_api, gssEncInUse, "PQgssEncInUse"),
};

bool
pq_api_load(void *h, struct pq_api *api, struct libpq_openssl *o, bool (*reject)(const void *))
{
	if (!dl_fill(h, pq_syms, sizeof(pq_syms) / sizeof(pq_syms[0]), api, sizeof(*api), reject))
		return false;
	api->ossl = libpq_openssl_load(h, o, reject) ? o : NULL;
	return pq_api_read_caps(api, api->ossl);
}

/* OpenSSL's default CA file for O, SSL_CERT_FILE honoured, as libpq's OpenSSL reads it. */
static const char *
system_bundle(const struct libpq_openssl *o)
{
	const char *env;

	if (o == NULL)
		return NULL;
	env = getenv(o->X509_get_default_cert_file_env());
	return (env != NULL && env[0] != '\0') ? env : o->X509_get_default_cert_file();
}

bool
pq_api_read_caps(struct pq_api *api, const struct libpq_openssl *o)
{
	PQconninfoOption *opts = api->conndefaults();
	struct pgs_caps *c = &api->caps;

	if (opts == NULL)
		return false;
	for (PQconninfoOption *opt = opts; opt->keyword; opt++)
	{
		if (strcmp(opt->keyword, "ssl_min_protocol_version") == 0)
			c->has_ssl_min_protocol = true;
		else if (strcmp(opt->keyword, "gssencmode") == 0)
			c->has_gssencmode = true;
		else if (strcmp(opt->keyword, "sslcrl") == 0)
			c->has_sslcrl = true;
		else if (strcmp(opt->keyword, "sslcrldir") == 0)
			c->has_sslcrldir = true;
		else if (strcmp(opt->keyword, "sslkeylogfile") == 0)
			c->has_sslkeylogfile = true;
	}
	api->conninfoFree(opts);
	c->version = api->libVersion();
	c->has_sslrootcert_system = c->version >= 160000;
	c->system_bundle = system_bundle(o);
	return true;
}
