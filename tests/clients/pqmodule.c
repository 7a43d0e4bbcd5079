/* A module linked to libpq, loaded by pqclient_dl with dlopen. */
#include <libpq-fe.h>
#include <stdio.h>

__attribute__((visibility("default"))) int pqmodule_run(const char *conninfo);

int
pqmodule_run(const char *conninfo)
{
	PGconn *conn = PQconnectdb(conninfo);
	int ok = PQstatus(conn) == CONNECTION_OK;

	printf("{\"status\":\"%s\",\"error\":\"%s\",\"ssl\":%s}\n", ok ? "ok" : "bad",
		   ok ? "" : "see-log", PQsslInUse(conn) ? "true" : "false");
	if (!ok)
		fprintf(stderr, "%s", PQerrorMessage(conn));
	PQfinish(conn);
	return ok ? 0 : 1;
}
