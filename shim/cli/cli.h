/*
 * cli.h
 *	  The pgtls-shim command: one function per subcommand, each returning
 *	  the process exit status.
 */
#ifndef PGTLS_SHIM_CLI_H
#define PGTLS_SHIM_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "pqapi.h"

int cmd_check(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);

/*
 * report's summary, for the command and its fuzz target: report_read adds
 * the records of F (named NAME in errors; unreadable lines are counted, not
 * fatal) and returns false on a read error; report_print writes the summary
 * to OUT, false when that fails.  report_new returns NULL on out-of-memory;
 * report_free frees it all.
 */
struct report;
struct report *report_new(void);
bool report_read(struct report *r, FILE *f, const char *name) __attribute__((warn_unused_result));
bool report_print(struct report *r, bool as_json, FILE *out) __attribute__((warn_unused_result));
void report_free(struct report *r);

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
