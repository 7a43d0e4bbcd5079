/*
 * pqreset.c
 *	  A long-lived test client: connects once, then resets its connection
 *	  each time a command arrives on stdin, the way a service reconnects
 *	  after a failover.  It knows nothing of the shim.  After the connect and
 *	  after each reset it prints one JSON line {"status", "error", "ssl"}.
 *
 *	  pqreset CONNINFO; stdin: "reset" or "resetstart" lines, EOF to finish.
 */
#include <stdio.h>
#include <string.h>

#include "pqcommon.h"

int
main(int argc, char **argv)
{
	char line[64];
	PGconn *conn;

	pqc_set_locale();

	if (argc != 2)
		return 2;
	conn = PQconnectdb(argv[1]);
	(void) pqc_report(conn, false);
	while (fgets(line, sizeof(line), stdin) != NULL)
	{
		if (strncmp(line, "resetstart", 10) == 0)
		{
			if (PQresetStart(conn))
				pqc_drive(conn, PQresetPoll);
		}
		else
			PQreset(conn);
		(void) pqc_report(conn, false);
	}
	PQfinish(conn);
	return 0;
}
