/*
 * pqclient.c
 *	  A test client that connects through one chosen libpq entry point and
 *	  prints the outcome as one JSON line (status, error, ssl, a query).  Run
 *	  under LD_PRELOAD by the integration tests; it knows nothing of the shim.
 *
 *	  pqclient MODE CONNINFO
 *	  MODE: connectdb params expand setdb start startparams reset resetstart
 *	        ping pingparams lines (one connectdb per line read on stdin)
 *	        each (one connectdb per stdin line, to the conninfo on that line;
 *	        CONNINFO is ignored), stdin (all of stdin is the conninfo),
 *	        stdinparams (stdin lines KEYWORD=VALUE are the arrays),
 *	        null-connectdb null-start null-params null-startparams
 *	        null-values null-setdb null-ping null-pingparams null-finish
 *	        (NULL arguments), setdbpw (PQsetdbLogin with login and password
 *	        from $PQCLIENT_LOGIN and $PQCLIENT_PWD)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqcommon.h"

int
main(int argc, char **argv)
{
	const char *mode;
	const char *ci;
	const char **kw = NULL;
	const char **val = NULL;
	PGconn *conn = NULL;
	int rc;

	pqc_set_locale();

	if (argc != 3)
	{
		fprintf(stderr, "usage: pqclient MODE CONNINFO\n");
		return 2;
	}
	mode = argv[1];
	ci = argv[2];
	if (strcmp(mode, "ping") == 0 || strcmp(mode, "pingparams") == 0)
	{
		PGPing p;

		if (strcmp(mode, "ping") == 0)
			p = PQping(ci);
		else
		{
			if (pqc_to_arrays(ci, &kw, &val) < 0)
				return 2;
			p = PQpingParams(kw, val, 0);
		}
		printf("{\"ping\":%d}\n", (int) p);
		return p == PQPING_OK ? 0 : 1;
	}
	if (strcmp(mode, "each") == 0)
	{
		/* One connection per stdin line, to the conninfo on that line. */
		char line[4096];

		rc = 0;
		setvbuf(stdout, NULL, _IOLBF, 0);
		while (fgets(line, sizeof(line), stdin))
		{
			line[strcspn(line, "\n")] = '\0';
			conn = PQconnectdb(line);
			rc |= pqc_report(conn, true);
			PQfinish(conn);
		}
		return rc;
	}
	if (strcmp(mode, "stdin") == 0 || strcmp(mode, "stdinparams") == 0)
	{
		/*
		 * stdin: all of stdin is one conninfo (beyond argv's size limit).
		 * stdinparams: each stdin line is KEYWORD=VALUE, for the arrays.
		 */
		static char buf[16 << 20];
		size_t len = fread(buf, 1, sizeof(buf) - 1, stdin);
		size_t n = 0;

		buf[len] = '\0';
		if (strcmp(mode, "stdin") == 0)
			conn = PQconnectdb(buf);
		else
		{
			kw = calloc(len / 2 + 2, sizeof(char *));
			val = calloc(len / 2 + 2, sizeof(char *));
			for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
			{
				char *eq = strchr(line, '=');

				if (eq == NULL)
					continue;
				*eq = '\0';
				kw[n] = line;
				val[n++] = eq + 1;
			}
			conn = PQconnectdbParams(kw, val, 0);
		}
		rc = pqc_report(conn, true);
		PQfinish(conn);
		return rc;
	}
	if (strncmp(mode, "null-", 5) == 0)
	{
		/* libpq's entry points with NULL arguments, as careless apps call them. */
		if (strcmp(mode, "null-connectdb") == 0)
			conn = PQconnectdb(NULL);
		else if (strcmp(mode, "null-start") == 0)
			conn = PQconnectStart(NULL);
		else if (strcmp(mode, "null-params") == 0)
			conn = PQconnectdbParams(NULL, NULL, 0);
		else if (strcmp(mode, "null-startparams") == 0)
			conn = PQconnectStartParams(NULL, NULL, 1);
		else if (strcmp(mode, "null-values") == 0)
		{
			const char *k[] = {"host", "sslmode", "dbname", NULL};
			const char *v[] = {NULL, NULL, NULL, NULL};

			conn = PQconnectdbParams(k, v, 1);
		}
		else if (strcmp(mode, "null-setdb") == 0)
			conn = PQsetdbLogin(NULL, NULL, NULL, NULL, NULL, NULL, NULL);
		else if (strcmp(mode, "null-ping") == 0)
		{
			printf("{\"ping\":%d}\n", (int) PQping(NULL));
			return 0;
		}
		else if (strcmp(mode, "null-pingparams") == 0)
		{
			printf("{\"ping\":%d}\n", (int) PQpingParams(NULL, NULL, 0));
			return 0;
		}
		else if (strcmp(mode, "null-finish") == 0)
		{
			PQfinish(NULL);
			PQreset(NULL);
			printf("{\"resetstart\":%d,\"poll\":%d}\n", PQresetStart(NULL),
				   (int) PQconnectPoll(NULL));
			return 0;
		}
		rc = pqc_report(conn, true);
		PQfinish(conn);
		return rc;
	}
	if (strcmp(mode, "lines") == 0)
	{
		char line[256];

		rc = 0;
		while (fgets(line, sizeof(line), stdin))
		{
			conn = PQconnectdb(ci);
			rc |= pqc_report(conn, true);
			PQfinish(conn);
		}
		return rc;
	}
	if (strcmp(mode, "connectdb") == 0 || strcmp(mode, "reset") == 0 ||
		strcmp(mode, "resetstart") == 0)
		conn = PQconnectdb(ci);
	else if (strcmp(mode, "params") == 0)
	{
		if (pqc_to_arrays(ci, &kw, &val) < 0)
			return 2;
		conn = PQconnectdbParams(kw, val, 0);
	}
	else if (strcmp(mode, "expand") == 0)
	{
		const char *k[] = {"dbname", NULL};
		const char *v[] = {ci, NULL};

		conn = PQconnectdbParams(k, v, 1);
	}
	else if (strcmp(mode, "setdb") == 0)
		conn = PQsetdbLogin(NULL, NULL, NULL, NULL, ci, NULL, NULL);
	else if (strcmp(mode, "setdbpw") == 0)
		conn = PQsetdbLogin(NULL, NULL, NULL, NULL, ci, getenv("PQCLIENT_LOGIN"),
							getenv("PQCLIENT_PWD"));
	else if (strcmp(mode, "start") == 0)
	{
		conn = PQconnectStart(ci);
		if (conn && PQstatus(conn) != CONNECTION_BAD)
			pqc_drive(conn, PQconnectPoll);
	}
	else if (strcmp(mode, "startparams") == 0)
	{
		if (pqc_to_arrays(ci, &kw, &val) < 0)
			return 2;
		conn = PQconnectStartParams(kw, val, 0);
		if (conn && PQstatus(conn) != CONNECTION_BAD)
			pqc_drive(conn, PQconnectPoll);
	}
	else
	{
		fprintf(stderr, "pqclient: unknown mode %s\n", mode);
		return 2;
	}
	if (strcmp(mode, "reset") == 0 && conn)
	{
		pqc_report(conn, true);
		PQreset(conn);
	}
	else if (strcmp(mode, "resetstart") == 0 && conn)
	{
		pqc_report(conn, true);
		if (PQresetStart(conn))
			pqc_drive(conn, PQresetPoll);
	}
	rc = pqc_report(conn, true);
	PQfinish(conn);
	return rc;
}
