/*
 * inspect.c
 *	  Reads what a finished connection attempt negotiated: the final host,
 *	  the transport, TLS protocol and cipher (PQsslAttribute) and the chain
 *	  the server sent (SSL_get_peer_cert_chain on PQsslStruct's SSL *).  All
 *	  OpenSSL calls go through api->ossl, the OpenSSL libpq itself loaded;
 *	  OpenSSL headers are included for constants only.
 */
#include "inspect.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "certcache.h"

static char *
dup_or_null(const char *s)
{
	return (s && s[0]) ? strdup(s) : NULL;
}

char *
one_line(const char *msg)
{
	char *out;
	size_t o = 0;
	bool space = false;

	if (msg == NULL)
		return NULL;
	out = malloc(strlen(msg) + 1);
	if (out == NULL)
		return NULL;
	for (const char *p = msg; *p; p++)
	{
		if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ')
		{
			space = o > 0;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = false;
		out[o++] = *p;
	}
	out[o] = '\0';
	return out;
}

/* Formats an ASN1_TIME as RFC 3339 UTC into BUF; false when unreadable. */
static bool
fmt_time(const struct ossl_api *o, const void *t, char *buf, size_t len, time_t *epoch)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || o->ASN1_TIME_to_tm(t, &tm) != 1)
		return false;
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (epoch)
		*epoch = timegm(&tm);
	return true;
}

/* RFC 2253 text of an X509_NAME, malloc'd; NULL on failure. */
static char *
name_text(const struct ossl_api *o, const void *name)
{
	void *bio;
	char *data = NULL;
	char *out = NULL;
	long n;

	if (name == NULL || (bio = o->BIO_new(o->BIO_s_mem())) == NULL)
		return NULL;
	if (o->X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)
	{
		n = o->BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data);
		if (n >= 0 && data != NULL && (out = malloc((size_t) n + 1)) != NULL)
		{
			memcpy(out, data, (size_t) n);
			out[n] = '\0';
		}
	}
	o->BIO_free(bio);
	return out;
}

static char *
serial_hex(const struct ossl_api *o, void *x)
{
	void *bn = o->ASN1_INTEGER_to_BN(o->X509_get_serialNumber(x), NULL);
	char *hex;
	char *out;

	if (bn == NULL)
		return NULL;
	hex = o->BN_bn2hex(bn);
	out = hex ? strdup(hex) : NULL;
	if (hex)
		o->CRYPTO_free(hex, __FILE__, __LINE__);
	o->BN_free(bn);
	return out;
}

static void
key_text(const struct ossl_api *o, void *x, char *buf, size_t len)
{
	const void *pk = o->X509_get0_pubkey(x);
	const char *alg;

	if (pk == NULL)
	{
		snprintf(buf, len, "unknown");
		return;
	}
	switch (o->EVP_PKEY_get_base_id(pk))
	{
		case EVP_PKEY_RSA:
			alg = "RSA";
			break;
		case EVP_PKEY_RSA_PSS:
			alg = "RSA-PSS";
			break;
		case EVP_PKEY_EC:
			alg = "EC";
			break;
		case EVP_PKEY_ED25519:
			alg = "ED25519";
			break;
		case EVP_PKEY_ED448:
			alg = "ED448";
			break;
		case EVP_PKEY_DSA:
			alg = "DSA";
			break;
		default:
			alg = "unknown";
			break;
	}
	snprintf(buf, len, "%s %d", alg, o->EVP_PKEY_get_bits(pk));
}

/* Lower-case hex of LEN bytes of MD into OUT (2 * LEN + 1 bytes). */
static void
hex(const unsigned char *md, unsigned int len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++)
	{
		*out++ = digits[md[i] >> 4];
		*out++ = digits[md[i] & 15];
	}
	*out = '\0';
}

/* The DER of X into C->der (malloc'd); left NULL on failure. */
static void
read_der(const struct ossl_api *o, void *x, struct pgs_cert *c)
{
	unsigned char *der = NULL;
	unsigned char *p;
	int n = o->i2d_X509(x, NULL);

	if (n <= 0 || (der = malloc((size_t) n)) == NULL)
		return;
	p = der;
	if (o->i2d_X509(x, &p) != n)
	{
		free(der);
		return;
	}
	c->der = der;
	c->der_len = n;
}

