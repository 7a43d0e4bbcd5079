/*
 * version.c
 *	  `pgtls-shim --version`: this command's version, then what an operator
 *	  needs to know it is the right build for this host: the library `exec`
 *	  would preload, and the libpq and OpenSSL this command found (the ones
 *	  `check` and `explain` judge with).
 */
#include <dlfcn.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>

#include "cli.h"
#include "libpq-fe.h"

#ifndef PGS_VERSION
#define PGS_VERSION "unknown"
#endif

/* The file that holds the code at ADDR, or "?" when the loader cannot say. */
static const char *
object_of(const void *addr)
{
	Dl_info info;

	if (dladdr(addr, &info) == 0 || info.dli_fname == NULL)
		return "?";
	return info.dli_fname;
}

int
cli_version(void)
{
	char lib[PATH_MAX];
	int v = PQlibVersion(); /* 150018 for 15.18; 90624 for 9.6.24 */

	printf("pgtls-shim %s\n", PGS_VERSION);
	if (cli_find_library(lib))
		printf("library: %s (what exec preloads)\n", lib);
	else
		printf("library: not found beside this command (exec would fail)\n");
	printf("libpq: %d.%d (%s)\n", v / 10000, v >= 100000 ? v % 10000 : v / 100 % 100,
		   object_of((const void *) PQlibVersion));
	printf("OpenSSL: %s (%s)\n", OpenSSL_version(OPENSSL_VERSION),
		   object_of((const void *) OpenSSL_version));
	return fflush(stdout) == 0 ? 0 : 1;
}
