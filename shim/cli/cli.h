/*
 * cli.h
 *	  The pgtls-shim command: one function per subcommand, each returning
 *	  the process exit status.
 */
#ifndef PGTLS_SHIM_CLI_H
#define PGTLS_SHIM_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "attr.h"
#include "pqapi.h"

int cmd_check(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);

/* Each command's usage, "usage: pgtls-shim COMMAND ..." then its details. */
extern const char cli_usage_check[];
extern const char cli_usage_explain[];
extern const char cli_usage_exec[];
extern const char cli_usage_report[];
extern const char cli_usage_reconcile[];

/* Whether ARG asks for help: --help or -h. */
bool cli_is_help(const char *arg);

/*
 * Prints USAGE and returns the exit status: on stdout and 0 when HELP (it
 * was asked for), else on stderr and 2 (a usage error).
 */
int cli_usage(const char *usage, bool help);

/*
 * report's summary, for the command and its fuzz target: report_read adds
 * the records of F (named NAME in errors; unreadable lines are counted, not
 * fatal) and returns false on a read error; report_print writes the summary
 * to OUT, false when that fails.  report_new returns NULL on out-of-memory;
 * report_free frees it all.  The reader and the groups are in report.h.
 */
struct report;
struct report *report_new(void);
bool report_read(struct report *r, FILE *f, const char *name) __attribute__((warn_unused_result));
bool report_print(struct report *r, bool as_json, FILE *out) __attribute__((warn_unused_result));
void report_free(struct report *r);

/*
 * Checks what the library will meet with POLICY beyond syntax (CA, next_ca
 * and CRL files and CRL directories loaded as libpq loads them, enforce with
 * no CA, the log directory, shadowed rules, port patterns, an exemption by
 * the name localhost), printing each finding as "FILE:LINE: message" or
 * "FILE:LINE: warning: message" on stderr (warnings only counted when
 * QUIET_WARNINGS).  False when it found an error; *WARNINGS is the number
 * of warnings.
 */
struct pgs_policy;
bool lint_policy(const struct pgs_policy *policy, bool quiet_warnings, int *warnings) PGS_WUR;

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
