/*
 * params.h
 *	  Connection parameters as keyword/value arrays, built from whatever form
 *	  the application used (conninfo string or URI, parameter arrays with
 *	  expand_dbname, PQsetdbLogin's arguments) with libpq's own parser, so
 *	  that the shim can append its keywords (later keywords win) and hand the
 *	  result to PQconnectStartParams.
 */
#ifndef PGTLS_SHIM_PARAMS_H
#define PGTLS_SHIM_PARAMS_H

#include "attr.h"
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
bool params_from_conninfo(const struct pq_api *api, const char *conninfo,
						  struct pgs_params *p) PGS_WUR;
bool params_from_arrays(const char *const *kw, const char *const *val, int expand,
						struct pgs_params *p) PGS_WUR;
bool params_from_setdb(const char *host, const char *port, const char *options, const char *db,
					   const char *login, const char *pwd, struct pgs_params *p) PGS_WUR;
/*
 * The options CONN holds now (PQconninfo), which PQreset reconnects with.
 * False on out-of-memory.
 */
bool params_from_conn(const struct pq_api *api, PGconn *conn, struct pgs_params *p) PGS_WUR;
/* Appends KW=VAL (pointers kept, not copied).  False on out-of-memory. */
bool params_push(struct pgs_params *p, const char *kw, const char *val) PGS_WUR;
void params_free(const struct pq_api *api, struct pgs_params *p);

#endif
