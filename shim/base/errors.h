/*
 * errors.h
 *	  The error list every parser and loader reports into, so that all
 *	  problems are shown at once, each as "FILE:LINE: message".
 */
#ifndef PGTLS_SHIM_ERRORS_H
#define PGTLS_SHIM_ERRORS_H

#include <stdbool.h>
#include <stddef.h>

struct pgs_errors
{
	size_t n;
	char **msg;
	bool oom; /* some message could not be recorded */
};

/* Appends a formatted message, made one line; never fails (sets oom instead). */
void errors_add(struct pgs_errors *errs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Frees every message and zeroes *errs. */
void errors_free(struct pgs_errors *errs);

/* The messages joined with "; ", malloc'd (the caller frees); NULL on OOM. */
char *errors_join(const struct pgs_errors *errs);

#endif
