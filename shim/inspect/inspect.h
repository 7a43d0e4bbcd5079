/*
 * inspect.h
 *	  What a finished connection attempt looks like from the client: status,
 *	  transport, TLS parameters and the certificate chain the server sent.
 *	  Read through libpq's API and libpq's own OpenSSL.
 */
#ifndef PGTLS_SHIM_INSPECT_H
#define PGTLS_SHIM_INSPECT_H

#include <stdbool.h>

#include "cert.h"
#include "pqapi.h"

#define PGS_MAX_CHAIN 10

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
	bool peer_verified; /* libpq's SSL checked the chain (SSL_VERIFY_PEER) */
	char *protocol;		/* "TLSv1.3" */
	char *cipher;
	int key_bits;
	bool compression;
	bool gssenc;
	char *local_addr; /* the client end of a TCP connection, or NULL */
	int local_port;
	int nchain;
	struct pgs_cert chain[PGS_MAX_CHAIN];
	/*
	 * libpq's own X509 objects of the chain, borrowed from its SSL (valid
	 * while the connection lives), of the OpenSSL behind x509_ossl; and the
	 * security level libpq's SSL applies (-1 when unknown).
	 */
	void *x509[PGS_MAX_CHAIN];
	const struct libpq_openssl *x509_ossl;
	int security_level;
};

/*
 * Fills *obs from CONN (which may be CONNECTION_BAD), the certificate chain
 * included.  Every string is malloc'd and owned by *obs (free with
 * observed_free); allocation failures leave fields NULL.
 */
void inspect_conn(const struct pq_api *api, PGconn *conn, struct pgs_observed *obs);
void observed_free(struct pgs_observed *obs);

#endif
