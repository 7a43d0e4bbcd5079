/*
 * attempt.h
 *	  The life of one connection attempt under the shim, in the order of the
 *	  pipeline: plan it before connecting (begin.c), then, once libpq has
 *	  finished, observe what it negotiated, predict what enforcement would do
 *	  (audit), record it, and refuse what is not verified (finish.c).
 */
#ifndef PGTLS_SHIM_ATTEMPT_H
#define PGTLS_SHIM_ATTEMPT_H

#include "conns.h"
#include "params.h"

enum begin_kind
{
	BEGIN_PASS,	   /* leave the call alone: no policy, mode off... */
	BEGIN_REFUSED, /* *st holds a refused, never-connected conn */
	BEGIN_CONNECT  /* connect; *rewrite: with P (injections added) */
};

/*
 * Plans for the connection parameters P.  On BEGIN_REFUSED and
 * BEGIN_CONNECT, *st is a new state owned by the caller (not yet in the
 * table); on BEGIN_REFUSED its record is already written and st->conn is the
 * connection to hand to the application.  On BEGIN_CONNECT with *rewrite,
 * the shim's keywords have been appended to P.
 */
enum begin_kind attempt_begin(const struct pq_api *api, struct pgs_params *p,
							  struct conn_state **st, bool *rewrite);

/* Marks ST as a new attempt starting now (PQreset, PQresetStart). */
void attempt_restart(struct conn_state *st);

/*
 * Called once the attempt on CONN has finished (OK or BAD): reads what was
 * negotiated, refuses in enforce what is not verified (closing the
 * connection so that libpq reports CONNECTION_BAD, and setting the message
 * PQerrorMessage shows), and writes the record.  errno is preserved.
 */
void attempt_finish(struct conn_state *st, PGconn *conn);

#endif
