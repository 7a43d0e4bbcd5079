/*
 * conns.h
 *	  In other people's processes: part of the preloaded library only.
 *	  What the shim remembers about each PGconn it decided for, from the
 *	  connect call until PQfinish: the decision (kept for PQreset), the
 *	  pending attempt, and the refusal message PQerrorMessage must show.
 */
#ifndef PGTLS_SHIM_CONNS_H
#define PGTLS_SHIM_CONNS_H

#include <stdbool.h>
#include <stdint.h>

#include "plan.h"
#include "pqapi.h"
#include "snapshot.h"

struct conn_state
{
	PGconn *conn;
	const struct pq_api *api;
	struct snapshot *snap; /* a reference: the policy decided under */
	struct pgs_plan plan;  /* facts and decision of the current attempt */
	int64_t start_ms;	   /* wall clock at the attempt's start */
	int64_t start_mono_us;
	bool pending;  /* attempt started, no record yet */
	char *refusal; /* what PQerrorMessage shows, or NULL */
	bool blocked;  /* the shim refused it: never reconnect */
};

/*
 * A new state holding SNAP's reference, with room in the table kept for it
 * (so conns_put cannot fail); NULL on out-of-memory.
 */
struct conn_state *conn_state_new(const struct pq_api *api, struct snapshot *snap);
/* Frees ST (drops its snapshot reference, plan and room).  ST must not be in the table. */
void conn_state_free(struct conn_state *st);

/* Sets ST's refusal message (takes ownership of MSG; NULL clears it). */
void conn_state_refuse(struct conn_state *st, char *msg);

/* Puts ST under ST->conn (a state already there under it is forgotten). */
void conns_put(struct conn_state *st);
struct conn_state *conns_get(const PGconn *conn);  /* stays in the table */
struct conn_state *conns_take(const PGconn *conn); /* removed; caller frees */
bool conns_any_refused(void);					   /* cheap: no lock */

#endif
