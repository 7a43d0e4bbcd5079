/*
 * text.h
 *	  Small text helpers shared by the record, the audit and the command.
 */
#ifndef PGTLS_SHIM_TEXT_H
#define PGTLS_SHIM_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Collapses MSG (libpq's, multi-line) into one malloc'd line; NULL on OOM or NULL MSG. */
char *one_line(const char *msg);

/* Lower-case hex of LEN bytes of DATA into OUT (2 * LEN + 1 bytes). */
void hex_lower(const unsigned char *data, size_t len, char *out);

/*
 * strerror(ERR) in the C locale's words, whatever locale the host process
 * set: records and refusals read the same everywhere.  The text is libc's
 * (not to be freed); errno is preserved.
 */
const char *error_text(int err);

/* Formats TS_MS (ms since the epoch) as RFC 3339 UTC with milliseconds into BUF (>= 32 bytes). */
void format_ts(int64_t ts_ms, char *buf, size_t len);

#endif
