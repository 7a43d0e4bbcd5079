/*
 * nosigpipe.c
 *	  A write that cannot kill the host process with SIGPIPE: block it,
 *	  write, consume the one this write raised, restore the mask (libpq's
 *	  pq_block_sigpipe / pq_reset_sigpipe).  A SIGPIPE already pending
 *	  before the write is the application's: it stays pending.
 */
#include "nosigpipe.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

ssize_t
write_nosigpipe(int fd, const void *buf, size_t len)
{
	sigset_t pipe_only;
	sigset_t old;
	sigset_t pending;
	bool was_pending = false;
	bool blocked;
	ssize_t n;
	int err;

	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	blocked = pthread_sigmask(SIG_BLOCK, &pipe_only, &old) == 0;
	if (blocked && sigpending(&pending) == 0)
		was_pending = sigismember(&pending, SIGPIPE) == 1;
	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	err = errno;
	if (blocked && n < 0 && err == EPIPE && !was_pending)
	{
		static const struct timespec zero = {0, 0};

		while (sigtimedwait(&pipe_only, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	if (blocked)
		(void) pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return n;
}
