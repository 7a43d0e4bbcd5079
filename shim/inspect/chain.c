/*
 * chain.c
 *	  Describes the certificates a server sent, from an SSL * of a given
 *	  OpenSSL (libpq's, or the audit probe's): subject, issuer, serial,
 *	  validity, fingerprint, key, and the DER for later checks.  Every
 *	  OpenSSL call goes through the table of that OpenSSL; its headers are
 *	  included for constants only.
 */
#include "chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "certcache.h"
#include "text.h"
#include "utcdate.h"

/* Formats an ASN1_TIME as RFC 3339 UTC into BUF; false when unreadable. */
static bool
fmt_time(const struct libpq_openssl *o, const void *t, char *buf, size_t len, time_t *epoch)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || o->ASN1_TIME_to_tm(t, &tm) != 1)
		return false;
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (epoch) /* not timegm: see utcdate.h */
		*epoch = (time_t) utc_seconds_of(&(struct utc_date){
			tm.tm_year + 1900LL, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec});
	return true;
}

/* RFC 2253 text of an X509_NAME, malloc'd; NULL on failure. */
static char *
name_text(const struct libpq_openssl *o, const void *name)
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
serial_hex(const struct libpq_openssl *o, void *x)
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
key_text(const struct libpq_openssl *o, void *x, char *buf, size_t len)
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

/* The DER of X into C->der (malloc'd); left NULL on failure. */
static void
read_der(const struct libpq_openssl *o, void *x, struct pgs_cert *c)
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
read_cert(const struct libpq_openssl *o, void *x, struct pgs_cert *c)
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
		hex_lower(md, mdlen, c->sha256);
	key_text(o, x, c->key, sizeof(c->key));
	if (c->subject && c->issuer && c->serial && c->sha256[0])
		certcache_put(c); /* only complete descriptions */
}

int
chain_read(const struct libpq_openssl *o, void *ssl, struct pgs_cert *out, int max)
{
	void *sk = o->SSL_get_peer_cert_chain(ssl);
	int n = sk ? o->OPENSSL_sk_num(sk) : 0;
	int got = 0;

	for (int i = 0; i < n && got < max; i++)
	{
		void *x = o->OPENSSL_sk_value(sk, i);

		if (x == NULL)
			break;
		read_cert(o, x, &out[got++]);
	}
	return got;
}

int
chain_objects(const struct libpq_openssl *o, void *ssl, void **out, int max)
{
	void *sk = o->SSL_get_peer_cert_chain(ssl);
	int n = sk ? o->OPENSSL_sk_num(sk) : 0;
	int got = 0;

	for (int i = 0; i < n && got < max && (out[got] = o->OPENSSL_sk_value(sk, i)) != NULL; i++)
		got++;
	return got;
}
