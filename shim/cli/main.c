/*
 * main.c
 *	  Entry point of the pgtls-shim command: dispatch to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmdopt.h"
#include "reconcile.h"
#include "report.h"

static const char usage[] = "usage: pgtls-shim COMMAND [ARGS] (pgtls-shim --help lists them)\n";

/* The overview: each command's own synopsis line, so none is written twice. */
static const char *const usages[] = {cli_usage_exec, cli_usage_check, cli_usage_explain,
									 cli_usage_report, cli_usage_reconcile};

/* The overview of every command into B (SIZE bytes). */
static void
overview(char *b, size_t size)
{
	const size_t skip = sizeof("usage: pgtls-shim ") - 1;
	size_t len =
		(size_t) snprintf(b, size,
						  "usage: pgtls-shim COMMAND [ARGS]   (pgtls-shim COMMAND --help for "
						  "details)\n       pgtls-shim --version\n");

	for (size_t i = 0; i < sizeof(usages) / sizeof(usages[0]) && len < size; i++)
		len += (size_t) snprintf(b + len, size - len, "  %.*s",
								 (int) (strcspn(usages[i], "\n") + 1 - skip), usages[i] + skip);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"version", no_argument, NULL, 'V'}, CMDOPT_HELP, {NULL, 0, NULL, 0}};
	static const struct
	{
		const char *name;
		int (*run)(int argc, char **argv);
	} cmds[] = {{"check", cmd_check},
				{"explain", cmd_explain},
				{"exec", cmd_exec},
				{"report", cmd_report},
				{"reconcile", cmd_reconcile}};
	char all[2048];
	const struct cmdopt c = {NULL, all, opts, true};
	int ch, status = 2;

	overview(all, sizeof(all));
	cmdopt_begin();
	while ((ch = cmdopt_next(&c, argc, argv, &status)) != -1)
	{
		if (ch == CMDOPT_EXIT)
			return status;
		return cli_version(); /* --version */
	}
	if (optind >= argc)
	{
		fputs(all, stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[optind], cmds[i].name) == 0)
			return cmds[i].run(argc - optind, argv + optind);
	fprintf(stderr, "pgtls-shim: unknown command \"%s\"\n%s", argv[optind], usage);
	return 2;
}
