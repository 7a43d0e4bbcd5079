/*
 * inspect.h
 *	  What a finished connection attempt looks like from the client: status,
 *	  transport, TLS parameters and the certificate chain the server sent.
 *	  Read through libpq's API and libpq's own OpenSSL.
 */
#ifndef PGTLS_SHIM_INSPECT_H
#define PGTLS_SHIM_INSPECT_H

#include <stdbool.h>
#include <time.h>

#include "pqapi.h"

#define PGS_MAX_CHAIN 10

struct pgs_cert
{
	char *subject; /* RFC 2253 */
	char *issuer;
	char *serial;		/* hex, upper case */
	unsigned char *der; /* the certificate, for later checks */
	time_t not_after_t;
	int der_len;
	char not_before[32]; /* RFC 3339 UTC */
	char not_after[32];
	char sha256[65]; /* hex fingerprint of the DER */
	char key[32];	 /* e.g. "RSA 2048", "EC 256" */
};

struct pgs_observed
{
	bool ok;	 /* PQstatus == CONNECTION_OK */
	char *error; /* libpq's message, one line; NULL when ok */
	char *host;	 /* as libpq reports for the final attempt */
	char *hostaddr;
	char *port;
	char *dbname;
	char *user;
	bool unix_socket;
	bool tls;
	char *protocol; /* "TLSv1.3" */
	char *cipher;
	int key_bits;
	bool compression;
	bool gssenc;
	int nchain;
	struct pgs_cert chain[PGS_MAX_CHAIN];
	char local_addr[64]; /* the client end (getsockname); "" when no TCP socket */
	int local_port;
};

/*
 * Fills *obs from CONN (which may be CONNECTION_BAD).  WANT_CHAIN also reads
 * the certificate chain.  Every string is malloc'd and owned by *obs (free
 * with observed_free); allocation failures leave fields NULL.
 */
void inspect_conn(const struct pq_api *api, PGconn *conn, bool want_chain,
				  struct pgs_observed *obs);
void observed_free(struct pgs_observed *obs);

/* Appends the peer chain of SSL (an SSL * of the OpenSSL behind O) to OBS. */
void inspect_ssl_chain(const struct ossl_api *o, void *ssl, struct pgs_observed *obs);

/* Collapses MSG (libpq's, multi-line) into one malloc'd line; NULL on OOM. */
char *one_line(const char *msg);

#endif
