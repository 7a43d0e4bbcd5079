/*
 * pqreset.c
 *	  A long-lived test client: connects once, then resets its connection
 *	  each time a command arrives on stdin, the way a service reconnects
 *	  after a failover.  It knows nothing of the shim.  After the connect and
 *	  after each reset it prints one JSON line {"status", "error", "ssl"}.
 *
 *	  pqreset CONNINFO; stdin: "reset" or "resetstart" lines, EOF to finish.
 */
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

static void
report(PGconn *conn)
{
	const char *err = PQstatus(conn) == CONNECTION_OK ? "" : PQerrorMessage(conn);

	printf("{\"status\":\"%s\",\"ssl\":%s,\"error\":\"",
		   PQstatus(conn) == CONNECTION_OK ? "ok" : "bad", PQsslInUse(conn) ? "true" : "false");
	for (; err && *err; err++)
	{
		if (*err == '"' || *err == '\\')
			printf("\\%c", *err);
		else if ((unsigned char) *err < 0x20)
			printf("\\u%04x", *err);
		else
			putchar(*err);
	}
	printf("\"}\n");
	fflush(stdout);
}

static void
reset_async(PGconn *conn)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	if (!PQresetStart(conn))
		return;
	while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED)
	{
		struct pollfd pfd = {.fd = PQsocket(conn)};

		if (pfd.fd < 0)
			break;
		pfd.events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		if (poll(&pfd, 1, 30000) <= 0)
			break;
		st = PQresetPoll(conn);
	}
}

int
main(int argc, char **argv)
{
	char line[64];
	PGconn *conn;

	/* As psql does: under LC_ALL=de_DE.UTF-8 libpq speaks German (the suite's
	 * German run, scripts/test-releases.sh), and the shim must not care. */
	setlocale(LC_ALL, "");

	if (argc != 2)
		return 2;
	conn = PQconnectdb(argv[1]);
	report(conn);
	while (fgets(line, sizeof(line), stdin) != NULL)
	{
		if (strncmp(line, "resetstart", 10) == 0)
			reset_async(conn);
		else
			PQreset(conn);
		report(conn);
	}
	PQfinish(conn);
	return 0;
}
