/*
 * cli.h
 *	  The pgtls-shim command's policy commands (check, explain, exec), each
 *	  returning the process exit status, and what they share.  The log
 *	  tools are report/report.h and reconcile/reconcile.h, on logs/.
 */
#ifndef PGTLS_SHIM_CLI_H
#define PGTLS_SHIM_CLI_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "attr.h"
#include "pqapi.h"

int cmd_check(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_exec(int argc, char **argv);

/* Each command's usage, "usage: pgtls-shim COMMAND ..." then its details. */
extern const char cli_usage_check[];
extern const char cli_usage_explain[];
extern const char cli_usage_exec[];

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

/*
 * The library `exec` preloads, found relative to this executable, into OUT
 * (resolved); false when it is not where an install or a build puts it.
 */
bool cli_find_library(char out[PATH_MAX]) PGS_WUR;

/* Prints --version's lines (this command, the library, libpq, OpenSSL); the exit status. */
int cli_version(void);

/* The libpq this command links, as a table. */
const struct pq_api *cli_pq_api(void);

#endif
