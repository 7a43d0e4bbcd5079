/*
 * pqcommon.h
 *	  What the test clients in tests/clients/ share: the locale set up as
 *	  psql sets it, one connection's outcome as a JSON line, an asynchronous
 *	  attempt driven to its end, and a conninfo turned into keyword/value
 *	  arrays.  The clients know nothing of the shim; the integration tests run
 *	  them under LD_PRELOAD and read what they print.
 */
#ifndef PQCOMMON_H
#define PQCOMMON_H

#include <stdbool.h>

#include <libpq-fe.h>

/* setlocale(LC_ALL, "") as psql does: under LC_ALL=de_DE.UTF-8 libpq speaks
 * German (the suite's German run, scripts/test-releases.sh), and the shim
 * must not care. */
void pqc_set_locale(void);

/* Prints S (NULL: empty) to stdout as a JSON string, quotes included. */
void pqc_json_string(const char *s);

/*
 * Prints CONN's outcome as one JSON line and flushes stdout:
 * {"status": "ok"|"bad"|"null", "error": PQerrorMessage, "ssl": bool} and,
 * when QUERY and connected, "query": the answer to SELECT 41 + 1 (or the
 * error).  Returns 0 when connected (and the query, if any, ran), else 1.
 */
int pqc_report(PGconn *conn, bool query);

/* Drives an asynchronous attempt on CONN with POLLFN (PQconnectPoll or
 * PQresetPoll) until it is OK or FAILED, the way applications do (poll(2),
 * 30 s per wait; gives up when a wait times out or the socket is gone). */
void pqc_drive(PGconn *conn, PostgresPollingStatusType (*pollfn)(PGconn *));

/*
 * The keyword and value arrays of CONNINFO (at most 63 set options, NULL
 * terminated) in *KW and *VAL.  Returns the number of options, or -1 when
 * libpq cannot parse CONNINFO.  Nothing is freed: the arrays point into
 * libpq's parsed options, and the client keeps both until it exits.
 */
int pqc_to_arrays(const char *conninfo, const char ***kw, const char ***val);

#endif
