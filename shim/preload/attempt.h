/*
 * attempt.h
 *	  In other people's processes: part of the preloaded library only.
 *	  The life of one connection attempt under the shim: the pipeline of
 *	  preload/, stage by stage, each in its own file.
 *	    hook       hooks.c           the exported PQ* functions, thin
 *	    plan       attempt_plan.c    decide under the policy in force: pass
 *	                                 the call, refuse it before connecting,
 *	                                 or connect with the injections
 *	    real call  call.c            the application's call, made on the
 *	                                 real libpq (found by bind/real.c)
 *	    observe    finish.c          what libpq negotiated; enforcement's
 *	                                 backstop (backstop.c), or in audit the
 *	                                 prediction of what enforce would do
 *	    record     attempt_record.c  the connect record, to the policy's sink
 *	    refuse     refusal.c         the message, and the connection closed
 *	  finish.c runs the stages from observe on.  Beside them: conns.c (what
 *	  is kept per PGconn), snapshot.c (the policy in force), process.c (the
 *	  host process), blindspot.c (the record of a libpq copy that bind/
 *	  cannot govern).
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

/* Marks ST as a new attempt starting now. */
void attempt_restart(struct conn_state *st);

/*
 * Plans a PQreset or PQresetStart of CONN under the policy in force now,
 * with the options CONN holds (what libpq reconnects with).  *STP is CONN's
 * state, or NULL when it has none (made when the policy was off): one is
 * then made and put in the table.  BEGIN_PASS: reset unchanged (the caller
 * drops a state *STP it has); BEGIN_REFUSED: CONN was closed, its record
 * written (a policy in force that needs settings CONN lacks refuses the
 * reset: a PQreset cannot change them); BEGIN_CONNECT: reset, then finish
 * the attempt as any other.
 */
enum begin_kind attempt_reset(const struct pq_api *api, PGconn *conn, struct conn_state **stp);

/*
 * Called once the attempt on CONN has finished (OK or BAD): reads what was
 * negotiated, refuses in enforce what is not verified (closing the
 * connection so that libpq reports CONNECTION_BAD, and setting the message
 * PQerrorMessage shows), and writes the record.  errno is preserved.
 */
void attempt_finish(struct conn_state *st, PGconn *conn);

#endif
