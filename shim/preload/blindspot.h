/*
 * blindspot.h
 *	  The blind_spot record: a libpq copy in this process whose connections
 *	  the shim cannot see or govern is never silent.
 */
#ifndef PGTLS_SHIM_BLINDSPOT_H
#define PGTLS_SHIM_BLINDSPOT_H

/*
 * Writes one blind_spot record for the libpq copy loaded at BASE from the
 * file LIBPQ, saying WHY, to the policy's sink; at most once per copy in
 * this process.  Preserves errno.
 */
void blind_spot(const char *libpq, const void *base, const char *why);

#endif
