/*
 * cert.h
 *	  One certificate as the shim describes it in records and checks it in
 *	  the audit.
 */
#ifndef PGTLS_SHIM_CERT_H
#define PGTLS_SHIM_CERT_H

#include <time.h>

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

/* Frees the strings and DER of C and zeroes it. */
void cert_free(struct pgs_cert *c);

#endif
