/*
 * check.c
 *	  pgtls-shim check [FILE]: validates a policy exactly as the library
 *	  loads it (same permission checks), reporting every error with its line.
 */
#include <stdio.h>

#include "cli.h"
#include "policy.h"

int
cmd_check(int argc, char **argv)
{
	const char *path;
	struct pgs_errors errs = {0};
	struct pgs_policy *policy;

	if (argc > 2)
	{
		fprintf(stderr, "usage: pgtls-shim check [FILE]\n");
		return 2;
	}
	path = cli_policy_path(argc == 2 ? argv[1] : NULL);
	policy = policy_load(path, &errs, NULL);
	if (policy == NULL)
	{
		cli_print_errors(&errs);
		errors_free(&errs);
		return 1;
	}
	printf("%s: ok (mode %s, %zu rule%s)\n", path, pgs_mode_name(policy->mode), policy->nrules,
		   policy->nrules == 1 ? "" : "s");
	policy_free(policy);
	errors_free(&errs);
	return 0;
}
