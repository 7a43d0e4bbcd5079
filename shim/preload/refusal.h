/*
 * refusal.h
 *	  In other people's processes: part of the preloaded library only.
 *	  How a refusal reaches the application: the contract's message, and a
 *	  connection libpq itself reports as CONNECTION_BAD.
 */
#ifndef PGTLS_SHIM_REFUSAL_H
#define PGTLS_SHIM_REFUSAL_H

#include "conns.h"
#include "decide.h"

/*
 * "pgtls-shim: refused by rule "NAME" (MODE): REASON[: DETAIL]\n", malloc'd
 * (NULL on out-of-memory; the caller frees or hands it to conn_state_refuse).
 */
char *refusal_message(const struct pgs_decision *d, const char *reason, const char *detail);

/*
 * Refuses ST before connecting: the never-connected DRY_RUN conn becomes
 * the application's, MSG (owned from here) what PQerrorMessage shows.
 */
void refuse_before_connect(struct conn_state *st, PGconn *dry_run, char *msg);

/* Closes CONN's socket under libpq, which then marks it CONNECTION_BAD. */
void refusal_close(const struct pq_api *api, PGconn *conn);

#endif
