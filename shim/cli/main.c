/*
 * main.c
 *	  Entry point of the pgtls-shim command: dispatch to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef PGS_VERSION
#define PGS_VERSION "unknown"
#endif

static const char usage[] = "usage: pgtls-shim COMMAND [ARGS] (pgtls-shim --help lists them)\n";

/* The overview: each command's own synopsis line, so none is written twice. */
static const char *const usages[] = {cli_usage_exec, cli_usage_check, cli_usage_explain,
									 cli_usage_report, cli_usage_reconcile};

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
		printf("pgtls-shim %s\n", PGS_VERSION);
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
	if (strcmp(argv[1], "reconcile") == 0)
		return cmd_reconcile(argc - 1, argv + 1);
	fprintf(stderr, "pgtls-shim: unknown command \"%s\"\n%s", argv[1], usage);
	return 2;
}
