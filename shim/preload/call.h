/*
 * call.h
 *	  In other people's processes: part of the preloaded library only.
 *	  The application's connect call as it was made, so that the shim can
 *	  read its parameters and, when it changes nothing, make it unchanged.
 */
#ifndef PGTLS_SHIM_CALL_H
#define PGTLS_SHIM_CALL_H

#include "attr.h"
#include "params.h"
#include "pqapi.h"

/* The application's call, so that it can be made unchanged. */
struct call
{
	enum
	{
		C_CONNECTDB,
		C_CONNECTDB_PARAMS,
		C_SETDB,
		C_START,
		C_START_PARAMS,
		C_PING,
		C_PING_PARAMS
	} kind;
	const char *conninfo;
	const char *const *kw;
	const char *const *val;
	int expand;
	const char *host, *port, *options, *tty, *db, *login, *pwd;
};

/* Makes the call C on API exactly as the application made it. */
PGconn *call_make(const struct pq_api *api, const struct call *c);

/*
 * The parameters of C as keyword/value arrays into *P (free with
 * params_free).  False when libpq rejects them or memory runs out: the
 * call is then made unchanged and libpq reports its own error.
 */
bool call_params(const struct pq_api *api, const struct call *c, struct pgs_params *p) PGS_WUR;

#endif
