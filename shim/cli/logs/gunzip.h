/*
 * gunzip.h
 *	  A stream that reads gzip (one member or several, as `cat a.gz b.gz`
 *	  makes) or passes plain data through, from a file descriptor, with
 *	  zlib's inflate.  Not gzread: from zlib 1.3.2 on, gzread reports a
 *	  truncated file as a clean end, and a truncated log must be an error.
 */
#ifndef PGTLS_SHIM_GUNZIP_H
#define PGTLS_SHIM_GUNZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "attr.h"

struct gunzip;

/*
 * A stream over FD (which it owns from then on: gunzip_close closes it);
 * NULL on out-of-memory (FD closed).  Whether the data is gzip is seen at
 * the first read, from its first two bytes.
 */
struct gunzip *gunzip_open(int fd) PGS_WUR;

/*
 * Up to N bytes of the plain data into BUF: the count, 0 at the end, or -1
 * on an error with its reason in *WHY (static text, or zlib's): a read
 * error, corrupt data, or a file that ends inside a gzip member ("unexpected
 * end of file (a truncated gzip file)").
 */
ssize_t gunzip_read(struct gunzip *g, void *buf, size_t n, const char **why) PGS_WUR;

/* Closes the descriptor and frees G (NULL is fine). */
void gunzip_close(struct gunzip *g);

#endif
