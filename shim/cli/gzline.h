/*
 * gzline.h
 *	  Reading a log line by line, plain or gzip-compressed alike (zlib's
 *	  gzgets reads both), for report and reconcile.
 */
#ifndef PGTLS_SHIM_GZLINE_H
#define PGTLS_SHIM_GZLINE_H

#include <stddef.h>
#include <zlib.h>

/*
 * The next line of F, of any length, into *BUF (grown as needed, *CAP its
 * size; the caller frees *BUF), newline included: its length, -1 at the
 * end, -2 on out-of-memory.  A last line without a newline is a line.
 */
long cli_gz_getline(gzFile f, char **buf, size_t *cap);

#endif
