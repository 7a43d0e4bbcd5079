/*
 * nosigpipe.h
 *	  write() to a descriptor that may be a pipe or a socket (stderr) without
 *	  raising SIGPIPE in the host process, as libpq does for its socket
 *	  (fe-secure.c: pq_block_sigpipe / pq_reset_sigpipe).
 */
#ifndef PGTLS_SHIM_NOSIGPIPE_H
#define PGTLS_SHIM_NOSIGPIPE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * write(FD, BUF, LEN), retried on EINTR, with SIGPIPE blocked in this thread:
 * a SIGPIPE the write raises (and that was not pending before) is consumed,
 * and the thread's signal mask is restored.  Returns write()'s result; errno
 * is write()'s (EPIPE for a pipe whose reader is gone).
 */
ssize_t write_nosigpipe(int fd, const void *buf, size_t len);

#endif
