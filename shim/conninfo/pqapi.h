/*
 * pqapi.h
 *	  A typed table of the libpq functions the shim calls, for one copy of
 *	  libpq.  The preloaded library fills one per libpq copy found in the
 *	  process (pq_api_load, through dlsym, so that it never links libpq);
 *	  the command fills one from the libpq it links (cli).  Shared code
 *	  (conninfo, decide, inspect) only ever calls libpq through such a table.
 */
#ifndef PGTLS_SHIM_PQAPI_H
#define PGTLS_SHIM_PQAPI_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "attr.h"
#include "caps.h"
#include "libpq_openssl.h"

struct pq_api
{
	/* Connecting.  Always present. */
	PGconn *(*connectdb)(const char *conninfo);
	PGconn *(*connectdbParams)(const char *const *kw, const char *const *val, int expand_dbname);
	PGconn *(*setdbLogin)(const char *host, const char *port, const char *options, const char *tty,
						  const char *db, const char *login, const char *pwd);
	PGconn *(*connectStart)(const char *conninfo);
	PGconn *(*connectStartParams)(const char *const *kw, const char *const *val, int expand_dbname);
	PostgresPollingStatusType (*connectPoll)(PGconn *conn);
	void (*reset)(PGconn *conn);
	int (*resetStart)(PGconn *conn);
	PostgresPollingStatusType (*resetPoll)(PGconn *conn);
	PGPing (*ping)(const char *conninfo);
	PGPing (*pingParams)(const char *const *kw, const char *const *val, int expand_dbname);
	void (*finish)(PGconn *conn);

	/* Inspecting. */
	ConnStatusType (*status)(const PGconn *conn);
	char *(*errorMessage)(const PGconn *conn);
	PQconninfoOption *(*conninfoParse)(const char *conninfo, char **errmsg);
	PQconninfoOption *(*conninfo)(PGconn *conn);
	PQconninfoOption *(*conndefaults)(void);
	void (*conninfoFree)(PQconninfoOption *opts);
	void (*freemem)(void *ptr);
	int (*socket)(const PGconn *conn);
	int (*consumeInput)(PGconn *conn);
	char *(*host)(const PGconn *conn);
	char *(*port)(const PGconn *conn);
	char *(*db)(const PGconn *conn);
	char *(*user)(const PGconn *conn);
	int (*sslInUse)(PGconn *conn);
	const char *(*sslAttribute)(PGconn *conn, const char *name);
	void *(*sslStruct)(PGconn *conn, const char *name);
	int (*libVersion)(void);

	/* Optional: NULL when this libpq is too old to have them. */
	char *(*hostaddr)(const PGconn *conn); /* libpq 12 */
	int (*gssEncInUse)(PGconn *conn);	   /* libpq 12 */

	/* What this libpq supports, filled with the table. */
	struct pgs_caps caps;

	/* OpenSSL as loaded by this libpq; NULL when it has none. */
	const struct libpq_openssl *ossl;
};

/*
 * Fills API from libpq handle H (whose dependencies hold its OpenSSL, put in
 * *O), and its capabilities.  A symbol for which REJECT (may be NULL) says
 * no counts as missing.  False when a required function is missing or
 * libpq cannot say what it supports (out of memory).
 */
bool pq_api_load(void *h, struct pq_api *api, struct libpq_openssl *o,
				 bool (*reject)(const void *)) PGS_WUR;

/*
 * Fills API->caps from its PQconndefaults(), its version and O (the
 * OpenSSL behind it, may be NULL).  False when libpq cannot say (out of
 * memory).
 */
bool pq_api_read_caps(struct pq_api *api, const struct libpq_openssl *o) PGS_WUR;

#endif
