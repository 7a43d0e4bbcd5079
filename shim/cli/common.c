/*
 * common.c
 *	  What every command shares: where the policy is, how errors print, what
 *	  asks for help, and where usage goes (stdout and exit 0 when asked for,
 *	  stderr and exit 2 on a usage error).  Apart from main.c so that the
 *	  fuzz targets can link a command's file without the entry point.
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

bool
cli_is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int
cli_usage(const char *usage, bool help)
{
	fputs(usage, help ? stdout : stderr);
	return help ? 0 : 2;
}
