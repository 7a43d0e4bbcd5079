/*
 * main.c
 *	  Entry point of the pgtls-shim command: dispatch to a subcommand.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmdopt.h"
#include "reconcile.h"
#include "report.h"

static const char usage[] = "usage: pgtls-shim COMMAND [ARGS] (pgtls-shim --help lists them)\n";

/* The overview: each command's own synopsis lines, so none is written twice. */
static const char *const usages[] = {cli_usage_exec, cli_usage_check, cli_usage_explain,
									 cli_usage_report, cli_usage_reconcile};

/*
 * Whether the line at P continues a synopsis: another form
 * ("       pgtls-shim ...", printed as "   or ...") or a wrapped one (five
 * spaces or more); the details under a synopsis are indented by two.
 */
static bool
synopsis_line(const char *p)
{
	return strncmp(p, "     ", 5) == 0;
}

/* The synopsis lines of USAGE into B at *LEN (SIZE bytes), "usage: pgtls-shim " left out. */
static void
add_synopsis(const char *usage, char *b, size_t size, size_t *len)
{
	static const char prog[] = "pgtls-shim ";
	const char *p = usage;

	for (bool first = true; *p && (first || synopsis_line(p)) && *len < size; first = false)
	{
		size_t n = strcspn(p, "\n");
		const char *s = p + strspn(p, " ");

		if (strncmp(s, "usage: ", 7) == 0)
			s += 7;
		if (strncmp(s, prog, sizeof(prog) - 1) == 0)
			*len += (size_t) snprintf(b + *len, size - *len, first ? "  %.*s\n" : "   or %.*s\n",
									  (int) (n - (size_t) (s - p) - (sizeof(prog) - 1)),
									  s + sizeof(prog) - 1);
		else
			*len += (size_t) snprintf(b + *len, size - *len, "      %.*s\n",
									  (int) (n - (size_t) (s - p)), s);
		p += n + (p[n] == '\n');
	}
}

/* The overview of every command into B (SIZE bytes). */
static void
overview(char *b, size_t size)
{
	size_t len =
		(size_t) snprintf(b, size,
						  "usage: pgtls-shim COMMAND [ARGS]   (pgtls-shim COMMAND --help for "
						  "details)\n       pgtls-shim --version\n");

	for (size_t i = 0; i < sizeof(usages) / sizeof(usages[0]) && len < size; i++)
		add_synopsis(usages[i], b, size, &len);
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
	char all[4096];
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
