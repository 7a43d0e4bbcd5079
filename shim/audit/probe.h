/*
 * probe.h
 *	  The audit probe: for a connection that used no TLS, the shim's own short
 *	  TLS handshake with the same server, to see the chain enforcement would
 *	  have to verify.
 */
#ifndef PGTLS_SHIM_PROBE_H
#define PGTLS_SHIM_PROBE_H

#include "inspect.h"

/*
 * Connects to ADDR (or HOST when ADDR is empty) on PORT, sends PostgreSQL's
 * SSLRequest, completes a TLS handshake with SNI HOST, and fills obs->tls,
 * obs->protocol and obs->chain; on failure obs->error says why.  Never takes
 * longer than TIMEOUT_MS in all (a host name lookup aside).  Uses the
 * shim's own libssl, loaded on first use.  Free *obs with observed_free.
 */
void probe_server(const char *host, const char *addr, const char *port, int timeout_ms,
				  struct pgs_observed *obs);

#endif
