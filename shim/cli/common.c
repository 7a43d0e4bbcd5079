/*
 * common.c
 *	  What the policy commands share: where the policy is and how its errors
 *	  print (options and usage: logs/cmdopt.c).  Apart from main.c so that
 *	  the fuzz targets can link a command's file without the entry point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "policy.h"
#include "policy_path.h"

const char *
cli_policy_path(const char *arg)
{
	const char *env = getenv(PGS_ENV_POLICY);

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
