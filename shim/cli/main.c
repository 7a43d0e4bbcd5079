/*
 * main.c
 *	  Entry point of the pgtls-shim command: dispatch to a subcommand, and
 *	  the helpers they share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "policy.h"

#define DEFAULT_POLICY "/etc/pgtls-shim/policy.conf"

#ifndef PGTLS_SHIM_VERSION
#define PGTLS_SHIM_VERSION "unknown"
#endif

static const char usage[] = "usage: pgtls-shim COMMAND [ARGS] (pgtls-shim --help lists them)\n";

/* The overview: each command's own synopsis line, so none is written twice. */
static const char *const usages[] = {cli_usage_exec, cli_usage_check, cli_usage_explain,
									 cli_usage_report};

/* The overview of every command, to OUT. */
static void
print_overview(FILE *out)
{
	const size_t skip = sizeof("usage: pgtls-shim ") - 1;

	fprintf(out, "usage: pgtls-shim COMMAND [ARGS]   (pgtls-shim COMMAND --help for details)\n"
				 "       pgtls-shim --version\n");
	for (size_t i = 0; i < sizeof(usages) / sizeof(usages[0]); i++)
		fprintf(out, "  %.*s", (int) (strcspn(usages[i], "\n") + 1 - skip), usages[i] + skip);
}

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

int
main(int argc, char **argv)
{
	if (argc < 2 || cli_is_help(argv[1]))
	{
		print_overview(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0)
	{
		printf("pgtls-shim %s\n", PGTLS_SHIM_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "explain") == 0)
		return cmd_explain(argc - 1, argv + 1);
	if (strcmp(argv[1], "exec") == 0)
		return cmd_exec(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	fprintf(stderr, "pgtls-shim: unknown command \"%s\"\n%s", argv[1], usage);
	return 2;
}
