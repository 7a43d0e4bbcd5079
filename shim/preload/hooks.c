/*
 * hooks.c
 *	  In other people's processes: part of the preloaded library only.
 *	  The hook stage: libpq's connect functions, exported, each thin
 *	  (guard, call through, inspect).  The library's other exports are
 *	  dlopen, dlsym and dlmopen (bind/dlhooks.c); exports.map lists all of
 *	  them and hides everything else.  libpq calls PQconnectStart*,
 *	  PQconnectPoll and PQfinish through its own PLT, so they land here
 *	  again while a hook runs; `depth` (per thread) makes those inner calls
 *	  pass straight through, so each attempt is decided and logged once.
 *	  PQping's inner calls are watched through `ping_st` instead, since the
 *	  connection it makes is never returned.
 */
#include <errno.h>
#include <stddef.h>

#include "attempt.h"
#include "call.h"
#include "export.h"
#include "real.h"

#define CALLER __builtin_return_address(0)

static __thread int depth __attribute__((tls_model("initial-exec")));
static __thread struct conn_state *ping_st __attribute__((tls_model("initial-exec")));

/* The application's call, made unchanged, with the hooks passing through. */
static PGconn *
call_original(const struct pq_api *api, const struct call *c)
{
	PGconn *conn;

	depth++;
	conn = call_make(api, c);
	depth--;
	return conn;
}

/* Every connect entry point: decide, connect (blocking or not), record. */
static PGconn *
connect_common(const struct pq_api *api, const struct call *c, bool blocking)
{
	int saved = errno;
	struct pgs_params p = {0};
	struct conn_state *st = NULL;
	bool rewrite = false;
	enum planned k = PLANNED_PASS;
	PGconn *conn;

	if (call_params(api, c, &p))
		k = attempt_plan(api, &p, &st, &rewrite);
	errno = saved;
	if (k == PLANNED_REFUSED)
		conn = st->conn;
	else if (k == PLANNED_PASS || !rewrite)
		conn = call_original(api, c);
	else
	{
		depth++;
		conn = blocking ? api->connectdbParams(p.kw, p.val, p.expand)
						: api->connectStartParams(p.kw, p.val, p.expand);
		depth--;
	}
	saved = errno;
	params_free(api, &p);
	if (st != NULL && conn == NULL)
		conn_state_free(st);
	else if (st != NULL)
	{
		st->conn = conn;
		conns_put(st);
		if (k == PLANNED_CONNECT && (blocking || api->status(conn) == CONNECTION_BAD))
			attempt_finish(st, conn);
	}
	errno = saved;
	return conn;
}

static PGPing
ping_common(const struct pq_api *api, const struct call *c)
{
	int saved = errno;
	struct pgs_params p = {0};
	struct conn_state *st = NULL;
	bool rewrite = false;
	enum planned k = PLANNED_PASS;
	PGPing r;

	if (call_params(api, c, &p))
		k = attempt_plan(api, &p, &st, &rewrite);
	errno = saved;
	if (k == PLANNED_REFUSED)
	{
		api->finish(st->conn);
		conn_state_free(st);
		params_free(api, &p);
		errno = saved;
		return PQPING_NO_ATTEMPT;
	}
	ping_st = st;
	depth++;
	if (rewrite)
		r = api->pingParams(p.kw, p.val, p.expand);
	else if (c->kind == C_PING)
		r = api->ping(c->conninfo);
	else
		r = api->pingParams(c->kw, c->val, c->expand);
	depth--;
	ping_st = NULL;
	saved = errno;
	if (st != NULL && st->blocked)
		r = PQPING_NO_ATTEMPT;
	conn_state_free(st);
	params_free(api, &p);
	errno = saved;
	return r;
}

/* Inside PQping: remember the connection it makes, to inspect it later. */
static PGconn *
inner_start(PGconn *conn)
{
	if (ping_st != NULL && ping_st->conn == NULL && conn != NULL)
	{
		ping_st->conn = conn;
		ping_st->pending = true;
	}
	return conn;
}

