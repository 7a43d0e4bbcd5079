/*
 * check.c
 *	  pgtls-shim check [FILE]: validates a policy exactly as the library
 *	  loads it (same permission checks), reporting every error with its line,
 *	  then what the library would meet on this machine (lint.c).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmdopt.h"
#include "policy.h"

const char cli_usage_check[] =
	"usage: pgtls-shim check [FILE]\n"
	"  Validates the policy FILE (else $PGTLS_SHIM_POLICY, else\n"
	"  /etc/pgtls-shim/policy.conf): syntax and values, CA and CRL files, enforce\n"
	"  without a CA, port patterns (errors, exit 1); the log directory and\n"
	"  shadowed rules (warnings).  Each as FILE:LINE: message on stderr.\n";

int
cmd_check(int argc, char **argv)
{
	const char *path;
	struct pgs_errors errs = {0};
	struct pgs_policy *policy;
	int warnings = 0;
	bool ok;

	static const struct option opts[] = {CMDOPT_HELP, {NULL, 0, NULL, 0}};
	const struct cmdopt c = {"check", cli_usage_check, opts, false};
	int ch, status = 2;

	cmdopt_begin();
	while ((ch = cmdopt_next(&c, argc, argv, &status)) != -1)
		if (ch == CMDOPT_EXIT)
			return status;
	if (argc - optind > 1)
		return cmdopt_error(&c, "one policy file at most");
	path = cli_policy_path(optind < argc ? argv[optind] : NULL);
	policy = policy_load(path, &errs, NULL);
	if (policy == NULL)
	{
		cli_print_errors(&errs);
		errors_free(&errs);
		return 1;
	}
	ok = lint_policy(policy, false, &warnings);
	if (ok)
		printf("%s: ok (mode %s, %zu rule%s%s)\n%s: sha256 %s (%zu file%s)\n", path,
			   pgs_mode_name(policy->mode), policy->nrules, policy->nrules == 1 ? "" : "s",
			   warnings ? ", with warnings" : "", path, policy->sha256, policy->files.n,
			   policy->files.n == 1 ? "" : "s");
	policy_free(policy);
	errors_free(&errs);
	return ok ? 0 : 1;
}
