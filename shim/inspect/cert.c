/*
 * cert.c
 *	  The certificate description's storage.
 */
#include "cert.h"

#include <stdlib.h>
#include <string.h>

void
cert_free(struct pgs_cert *c)
{
	free(c->subject);
	free(c->issuer);
	free(c->serial);
	free(c->der);
	memset(c, 0, sizeof(*c));
}