/* Describes certificate X into *C, from the cache when it was seen before. */
static void
read_cert(const struct ossl_api *o, void *x, struct pgs_cert *c)
{
	unsigned char md[64];
	unsigned int mdlen = 0;

	read_der(o, x, c);
	if (certcache_get(c))
		return;
	c->subject = name_text(o, o->X509_get_subject_name(x));
	c->issuer = name_text(o, o->X509_get_issuer_name(x));
	c->serial = serial_hex(o, x);
	fmt_time(o, o->X509_get0_notBefore(x), c->not_before, sizeof(c->not_before), NULL);
	fmt_time(o, o->X509_get0_notAfter(x), c->not_after, sizeof(c->not_after), &c->not_after_t);
	if (o->X509_digest(x, o->EVP_sha256(), md, &mdlen) == 1 && mdlen == 32)
		hex(md, mdlen, c->sha256);
	key_text(o, x, c->key, sizeof(c->key));
	if (c->subject && c->issuer && c->serial && c->sha256[0])
		certcache_put(c); /* only complete descriptions */
}

void
inspect_ssl_chain(const struct ossl_api *o, void *ssl, struct pgs_observed *obs)
{
	void *sk;
	int n;

	sk = o->SSL_get_peer_cert_chain(ssl);
	if (sk == NULL)
		return;
	n = o->OPENSSL_sk_num(sk);
	for (int i = 0; i < n && i < PGS_MAX_CHAIN; i++)
	{
		void *x = o->OPENSSL_sk_value(sk, i);

		if (x == NULL)
			break;
		read_cert(o, x, &obs->chain[obs->nchain++]);
	}
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

	if (api->ossl != NULL && (ssl = api->sslStruct(conn, "OpenSSL")) != NULL)
		inspect_ssl_chain(api->ossl, ssl, obs);
}

/*
 * The client end of CONN's TCP socket into obs->local_addr/local_port, for
 * joining with the server's log; left empty when there is no socket or it is
 * not TCP.  getsockname does not block; errno is left as it was.
 */
static void
read_local_end(const struct pq_api *api, PGconn *conn, struct pgs_observed *obs)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const void *addr = NULL;
	int saved = errno;
	int fd = api->socket(conn);

	memset(&ss, 0, sizeof(ss));
	if (fd >= 0 && getsockname(fd, (struct sockaddr *) &ss, &len) == 0)
	{
		if (ss.ss_family == AF_INET)
		{
			const struct sockaddr_in *in = (const struct sockaddr_in *) &ss;

			addr = &in->sin_addr;
			obs->local_port = ntohs(in->sin_port);
		}
		else if (ss.ss_family == AF_INET6)
		{
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) &ss;

			addr = &in6->sin6_addr;
			obs->local_port = ntohs(in6->sin6_port);
		}
	}
	if (addr == NULL ||
		inet_ntop(ss.ss_family, addr, obs->local_addr, sizeof(obs->local_addr)) == NULL)
	{
		obs->local_addr[0] = '\0';
		obs->local_port = 0;
	}
	errno = saved;
}

void
inspect_conn(const struct pq_api *api, PGconn *conn, bool want_chain, struct pgs_observed *obs)
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
	obs->unix_socket = obs->host != NULL && obs->host[0] == '/' && obs->hostaddr == NULL;
	if (!obs->ok)
		return;
	read_local_end(api, conn, obs);
	obs->gssenc = api->gssEncInUse != NULL && api->gssEncInUse(conn) == 1;
	obs->tls = api->sslInUse(conn) == 1;
	if (!obs->tls)
		return;
	obs->protocol = dup_or_null(api->sslAttribute(conn, "protocol"));
	obs->cipher = dup_or_null(api->sslAttribute(conn, "cipher"));
	obs->key_bits = key_bits(api, conn);
	v = api->sslAttribute(conn, "compression");
	obs->compression = v != NULL && strcmp(v, "on") == 0;
	if (want_chain)
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
	for (int i = 0; i < obs->nchain; i++)
		cert_free(&obs->chain[i]);
	memset(obs, 0, sizeof(*obs));
}
