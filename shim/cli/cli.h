/*
 * cli.h
 *	  The pgtls-shim command: one function per subcommand, each returning
 *	  the process exit status.
 */
#ifndef PGTLS_SHIM_CLI_H
#define PGTLS_SHIM_CLI_H

#include "pqapi.h"

int cmd_check(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* The policy path: the argument, else $PGTLS_SHIM_POLICY, else the default. */
const char *cli_policy_path(const char *arg);

/* Prints every error of ERRS, one per line, to stderr. */
struct pgs_errors;
void cli_print_errors(const struct pgs_errors *errs);

/* Warns on stderr when LD_PRELOAD cannot reach CMD (static, Go). */
void cli_warn_unreachable(const char *cmd);

/* The libpq this command links, as a table. */
const struct pq_api *cli_pq_api(void);

#endif
