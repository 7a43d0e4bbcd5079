/*
 * pqerrno.c
 *	  What errno an application sees after each libpq call the shim hooks.
 *	  Before every measured call errno is set to a sentinel; after it, one
 *	  line "CALL ERRNO DETAIL" is printed (DETAIL: the status or ping result,
 *	  for failure messages only).  The integration test runs it with and
 *	  without the shim and compares the ERRNO columns: libpq may change
 *	  errno, the shim must not change what the application sees.
 *
 *	  pqerrno CONNINFO [STEP...]
 *	  STEP: connectdb params setdb start startparams reset resetstart ping
 *	        pingparams; all of them in this order when none is given.  Each
 *	        connect step also measures PQerrorMessage and PQfinish on its
 *	        connection; reset and resetstart first connect with PQconnectdb
 *	        (not measured).  The first step is the first hooked libpq call of
 *	        the process (PQconninfoParse, for the arrays, is not hooked).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqcommon.h"

#define SENTINEL 4242

static const char *conninfo;
static const char **kw;
static const char **val;

static void
show(const char *call, const char *detail)
{
	int e = errno; /* before printf can touch it */

	printf("%s %d %s\n", call, e, detail);
	fflush(stdout);
}

static const char *
status_of(const PGconn *conn)
{
	if (conn == NULL)
		return "null";
	switch (PQstatus(conn))
	{
		case CONNECTION_OK:
			return "ok";
		case CONNECTION_BAD:
			return "bad";
		default:
			return "started";
	}
}

/* PQerrorMessage and PQfinish on CONN, measured. */
static void
error_and_finish(PGconn *conn)
{
	char first[80];
	const char *msg;

	errno = SENTINEL;
	msg = PQerrorMessage(conn);
	snprintf(first, sizeof(first), "%.*s", (int) strcspn(msg ? msg : "", "\n"), msg ? msg : "");
	for (char *p = first; *p; p++)
	{
		if (*p == ' ')
			*p = '_';
	}
	show("PQerrorMessage", first[0] ? first : "-");
	errno = SENTINEL;
	PQfinish(conn);
	show("PQfinish", "-");
}

/*
 * Drives an asynchronous attempt with POLLFN, errno set to the sentinel
 * before each call.  The number of intermediate calls depends on timing, so
 * only the last call (the one that returns OK or FAILED, where the shim
 * inspects and records) is printed, as NAME; the intermediate ones as
 * NAME/mid with the distinct values seen other than those libpq leaves
 * there while a connection is in progress (its own 0, EAGAIN, EINPROGRESS,
 * or the sentinel untouched): "none" unless something else wrote errno.
 */
static void
drive(PGconn *conn, PostgresPollingStatusType (*pollfn)(PGconn *), const char *name)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	char mid[256] = "";
	int seen[16];
	int nseen = 0;

	for (;;)
	{
		struct pollfd pfd = {.fd = PQsocket(conn)};
		int e;

		if (pfd.fd < 0)
			break;
		pfd.events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		if (poll(&pfd, 1, 30000) <= 0)
			break;
		errno = SENTINEL;
		st = pollfn(conn);
		e = errno;
		if (st == PGRES_POLLING_OK || st == PGRES_POLLING_FAILED)
		{
			errno = e;
			show(name, st == PGRES_POLLING_OK ? "ok" : "failed");
			break;
		}
		if (e == SENTINEL || e == 0 || e == EAGAIN || e == EWOULDBLOCK || e == EINPROGRESS)
			e = -1;
		for (int i = 0; i < nseen; i++)
		{
			if (seen[i] == e)
				e = -1;
		}
		if (e != -1 && nseen < 16)
			seen[nseen++] = e;
	}
	for (int i = 0; i < nseen; i++)
		snprintf(mid + strlen(mid), sizeof(mid) - strlen(mid), "%s%d", i ? "," : "", seen[i]);
	printf("%s/mid %s -\n", name, nseen ? mid : "none");
	fflush(stdout);
}

static void
step(const char *s)
{
	PGconn *conn;

	if (strcmp(s, "ping") == 0 || strcmp(s, "pingparams") == 0)
	{
		PGPing p;
		char d[16];

		errno = SENTINEL;
		p = s[4] ? PQpingParams(kw, val, 0) : PQping(conninfo);
		snprintf(d, sizeof(d), "ping=%d", (int) p);
		show(s[4] ? "PQpingParams" : "PQping", d);
		return;
	}
	if (strcmp(s, "reset") == 0 || strcmp(s, "resetstart") == 0)
	{
		conn = PQconnectdb(conninfo);
		if (s[5] == '\0')
		{
			errno = SENTINEL;
			PQreset(conn);
			show("PQreset", status_of(conn));
		}
		else
		{
			int r;

			errno = SENTINEL;
			r = PQresetStart(conn);
			show("PQresetStart", r ? "1" : "0");
			if (r)
				drive(conn, PQresetPoll, "PQresetPoll");
		}
		error_and_finish(conn);
		return;
	}
	errno = SENTINEL;
	if (strcmp(s, "connectdb") == 0)
	{
		conn = PQconnectdb(conninfo);
		show("PQconnectdb", status_of(conn));
	}
	else if (strcmp(s, "params") == 0)
	{
		conn = PQconnectdbParams(kw, val, 0);
		show("PQconnectdbParams", status_of(conn));
	}
	else if (strcmp(s, "setdb") == 0)
	{
		conn = PQsetdbLogin(NULL, NULL, NULL, NULL, conninfo, NULL, NULL);
		show("PQsetdbLogin", status_of(conn));
	}
	else if (strcmp(s, "start") == 0 || strcmp(s, "startparams") == 0)
	{
		bool params = s[5] != '\0';

		conn = params ? PQconnectStartParams(kw, val, 0) : PQconnectStart(conninfo);
		show(params ? "PQconnectStartParams" : "PQconnectStart", status_of(conn));
		if (conn && PQstatus(conn) != CONNECTION_BAD)
			drive(conn, PQconnectPoll, "PQconnectPoll");
	}
	else
	{
		fprintf(stderr, "pqerrno: unknown step %s\n", s);
		exit(2);
	}
	error_and_finish(conn);
}

int
main(int argc, char **argv)
{
	static const char *all[] = {"connectdb", "params",	   "setdb", "start",	 "startparams",
								"reset",	 "resetstart", "ping",	"pingparams"};

	pqc_set_locale();

	if (argc < 2)
	{
		fprintf(stderr, "usage: pqerrno CONNINFO [STEP...]\n");
		return 2;
	}
	conninfo = argv[1];
	/* PQconninfoParse: not hooked, so not the shim's first call. */
	if (pqc_to_arrays(conninfo, &kw, &val) < 0)
	{
		fprintf(stderr, "pqerrno: libpq cannot parse the conninfo\n");
		return 2;
	}
	if (argc == 2)
	{
		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			step(all[i]);
	}
	for (int i = 2; i < argc; i++)
		step(argv[i]);
	return 0;
}
