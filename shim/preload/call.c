/*
 * call.c
 *	  In other people's processes: part of the preloaded library only.
 *	  Replays and reads the application's connect call.
 */
#include "call.h"

PGconn *
call_make(const struct pq_api *api, const struct call *c)
{
	PGconn *conn = NULL;

	switch (c->kind)
	{
		case C_CONNECTDB:
			conn = api->connectdb(c->conninfo);
			break;
		case C_CONNECTDB_PARAMS:
			conn = api->connectdbParams(c->kw, c->val, c->expand);
			break;
		case C_SETDB:
			conn = api->setdbLogin(c->host, c->port, c->options, c->tty, c->db, c->login, c->pwd);
			break;
		case C_START:
			conn = api->connectStart(c->conninfo);
			break;
		case C_START_PARAMS:
			conn = api->connectStartParams(c->kw, c->val, c->expand);
			break;
		case C_PING:
		case C_PING_PARAMS:
			break;
	}
	return conn;
}

bool
call_params(const struct pq_api *api, const struct call *c, struct pgs_params *p)
{
	switch (c->kind)
	{
		case C_CONNECTDB:
		case C_START:
		case C_PING:
			return c->conninfo != NULL && params_from_conninfo(api, c->conninfo, p);
		case C_CONNECTDB_PARAMS:
		case C_START_PARAMS:
		case C_PING_PARAMS:
			return c->kw != NULL && c->val != NULL &&
				   params_from_arrays(c->kw, c->val, c->expand, p);
		case C_SETDB:
			return params_from_setdb(c->host, c->port, c->options, c->db, c->login, c->pwd, p);
	}
	return false;
}
