/*
 * redact.h
 *	  The connection string `explain` prints, with secrets masked.
 */
#ifndef PGTLS_SHIM_REDACT_H
#define PGTLS_SHIM_REDACT_H

#include "params.h"

/*
 * Writes P as a connection string (each keyword once, with the value that
 * wins) into a malloc'd string, with every secret (password, sslpassword:
 * what libpq marks for hiding) replaced by "********".  P must not use
 * expand_dbname.  NULL on out-of-memory.
 */
char *cli_redacted_conninfo(struct pgs_params *p);

/*
 * Prints libpq's error message MSG on stderr as "pgtls-shim: libpq: ...",
 * with the passwords of the raw connection string RAW (may be NULL; for
 * when libpq could not parse it) and of the parameters P (may be NULL)
 * replaced by "********".
 */
void cli_print_libpq_error(const char *msg, const char *raw, const struct pgs_params *p);

#endif