PGS_HOOK PGconn *
PQconnectdb(const char *conninfo)
{
	const struct pq_api *api = real_for_caller(CALLER);
	struct call c = {.kind = C_CONNECTDB, .conninfo = conninfo};

	if (api == NULL)
		return NULL;
	if (depth > 0)
		return api->connectdb(conninfo);
	return connect_common(api, &c, true);
}

PGS_HOOK PGconn *
PQconnectdbParams(const char *const *keywords, const char *const *values, int expand_dbname)
{
	const struct pq_api *api = real_for_caller(CALLER);
	struct call c = {
		.kind = C_CONNECTDB_PARAMS, .kw = keywords, .val = values, .expand = expand_dbname};

	if (api == NULL)
		return NULL;
	if (depth > 0)
		return api->connectdbParams(keywords, values, expand_dbname);
	return connect_common(api, &c, true);
}

PGS_HOOK PGconn *
PQsetdbLogin(const char *pghost, const char *pgport, const char *pgoptions, const char *pgtty,
			 const char *dbName, const char *login, const char *pwd)
{
	const struct pq_api *api = real_for_caller(CALLER);
	struct call c = {.kind = C_SETDB,
					 .host = pghost,
					 .port = pgport,
					 .options = pgoptions,
					 .tty = pgtty,
					 .db = dbName,
					 .login = login,
					 .pwd = pwd};

	if (api == NULL)
		return NULL;
	if (depth > 0)
		return api->setdbLogin(pghost, pgport, pgoptions, pgtty, dbName, login, pwd);
	return connect_common(api, &c, true);
}

PGS_HOOK PGconn *
PQconnectStart(const char *conninfo)
{
	const struct pq_api *api = real_for_caller(CALLER);
	struct call c = {.kind = C_START, .conninfo = conninfo};

	if (api == NULL)
		return NULL;
	if (depth > 0)
		return inner_start(api->connectStart(conninfo));
	return connect_common(api, &c, false);
}

PGS_HOOK PGconn *
PQconnectStartParams(const char *const *keywords, const char *const *values, int expand_dbname)
{
	const struct pq_api *api = real_for_caller(CALLER);
	struct call c = {
		.kind = C_START_PARAMS, .kw = keywords, .val = values, .expand = expand_dbname};

	if (api == NULL)
		return NULL;
	if (depth > 0)
		return inner_start(api->connectStartParams(keywords, values, expand_dbname));
	return connect_common(api, &c, false);
}

/* Shared by PQconnectPoll and PQresetPoll: finish the attempt when it ends. */
static PostgresPollingStatusType
poll_common(const struct pq_api *api, PGconn *conn, bool reset)
{
	struct conn_state *st = conns_get(conn);
	PostgresPollingStatusType r;

	if (st != NULL && st->blocked)
		return PGRES_POLLING_FAILED;
	depth++;
	r = reset ? api->resetPoll(conn) : api->connectPoll(conn);
	depth--;
	if (st != NULL && st->pending && (r == PGRES_POLLING_OK || r == PGRES_POLLING_FAILED))
	{
		attempt_finish(st, conn);
		if (st->blocked)
			r = PGRES_POLLING_FAILED;
	}
	return r;
}

PGS_HOOK PostgresPollingStatusType
PQconnectPoll(PGconn *conn)
{
	const struct pq_api *api = real_for_caller(CALLER);

	if (api == NULL)
		return PGRES_POLLING_FAILED;
	if (depth > 0 || conn == NULL)
		return api->connectPoll(conn);
	return poll_common(api, conn, false);
}

