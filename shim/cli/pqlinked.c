/*
 * pqlinked.c
 *	  The pq_api table of the libpq that the command links directly (the
 *	  preloaded library resolves its tables with dlsym instead).
 */
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

const struct pq_api *
cli_pq_api(void)
{
	static struct pq_api api;
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
		.version = PQlibVersion(),
	};
	if (!pq_api_probe_caps(&api))
		return NULL;
	ready = true;
	return &api;
}
