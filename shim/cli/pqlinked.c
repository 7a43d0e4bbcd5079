/*
 * pqlinked.c
 *	  The pq_api table of the libpq that the command links directly (the
 *	  preloaded library resolves its tables with dlsym instead).
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

const struct pq_api *
cli_pq_api(void)
{
	static struct pq_api api;
	static struct libpq_openssl ossl;
	static bool ready;

	if (ready)
		return &api;
	api = (struct pq_api){
		.connectdb = PQconnectdb,
		.connectdbParams = PQconnectdbParams,
		.setdbLogin = PQsetdbLogin,
		.connectStart = PQconnectStart,
		.connectStartParams = PQconnectStartParams,
		.connectPoll = PQconnectPoll,
		.reset = PQreset,
		.resetStart = PQresetStart,
		.resetPoll = PQresetPoll,
		.ping = PQping,
		.pingParams = PQpingParams,
		.finish = PQfinish,
		.status = PQstatus,
		.errorMessage = PQerrorMessage,
		.conninfoParse = PQconninfoParse,
		.conninfo = PQconninfo,
		.conndefaults = PQconndefaults,
		.conninfoFree = PQconninfoFree,
		.freemem = PQfreemem,
		.socket = PQsocket,
		.consumeInput = PQconsumeInput,
		.host = PQhost,
		.port = PQport,
		.db = PQdb,
		.user = PQuser,
		.sslInUse = PQsslInUse,
		.sslAttribute = PQsslAttribute,
		.sslStruct = PQsslStruct,
		.libVersion = PQlibVersion,
		.hostaddr = PQhostaddr,
		.gssEncInUse = PQgssEncInUse,
	};
	/* libpq's OpenSSL, linked with it: found in the global scope. */
	api.ossl = libpq_openssl_load(RTLD_DEFAULT, &ossl, NULL) ? &ossl : NULL;
	if (!pq_api_read_caps(&api, api.ossl))
		return NULL;
	ready = true;
	return &api;
}
