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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "chain.h"
#include "clock.h"
#include "audit_openssl.h"
#include "reasons.h"

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
handshake(const struct audit_openssl *t, int fd, const char *host, int64_t deadline,
		  struct pgs_observed *obs)
{
	void *ctx = t->SSL_CTX_new(t->TLS_client_method());
	void *ssl = ctx ? t->SSL_new(ctx) : NULL;
	bool ok = false;

	if (ssl && t->SSL_set_fd(ssl, fd) == 1)
	{
		if (host && host[0] && host[0] != '/')
			t->SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
						(void *) host);
		for (;;)
		{
			int r = t->SSL_connect(ssl);
			int e = r == 1 ? 0 : t->SSL_get_error(ssl, r);

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
		obs->protocol = strdup(t->SSL_get_version(ssl));
		obs->nchain = chain_read(&t->chain, ssl, obs->chain, PGS_MAX_CHAIN);
	}
	else
		obs->error = strdup(errno == ETIMEDOUT ? "TLS handshake timed out" : R_HANDSHAKE);
	t->ERR_clear_error();
	if (ssl)
		t->SSL_free(ssl);
	if (ctx)
		t->SSL_CTX_free(ctx);
	return ok;
}

void
probe_server(const char *host, const char *addr, const char *port, int timeout_ms,
			 struct pgs_observed *obs)
{
	int64_t deadline = (clock_mono_us() / 1000) + timeout_ms;
	const struct audit_openssl *t;
	int saved = errno;
	int fd;
	char answer;

	memset(obs, 0, sizeof(*obs));
	obs->security_level = -1; /* the probe's SSL is not libpq's */
	if ((t = audit_openssl_get()) == NULL)
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
		handshake(t, fd, host, deadline, obs);
	else if (answer == 'N')
		obs->error = strdup(R_NO_TLS_SERVER);
	else
		obs->error = strdup(errno == ETIMEDOUT ? "no answer to SSLRequest (timed out)"
											   : "no answer to SSLRequest");
	close(fd);
	errno = saved;
}
