/*
 * main.c
 *	  Entry point of the pgtls-shim command: dispatch to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: pgtls-shim COMMAND [ARGS]\n"
	"  exec [--policy FILE] -- COMMAND [ARG...]   run COMMAND under the shim\n"
	"  check [FILE]                               validate a policy\n"
	"  explain [--policy FILE] [--program PATH] CONNINFO\n"
	"                                             show the decision for a connection\n"
	"  report [--json] [LOG...]                   summarise connection records\n";

int
main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
	{
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
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
