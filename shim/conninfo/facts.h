/*
 * facts.h
 *	  The values libpq will actually use for a connection (service file,
 *	  environment, defaults applied), read by asking libpq itself.
 */
#ifndef PGTLS_SHIM_FACTS_H
#define PGTLS_SHIM_FACTS_H

#include "attr.h"
#include "params.h"
#include "pqapi.h"

#define PGS_MAX_HOSTS 16

/* One host slot of the connection (libpq allows a comma-separated list). */
struct pgs_target
{
	const char *host;	  /* the name verified against; "" when only hostaddr */
	const char *hostaddr; /* "" when none */
	const char *port;
	bool unix_socket;
};

/* What libpq will use, before the shim changes anything. */
struct pgs_facts
{
	size_t ntargets;
	struct pgs_target targets[PGS_MAX_HOSTS];
	bool too_many_hosts; /* more than PGS_MAX_HOSTS: not all matched */
	const char *dbname;
	const char *user;
	const char *program; /* absolute path of the executable */
	const char *script;	 /* the script an interpreter runs, or NULL */
	const char *application_name;
	const char *sslmode;	 /* the app's, as libpq reads it; "prefer" when unset */
	const char *sslrootcert; /* NULL when the app set none */
	const char *sslcrl;
	const char *sslcrldir; /* libpq 14 */
	const char *gssencmode;
	const char *ssl_min_protocol_version; /* NULL when this libpq has none */
	const char *sslkeylogfile;			  /* libpq 18: where TLS keys are written, or NULL */
	const char *sslcert;				  /* the client certificate, NULL when unset */
	const char *sslkey;					  /* its key, NULL when unset */
	const char *sslcertmode;			  /* libpq 16: "disable" sends none; NULL before */
};

/* The facts of a connection and the storage behind their strings. */
struct pgs_factbuf
{
	struct pgs_facts f;
	PQconninfoOption *opts; /* PQconninfo of the dry-run connection */
	char *lists;			/* copies of the host/hostaddr/port lists */
	char *default_host;
	char *default_port;
	char *libpq_error; /* FACTS_LIBPQ_ERROR: libpq's message, malloc'd (may be NULL) */
	char *resolved;	   /* the addresses facts_resolve found */
};

enum facts_result
{
	FACTS_OK,		   /* *fb filled; *dry_run is a BAD conn to reuse or finish */
	FACTS_LIBPQ_ERROR, /* libpq rejects the parameters: let it say so */
	FACTS_OOM
};

/*
 * Asks libpq for the values it will use with parameters P: a "dry run"
 * builds a connection with P plus a deliberately invalid
 * target_session_attrs, so that libpq resolves service file, environment
 * and defaults and then stops before any network access; reads them with
 * PQconninfo.  On FACTS_OK, *dry_run is that never-connected
 * CONNECTION_BAD conn (the caller finishes it, or hands it to the app as a
 * refused connection).  PROGRAM is stored as is.  Free *fb with
 * factbuf_free whatever the result (on FACTS_LIBPQ_ERROR it holds libpq's
 * message).
 */
enum facts_result facts_gather(const struct pq_api *api, struct pgs_params *p, const char *program,
							   struct pgs_factbuf *fb, PGconn **dry_run) PGS_WUR;
void factbuf_free(const struct pq_api *api, struct pgs_factbuf *fb);

/*
 * Resolves each TCP target given by name only (no hostaddr) as libpq will
 * (getaddrinfo), and puts one target per address in its place, so that
 * rules can match the address libpq connects to.  A name that does not
 * resolve stays as it is (libpq will fail on it too).  Blocks as long as
 * libpq's own lookup would; call it only when a rule matches hostaddr.
 */
void facts_resolve(struct pgs_factbuf *fb);

/* The value libpq will use for keyword KW, or NULL when unset or empty. */
const char *facts_option(const struct pgs_factbuf *fb, const char *kw);

/*
 * True when libpq connects to HOST over a Unix socket: no hostaddr, and an
 * absolute path or "@" (a Linux abstract socket), as libpq's
 * is_unixsock_path says.  The one Unix-socket rule of the shim.
 */
bool pgs_is_unix_socket(const char *host, const char *hostaddr);

#endif
