/*
 * pqcommon.c
 *	  The helpers every test client shares (see pqcommon.h): locale, the
 *	  JSON outcome line, the asynchronous drive loop, conninfo to arrays.
 */
#include "pqcommon.h"

#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

void
pqc_set_locale(void)
{
	setlocale(LC_ALL, "");
}

void
pqc_json_string(const char *s)
{
	putchar('"');
	for (; s && *s; s++)
	{
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char) *s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

int
pqc_report(PGconn *conn, bool query)
{
	bool connected = conn && PQstatus(conn) == CONNECTION_OK;
	int rc = connected ? 0 : 1;

	printf("{\"status\":\"%s\",\"error\":", conn == NULL ? "null" : connected ? "ok" : "bad");
	pqc_json_string(conn ? PQerrorMessage(conn) : "");
	printf(",\"ssl\":%s", conn && PQsslInUse(conn) ? "true" : "false");
	if (connected && query)
	{
		PGresult *res = PQexec(conn, "SELECT 41 + 1");
		bool ran = PQresultStatus(res) == PGRES_TUPLES_OK;

		printf(",\"query\":");
		pqc_json_string(ran ? PQgetvalue(res, 0, 0) : PQerrorMessage(conn));
		rc = ran ? 0 : 1;
		PQclear(res);
	}
	printf("}\n");
	fflush(stdout);
	return rc;
}

void
pqc_drive(PGconn *conn, PostgresPollingStatusType (*pollfn)(PGconn *))
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED)
	{
		struct pollfd pfd = {.fd = PQsocket(conn)};

		if (pfd.fd < 0)
			break;
		pfd.events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		if (poll(&pfd, 1, 30000) <= 0)
			break;
		st = pollfn(conn);
	}
}

int
pqc_to_arrays(const char *conninfo, const char ***kw, const char ***val)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	int n = 0;

	if (opts == NULL)
		return -1;
	*kw = calloc(64, sizeof(char *));
	*val = calloc(64, sizeof(char *));
	if (*kw == NULL || *val == NULL)
		return -1;
	for (PQconninfoOption *o = opts; o->keyword && n < 63; o++)
	{
		if (o->val)
		{
			(*kw)[n] = o->keyword;
			(*val)[n] = o->val;
			n++;
		}
	}
	return n;
}
