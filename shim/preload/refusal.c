/*
 * refusal.c
 *	  In other people's processes: part of the preloaded library only.
 *	  The refusal message and the two ways a connection is refused: before
 *	  connecting (the dry-run conn is handed over, already BAD) and after
 *	  (its socket is shut down under libpq).
 */
#include "refusal.h"

#include <stdio.h>
#include <sys/socket.h>

char *
refusal_message(const struct pgs_decision *d, const char *reason, const char *detail)
{
	char *msg = NULL;
	char who[300];

	if (d->rule)
		snprintf(who, sizeof(who), "rule \"%s\"", d->rule->name);
	else
		snprintf(who, sizeof(who), "the policy's top-level mode");
	if (asprintf(&msg, "pgtls-shim: refused by %s (%s): %s%s%s\n", who, pgs_mode_name(d->mode),
				 reason, detail ? ": " : "", detail ? detail : "") < 0)
		return NULL;
	return msg;
}

void
refuse_before_connect(struct conn_state *st, PGconn *dry_run, char *msg)
{
	st->conn = dry_run;
	st->blocked = true;
	st->pending = false;
	conn_state_refuse(st, msg);
}

void
refusal_close(const struct pq_api *api, PGconn *conn)
{
	int fd = api->socket(conn);

	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	(void) api->consumeInput(conn);
}
