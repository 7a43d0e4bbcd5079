/*
 * report.c
 *	  pgtls-shim report: placeholder until the report lands.
 */
#include <stdio.h>

#include "cli.h"

int
cmd_report(int argc, char **argv)
{
	(void) argc;
	(void) argv;
	fprintf(stderr, "pgtls-shim: report is not implemented yet\n");
	return 2;
}