PGS_HOOK PostgresPollingStatusType
PQresetPoll(PGconn *conn)
{
	const struct pq_api *api = real_for_caller(CALLER);

	if (api == NULL)
		return PGRES_POLLING_FAILED;
	if (depth > 0 || conn == NULL)
		return api->resetPoll(conn);
	return poll_common(api, conn, true);
}

/* After a reset that passes: a state of a connection no longer governed goes. */
static void
forget(PGconn *conn)
{
	conn_state_free(conns_take(conn));
}

PGS_HOOK void
PQreset(PGconn *conn)
{
	const struct pq_api *api = real_for_caller(CALLER);
	struct conn_state *st;
	int saved = errno;

	if (api == NULL)
		return;
	if (depth > 0 || conn == NULL)
	{
		api->reset(conn);
		return;
	}
	st = conns_get(conn);
	if (st != NULL && st->blocked)
		return;
	switch (attempt_plan_reset(api, conn, &st))
	{
		case PLANNED_PASS:
			forget(conn);
			errno = saved;
			api->reset(conn);
			return;
		case PLANNED_REFUSED:
			errno = saved;
			return;
		case PLANNED_CONNECT:
			break;
	}
	errno = saved;
	depth++;
	api->reset(conn);
	depth--;
	attempt_finish(st, conn);
}

PGS_HOOK int
PQresetStart(PGconn *conn)
{
	const struct pq_api *api = real_for_caller(CALLER);
	struct conn_state *st;
	int saved = errno;
	int r;

	if (api == NULL)
		return 0;
	if (depth > 0 || conn == NULL)
		return api->resetStart(conn);
	st = conns_get(conn);
	if (st != NULL && st->blocked)
		return 0;
	switch (attempt_plan_reset(api, conn, &st))
	{
		case PLANNED_PASS:
			forget(conn);
			errno = saved;
			return api->resetStart(conn);
		case PLANNED_REFUSED:
			errno = saved;
			return 0;
		case PLANNED_CONNECT:
			break;
	}
	errno = saved;
	depth++;
	r = api->resetStart(conn);
	depth--;
	if (!r)
		attempt_finish(st, conn);
	return r;
}

PGS_HOOK PGPing
PQping(const char *conninfo)
{
	const struct pq_api *api = real_for_caller(CALLER);
	struct call c = {.kind = C_PING, .conninfo = conninfo};

	if (api == NULL)
		return PQPING_NO_ATTEMPT;
	if (depth > 0)
		return api->ping(conninfo);
	return ping_common(api, &c);
}

PGS_HOOK PGPing
PQpingParams(const char *const *keywords, const char *const *values, int expand_dbname)
{
	const struct pq_api *api = real_for_caller(CALLER);
	struct call c = {.kind = C_PING_PARAMS, .kw = keywords, .val = values, .expand = expand_dbname};

	if (api == NULL)
		return PQPING_NO_ATTEMPT;
	if (depth > 0)
		return api->pingParams(keywords, values, expand_dbname);
	return ping_common(api, &c);
}

PGS_HOOK void
PQfinish(PGconn *conn)
{
	const struct pq_api *api = real_for_caller(CALLER);
	struct conn_state *st;

	if (api == NULL)
		return;
	if (depth > 0)
	{
		/* PQping's own connection, complete now: inspect it before it goes. */
		if (ping_st != NULL && conn != NULL && conn == ping_st->conn && ping_st->pending)
			attempt_finish(ping_st, conn);
		api->finish(conn);
		return;
	}
	st = conns_take(conn);
	if (st != NULL && st->pending)
		attempt_finish(st, conn);
	st != NULL ? st->api->finish(conn) : api->finish(conn);
	conn_state_free(st);
}

PGS_HOOK char *
PQerrorMessage(const PGconn *conn)
{
	const struct pq_api *api = real_for_caller(CALLER);
	struct conn_state *st;

	if (conns_any_refused() && (st = conns_get(conn)) != NULL && st->refusal)
		return st->refusal;
	return api ? api->errorMessage(conn) : NULL;
}
