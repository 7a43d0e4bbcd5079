/*
 * inspect.c
 *	  Reads what a finished connection attempt negotiated: the final host,
 *	  the transport, TLS protocol and cipher (PQsslAttribute) and the chain
 *	  the server sent (SSL_get_peer_cert_chain on PQsslStruct's SSL *).  All
 *	  OpenSSL calls go through api->ossl, the OpenSSL libpq itself loaded;
 *	  OpenSSL headers are included for constants only.  The client end of
 *	  the socket (getsockname) gives the transport libpq really used and the
 *	  address and port the server logs for this session.
 */
#include "inspect.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "chain.h"
#include "facts.h"
#include "text.h"

static char *
dup_or_null(const char *s)
{
	return (s && s[0]) ? strdup(s) : NULL;
}

/*
 * The cipher's key bits, from the SSL * itself: PQsslAttribute(conn,
 * "key_bits") formats into a static buffer in libpq, a data race when two
 * threads ask at once (found by ThreadSanitizer in test_concurrency).
 */
static int
key_bits(const struct pq_api *api, PGconn *conn)
{
	void *ssl;
	const void *cipher;

	if (api->ossl == NULL || (ssl = api->sslStruct(conn, "OpenSSL")) == NULL ||
		(cipher = api->ossl->SSL_get_current_cipher(ssl)) == NULL)
		return 0;
	return api->ossl->SSL_CIPHER_get_bits(cipher, NULL);
}

static void
read_chain(const struct pq_api *api, PGconn *conn, struct pgs_observed *obs)
{
	void *ssl;

	obs->security_level = -1;
	if (api->ossl == NULL || (ssl = api->sslStruct(conn, "OpenSSL")) == NULL)
		return;
	obs->nchain = chain_read(api->ossl, ssl, obs->chain, PGS_MAX_CHAIN);
	if (chain_objects(api->ossl, ssl, obs->x509, PGS_MAX_CHAIN) == obs->nchain)
		obs->x509_ossl = api->ossl;
	obs->security_level = api->ossl->SSL_get_security_level(ssl);
}

/*
 * The client end of CONN's socket: its address and port for TCP; for a Unix
 * socket, the transport itself (what libpq really used, whatever the host
 * string looks like).  Nothing when libpq holds no socket.
 */
static void
local_end(const struct pq_api *api, PGconn *conn, struct pgs_observed *obs)
{
	struct sockaddr_storage ss = {0};
	socklen_t len = sizeof(ss);
	char addr[INET6_ADDRSTRLEN];
	int fd = api->socket(conn);
	const void *a;

	if (fd < 0 || getsockname(fd, (struct sockaddr *) &ss, &len) != 0)
		return;
	obs->unix_socket = ss.ss_family == AF_UNIX;
	if (obs->unix_socket)
		return;
	if (ss.ss_family == AF_INET)
	{
		a = &((const struct sockaddr_in *) &ss)->sin_addr;
		obs->local_port = ntohs(((const struct sockaddr_in *) &ss)->sin_port);
	}
	else if (ss.ss_family == AF_INET6)
	{
		a = &((const struct sockaddr_in6 *) &ss)->sin6_addr;
		obs->local_port = ntohs(((const struct sockaddr_in6 *) &ss)->sin6_port);
	}
	else
		return;
	if (inet_ntop(ss.ss_family, a, addr, sizeof(addr)) != NULL)
		obs->local_addr = strdup(addr);
}

/* Did libpq's SSL object check the server's chain (SSL_VERIFY_PEER)? */
static bool
peer_verified(const struct pq_api *api, PGconn *conn)
{
	void *ssl;

	return api->ossl != NULL && (ssl = api->sslStruct(conn, "OpenSSL")) != NULL &&
		   (api->ossl->SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) != 0;
}

void
inspect_conn(const struct pq_api *api, PGconn *conn, struct pgs_observed *obs)
{
	const char *v;

	memset(obs, 0, sizeof(*obs));
	obs->ok = api->status(conn) == CONNECTION_OK;
	if (!obs->ok)
		obs->error = one_line(api->errorMessage(conn));
	obs->host = dup_or_null(api->host(conn));
	obs->hostaddr = api->hostaddr ? dup_or_null(api->hostaddr(conn)) : NULL;
	obs->port = dup_or_null(api->port(conn));
	obs->dbname = dup_or_null(api->db(conn));
	obs->user = dup_or_null(api->user(conn));
	obs->unix_socket = pgs_is_unix_socket(obs->host, obs->hostaddr);
	if (!obs->ok)
		return;
	local_end(api, conn, obs);
	obs->gssenc = api->gssEncInUse != NULL && api->gssEncInUse(conn) == 1;
	obs->tls = api->sslInUse(conn) == 1;
	if (!obs->tls)
		return;
	obs->protocol = dup_or_null(api->sslAttribute(conn, "protocol"));
	obs->cipher = dup_or_null(api->sslAttribute(conn, "cipher"));
	obs->key_bits = key_bits(api, conn);
	v = api->sslAttribute(conn, "compression");
	obs->compression = v != NULL && strcmp(v, "on") == 0;
	obs->peer_verified = peer_verified(api, conn);
	read_chain(api, conn, obs);
}

void
observed_free(struct pgs_observed *obs)
{
	free(obs->error);
	free(obs->host);
	free(obs->hostaddr);
	free(obs->port);
	free(obs->dbname);
	free(obs->user);
	free(obs->protocol);
	free(obs->cipher);
	free(obs->local_addr);
	for (int i = 0; i < obs->nchain; i++)
		cert_free(&obs->chain[i]);
	memset(obs, 0, sizeof(*obs));
}
