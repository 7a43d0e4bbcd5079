/*
 * common.c
 *	  What the subcommands share: where the policy is, how errors print.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "policy.h"

#define DEFAULT_POLICY "/etc/pgtls-shim/policy.conf"

const char *
cli_policy_path(const char *arg)
{
	const char *env = getenv("PGTLS_SHIM_POLICY");

	if (arg != NULL)
		return arg;
	return (env != NULL && env[0] != '\0') ? env : DEFAULT_POLICY;
}

void
cli_print_errors(const struct pgs_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", errs->msg[i]);
	if (errs->oom)
		fprintf(stderr, "pgtls-shim: out of memory\n");
}
