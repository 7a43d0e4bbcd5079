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

static const char usage[] =
	"usage: pgtls-shim COMMAND [ARGS]\n"
	"  exec [--policy FILE] -- COMMAND [ARG...]   run COMMAND under the shim\n"
	"  check [FILE]                               validate a policy\n"
	"  explain [--policy FILE] [--program PATH] CONNINFO\n"
	"                                             show the decision for a connection\n"
	"  report [--json] [LOG...]                   summarise connection records\n"
	"  reconcile [--json] --server-log FILE... [LOG...]  join a server's log with the records\n";

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
	if (strcmp(argv[1], "reconcile") == 0)
		return cmd_reconcile(argc - 1, argv + 1);
	fprintf(stderr, "pgtls-shim: unknown command \"%s\"\n%s", argv[1], usage);
	return 2;
}
