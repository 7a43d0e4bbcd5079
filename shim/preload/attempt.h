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
 *	    observe    attempt_finish.c  what libpq negotiated; enforcement's
 *	                                 backstop (backstop.c), or in audit the
 *	                                 prediction of what enforce would do
 *	    record     attempt_record.c  the connect record, to the policy's sink
 *	    refuse     refusal.c         the message, and the connection closed
 *	  attempt_finish.c runs the stages from observe on.  Beside them: conns.c (what
 *	  is kept per PGconn), snapshot.c (the policy in force), process.c (the
 *	  host process), blindspot.c (the record of a libpq copy that bind/
 *	  cannot govern).
 */
#ifndef PGTLS_SHIM_ATTEMPT_H
#define PGTLS_SHIM_ATTEMPT_H

#include "conns.h"
#include "params.h"

enum planned
{
	PLANNED_PASS,	 /* leave the call alone: no policy, mode off... */
	PLANNED_REFUSED, /* *st holds a refused, never-connected conn */
	PLANNED_CONNECT	 /* connect; *rewrite: with P (injections added) */
};

/*
 * Plans for the connection parameters P.  On PLANNED_REFUSED and
 * PLANNED_CONNECT, *st is a new state owned by the caller (not yet in the
 * table); on PLANNED_REFUSED its record is already written and st->conn is the
 * connection to hand to the application.  On PLANNED_CONNECT with *rewrite,
 * the shim's keywords have been appended to P.
 */
enum planned attempt_plan(const struct pq_api *api, struct pgs_params *p, struct conn_state **st,
						  bool *rewrite);

/*
 * Plans a PQreset or PQresetStart of CONN under the policy in force now,
 * with the options CONN holds (what libpq reconnects with).  *STP is CONN's
 * state, or NULL when it has none (made when the policy was off): one is
 * then made and put in the table.  PLANNED_PASS: reset unchanged (the caller
 * drops a state *STP it has); PLANNED_REFUSED: CONN was closed, its record
 * written (a policy in force that needs settings CONN lacks refuses the
 * reset: a PQreset cannot change them); PLANNED_CONNECT: reset, then finish
 * the attempt as any other.
 */
enum planned attempt_plan_reset(const struct pq_api *api, PGconn *conn, struct conn_state **stp);

/*
 * Called once the attempt on CONN has finished (OK or BAD): reads what was
 * negotiated, refuses in enforce what is not verified (closing the
 * connection so that libpq reports CONNECTION_BAD, and setting the message
 * PQerrorMessage shows), and writes the record.  errno is preserved.
 */
void attempt_finish(struct conn_state *st, PGconn *conn);

#endif
