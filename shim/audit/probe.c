/*
 * probe.c
 *	  One short, bounded TLS handshake with a PostgreSQL server: connect,
 *	  SSLRequest, 'S', handshake with SNI, read the chain, close.  The server
 *	  sees a client that went away after the handshake.  Everything runs on a
 *	  non-blocking socket against one deadline.
 */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "chain.h"
#include "clock.h"
#include "dlload.h"
#include "reasons.h"

struct tls_api
{
	const void *(*TLS_client_method)(void);
	void *(*SSL_CTX_new)(const void *method);
	void (*SSL_CTX_free)(void *ctx);
	void *(*SSL_new)(void *ctx);
	void (*SSL_free)(void *ssl);
	int (*SSL_set_fd)(void *ssl, int fd);
	long (*SSL_ctrl)(void *ssl, int cmd, long larg, void *parg);
	int (*SSL_connect)(void *ssl);
	int (*SSL_get_error)(const void *ssl, int ret);
	const char *(*SSL_get_version)(const void *ssl);
	void (*ERR_clear_error)(void);
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct tls_api T;
static struct ossl_api O;
static bool tls_ok;

static const struct dl_sym tls_syms[] = {
	DL_SYM(struct tls_api, TLS_client_method), DL_SYM(struct tls_api, SSL_CTX_new),
	DL_SYM(struct tls_api, SSL_CTX_free),	   DL_SYM(struct tls_api, SSL_new),
	DL_SYM(struct tls_api, SSL_free),		   DL_SYM(struct tls_api, SSL_set_fd),
	DL_SYM(struct tls_api, SSL_ctrl),		   DL_SYM(struct tls_api, SSL_connect),
	DL_SYM(struct tls_api, SSL_get_error),	   DL_SYM(struct tls_api, SSL_get_version),
	DL_SYM(struct tls_api, ERR_clear_error),
};

static void
load(void)
{
	static const char *const names[] = {"libssl.so.3", "libssl.so.1.1"};
	void *h = dl_open_first(names, 2, NULL);

	tls_ok = h != NULL && ossl_load(h, &O, NULL) &&
			 dl_fill(h, tls_syms, sizeof(tls_syms) / sizeof(tls_syms[0]), &T, sizeof(T), NULL);
}

/* Waits for EVENTS on FD until DEADLINE; false on timeout or error. */
static bool
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r;

	do
	{
		int64_t left = deadline - (clock_mono_us() / 1000);

		if (left <= 0)
		{
			errno = ETIMEDOUT;
			return false;
		}
		r = poll(&p, 1, (int) left);
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		errno = ETIMEDOUT;
	return r > 0;
}

/* A non-blocking TCP connection to ADDR:PORT before DEADLINE, or -1. */
static int
dial(const char *addr, const char *port, int64_t deadline)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	int fd = -1;

	if (getaddrinfo(addr, port, &hints, &res) != 0)
	{
		errno = EHOSTUNREACH;
		return -1;
	}
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
	{
		int err = 0;
		socklen_t len = sizeof(err);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
			(errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) &&
			 getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0))
			break;
		if (err)
			errno = err;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* SSLRequest, then the server's one-byte answer: 'S', 'N', or 0 on error. */
static char
ssl_request(int fd, int64_t deadline)
{
	static const unsigned char req[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
	char answer = 0;

	if (send(fd, req, sizeof(req), MSG_NOSIGNAL) != (ssize_t) sizeof(req) ||
		!wait_fd(fd, POLLIN, deadline) || recv(fd, &answer, 1, 0) != 1)
		return 0;
	return answer;
}

static bool
handshake(int fd, const char *host, int64_t deadline, struct pgs_observed *obs)
{
	void *ctx = T.SSL_CTX_new(T.TLS_client_method());
	void *ssl = ctx ? T.SSL_new(ctx) : NULL;
	bool ok = false;

	if (ssl && T.SSL_set_fd(ssl, fd) == 1)
	{
		if (host && host[0] && host[0] != '/')
			T.SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, (void *) host);
		for (;;)
		{
			int r = T.SSL_connect(ssl);
			int e = r == 1 ? 0 : T.SSL_get_error(ssl, r);

			if (r == 1)
			{
				ok = true;
				break;
			}
			if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
				!wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline))
				break;
		}
	}
	if (ok)
	{
		obs->tls = true;
		obs->protocol = strdup(T.SSL_get_version(ssl));
		obs->nchain = chain_read(&O, ssl, obs->chain, PGS_MAX_CHAIN);
	}
	else
		obs->error =
			strdup(errno == ETIMEDOUT ? "TLS handshake timed out" : "TLS handshake failed");
	T.ERR_clear_error();
	if (ssl)
		T.SSL_free(ssl);
	if (ctx)
		T.SSL_CTX_free(ctx);
	return ok;
}

void
probe_server(const char *host, const char *addr, const char *port, int timeout_ms,
			 struct pgs_observed *obs)
{
	int64_t deadline = (clock_mono_us() / 1000) + timeout_ms;
	int saved = errno;
	int fd;
	char answer;

	memset(obs, 0, sizeof(*obs));
	pthread_once(&once, load);
	if (!tls_ok)
	{
		obs->error = strdup("no libssl to probe with");
		return;
	}
	fd = dial(addr && addr[0] ? addr : host, port && port[0] ? port : "5432", deadline);
	if (fd < 0)
	{
		obs->error = strdup(errno == ETIMEDOUT ? "connection timed out" : "cannot connect");
		errno = saved;
		return;
	}
	answer = ssl_request(fd, deadline);
	if (answer == 'S')
		handshake(fd, host, deadline, obs);
	else if (answer == 'N')
		obs->error = strdup(R_NO_TLS_SERVER);
	else
		obs->error = strdup(errno == ETIMEDOUT ? "no answer to SSLRequest (timed out)"
											   : "no answer to SSLRequest");
	close(fd);
	errno = saved;
}
