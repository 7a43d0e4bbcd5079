/*
 * test_storefifo.c
 *	  The audit's trust store for sslrootcert "system" when SSL_CERT_FILE
 *	  (which OpenSSL's default paths read) names a FIFO: opening it for
 *	  reading would block until a writer comes, with the store cache's lock
 *	  held.  The store must be refused as unreadable at once; an alarm
 *	  kills the test (a failure) if it hangs.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit_openssl.h"
#include "reasons.h"
#include "store.h"

#include "check.h"

int
main(void)
{
	char dir[] = "/tmp/pgtls-shim-storefifo-XXXXXX";
	char fifo[64];
	const struct audit_openssl *t = audit_openssl_get();
	const char *why = NULL;
	void *store;

	CHECK(t != NULL);
	if (t == NULL || mkdtemp(dir) == NULL)
		return check_summary();
	snprintf(fifo, sizeof(fifo), "%s/certs.pem", dir);
	CHECK(mkfifo(fifo, 0644) == 0);
	setenv("SSL_CERT_FILE", fifo, 1);
	alarm(20);
	store = store_get(t, "system", NULL, NULL, &why);
	alarm(0);
	CHECK(store == NULL);
	CHECK(why != NULL && strcmp(why, R_BUNDLE_BAD) == 0);
	if (store != NULL)
		t->X509_STORE_free(store);
	/* A missing SSL_CERT_FILE is skipped by OpenSSL: the store is built. */
	unlink(fifo);
	store = store_get(t, "system", NULL, NULL, &why);
	CHECK(store != NULL);
	if (store != NULL)
		t->X509_STORE_free(store);
	rmdir(dir);
	return check_summary();
}
