/*
 * common.c
 *	  The command-line conventions every command shares: what asks for help,
 *	  and where its usage goes (stdout and exit 0 when asked for, stderr and
 *	  exit 2 on a usage error).  Apart from main.c so that the fuzz targets
 *	  can link a command's file without the entry point.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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
