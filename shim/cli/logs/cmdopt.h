/*
 * cmdopt.h
 *	  The one option parser of every pgtls-shim command (check, explain,
 *	  exec, report, reconcile and the top level): getopt_long, so that
 *	  "--opt=value" and "--opt value" both work and an unknown option is
 *	  "pgtls-shim COMMAND: unrecognized option '--x'" and the usage on
 *	  stderr, exit 2.  Here, in the lowest part of the command, because
 *	  every part of it parses options.
 */
#ifndef PGTLS_SHIM_CMDOPT_H
#define PGTLS_SHIM_CMDOPT_H

#include <getopt.h>
#include <stdbool.h>

/* Returned by cmdopt_next when the command must exit with *STATUS. */
#define CMDOPT_EXIT (-2)

/* The entry every command's table has: --help (and -h). */
#define CMDOPT_HELP                                                                                \
	{                                                                                              \
		"help", no_argument, NULL, 'h'                                                             \
	}

struct cmdopt
{
	const char *cmd;			   /* "report"; NULL for the top level */
	const char *usage;			   /* printed with --help (stdout) and on a usage error (stderr) */
	const struct option *longopts; /* ends with {0}; includes CMDOPT_HELP */
	bool in_order;				   /* stop at the first operand (exec: the COMMAND's own flags) */
};

/* Starts parsing a new argument vector (getopt's state reset). */
void cmdopt_begin(void);

/*
 * The next option of ARGV: its val (optarg holds its argument), -1 when
 * the options end (optind is the first operand), or CMDOPT_EXIT with
 * *STATUS 0 after --help (usage on stdout) or 2 after an unknown option or
 * a missing argument (message and usage on stderr).
 */
int cmdopt_next(const struct cmdopt *c, int argc, char **argv, int *status);

/*
 * A usage error found by the command itself (a bad value, an operand too
 * many): "pgtls-shim COMMAND: MSG" and the usage on stderr; returns 2.
 */
int cmdopt_error(const struct cmdopt *c, const char *msg);

#endif
