/*
 * cmdopt.c
 *	  Every command's option parsing (cmdopt.h), over glibc's getopt_long
 *	  with its own messages turned off, so that they name the command.
 */
#include "cmdopt.h"

#include <stdio.h>
#include <string.h>

void
cmdopt_begin(void)
{
	optind = 0; /* glibc: reinitialise, reading the optstring's "+" again */
	opterr = 0;
}

/* "pgtls-shim COMMAND: " or "pgtls-shim: ". */
static void
prefix(const struct cmdopt *c)
{
	fprintf(stderr, "pgtls-shim%s%s: ", c->cmd ? " " : "", c->cmd ? c->cmd : "");
}

int
cmdopt_error(const struct cmdopt *c, const char *msg)
{
	prefix(c);
	fprintf(stderr, "%s\n%s", msg, c->usage);
	return 2;
}

/* The message for getopt's '?' or ':' about ARG (the argument at fault). */
static void
complain(const struct cmdopt *c, int ch, const char *arg)
{
	prefix(c);
	if (ch == ':' && strncmp(arg, "--", 2) == 0)
		fprintf(stderr, "option '%s' requires an argument\n", arg);
	else if (ch == ':')
		fprintf(stderr, "option requires an argument -- '%c'\n", optopt);
	else if (strncmp(arg, "--", 2) != 0)
		fprintf(stderr, "invalid option -- '%c'\n", optopt);
	else if (optopt != 0)
		fprintf(stderr, "option '%.*s' doesn't allow an argument\n", (int) strcspn(arg, "="), arg);
	else
		fprintf(stderr, "unrecognized option '%s'\n", arg);
	fputs(c->usage, stderr);
}

int
cmdopt_next(const struct cmdopt *c, int argc, char **argv, int *status)
{
	int ch = getopt_long(argc, argv, c->in_order ? "+:h" : ":h", c->longopts, NULL);

	if (ch == 'h')
	{
		fputs(c->usage, stdout);
		*status = 0;
		return CMDOPT_EXIT;
	}
	if (ch == '?' || ch == ':')
	{
		complain(c, ch, argv[optind - 1] ? argv[optind - 1] : "");
		*status = 2;
		return CMDOPT_EXIT;
	}
	return ch;
}
