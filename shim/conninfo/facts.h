/*
 * conninfo.h
 *	  Connection parameters as keyword/value arrays, built from whatever form
 *	  the application used (conninfo string or URI, parameter arrays with
 *	  expand_dbname, PQsetdbLogin's arguments) with libpq's own parser, so
 *	  that the shim can append its keywords (later keywords win) and hand the
 *	  result to PQconnectStartParams.  Also reads the values libpq will
 *	  actually use (service file, environment, defaults) by asking libpq.
 */
#ifndef PGTLS_SHIM_CONNINFO_H
#define PGTLS_SHIM_CONNINFO_H

#include "decide.h"
#include "pqapi.h"

struct pgs_params
{
	size_t n; /* entries, not counting the NULL terminator */
	size_t cap;
	const char **kw; /* NULL-terminated */
	const char **val;
	int expand;				  /* expand_dbname for libpq */
	PQconninfoOption *parsed; /* owned: PQconninfoParse result, or NULL */
};

/*
 * Each builder fills *p (zeroed first).  The strings stay owned by the
 * caller's arguments (or by p->parsed).  Return false on out-of-memory, or,
 * for params_from_conninfo, when libpq rejects the string (the caller then
 * lets libpq report its own error).  Free with params_free in every case.
 */
bool params_from_conninfo(const struct pq_api *api, const char *conninfo, struct pgs_params *p)
	__attribute__((warn_unused_result));
bool params_from_arrays(const char *const *kw, const char *const *val, int expand,
						struct pgs_params *p) __attribute__((warn_unused_result));
bool params_from_setdb(const char *host, const char *port, const char *options, const char *db,
					   const char *login, const char *pwd, struct pgs_params *p)
	__attribute__((warn_unused_result));
/* Appends KW=VAL (pointers kept, not copied).  False on out-of-memory. */
bool params_push(struct pgs_params *p, const char *kw, const char *val)
	__attribute__((warn_unused_result));
void params_free(const struct pq_api *api, struct pgs_params *p);

/* The facts of a connection and the storage behind their strings. */
struct pgs_factbuf
{
	struct pgs_facts f;
	PQconninfoOption *opts; /* PQconninfo of the probe connection */
	char *lists;			/* copies of the host/hostaddr/port lists */
	char *default_host;
	char *default_port;
};

enum facts_result
{
	FACTS_OK,		   /* *fb filled; *probe is a BAD conn to reuse or finish */
	FACTS_LIBPQ_ERROR, /* libpq rejects the parameters: let it say so */
	FACTS_OOM
};

/*
 * Asks libpq for the values it will use with parameters P: builds a
 * connection with P plus a deliberately invalid target_session_attrs, so
 * that libpq resolves service file, environment and defaults and then stops
 * before any network access; reads them with PQconninfo.  On FACTS_OK,
 * *probe is that never-connected CONNECTION_BAD conn (the caller finishes
 * it, or hands it to the app as a refused connection).  PROGRAM is stored
 * as is.  Free *fb with factbuf_free.
 */
enum facts_result facts_gather(const struct pq_api *api, struct pgs_params *p, const char *program,
							   struct pgs_factbuf *fb, PGconn **probe)
	__attribute__((warn_unused_result));
void factbuf_free(const struct pq_api *api, struct pgs_factbuf *fb);

/*
 * Writes P as a connection string (each keyword once, with the value that
 * wins) into a malloc'd string, with every secret (password, sslpassword:
 * what libpq marks for hiding) replaced by "********";
 * for explain.  P must not use expand_dbname.  NULL on out-of-memory.
 */
char *params_redacted(struct pgs_params *p);

#endif
