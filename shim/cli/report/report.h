/*
 * report.h
 *	  `pgtls-shim report`, as the command and the fuzz target see it: the
 *	  command itself, and the summary as an object (read, print, free).
 */
#ifndef PGTLS_SHIM_REPORT_H
#define PGTLS_SHIM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "attr.h"

extern const char cli_usage_report[];

/* pgtls-shim report ARGS: the exit status. */
int cmd_report(int argc, char **argv);

/*
 * The summary: report_new returns NULL on out-of-memory; report_read_mem
 * adds the records of the N bytes at DATA (unreadable lines are counted,
 * not fatal; false on out-of-memory); report_read_paths adds those of the
 * N files PATHS ("-": standard input), THREADS at a time (false, with a
 * message on stderr, when one cannot be read); report_print writes the
 * summary to OUT as text, JSON or metrics (false when that fails); report_free frees it all.
 */
struct report;
enum report_format
{
	REPORT_TEXT,
	REPORT_JSON,
	REPORT_OPENMETRICS
};
struct report *report_new(void);
bool report_read_mem(struct report *r, const void *data, size_t n) PGS_WUR;
bool report_read_paths(struct report *r, char *const *paths, int n, int threads) PGS_WUR;
bool report_print(struct report *r, enum report_format format, FILE *out) PGS_WUR;
void report_free(struct report *r);

#endif
