/*
 * pqthreads.c
 *	  Concurrency client for the integration tests.
 *	  pqthreads threads N M CONNINFO: N threads each open and close M
 *	    connections; prints "ok K" with the number that connected.
 *	  pqthreads fork CONNINFO: connects, forks; parent and child each connect
 *	    again; prints one line per process.
 *	  pqthreads rss N CONNINFO: N connections one after another; prints the
 *	    resident set size (KiB) after N/10 and after N: "rss WARM END".
 *	  pqthreads until N CONNINFO: N threads open and close connections, one
 *	    after another, until standard input reaches end of file (each thread
 *	    at least once); prints "ok K bad B".  The test decides how long.
 *	  pqthreads forks N F CONNINFO CHILD_CONNINFO: N threads open and close
 *	    connections to CONNINFO while the main thread forks F times, one
 *	    child at a time; each child opens one connection to CHILD_CONNINFO
 *	    and _exits, 0 when it connected (CHILD_CONNINFO "-": the child only
 *	    _exits 0, for the sanitizers' runtimes, which can deadlock in a
 *	    child's malloc after a threaded fork).  The parent
 *	    waits for each child at most CHILD_DEADLINE_S seconds (polling), then
 *	    kills it and forks no more.  The main thread first connects once to
 *	    CHILD_CONNINFO itself (see below).  Prints "ok K bad B children C failed X
 *	    hung H": K and B count the threads' connections, C the children
 *	    forked, X those that exited other than 0, H those killed.
 *	  Exit 0 when every connection succeeded (and every child exited 0).
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pqcommon.h"

static const char *conninfo;
static int per_thread;
static atomic_int ok_count;
static atomic_int bad_count;
static atomic_bool stop;
static atomic_int started; /* threads that finished their first connection */

#define CHILD_DEADLINE_S 20

static void
one(void)
{
	PGconn *conn = PQconnectdb(conninfo);

	if (PQstatus(conn) == CONNECTION_OK)
		atomic_fetch_add(&ok_count, 1);
	else
	{
		if (atomic_fetch_add(&bad_count, 1) == 0)
			fprintf(stderr, "%s", PQerrorMessage(conn));
	}
	PQfinish(conn);
}

static long
rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	while (f && fgets(line, sizeof(line), f))
	{
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = atol(line + 6);
	}
	if (f)
		fclose(f);
	return kib;
}

static void *
worker(void *arg)
{
	(void) arg;
	for (int i = 0; i < per_thread; i++)
		one();
	return NULL;
}

/* Connects until told to stop, at least once. */
static void *
looper(void *arg)
{
	(void) arg;
	one();
	atomic_fetch_add(&started, 1);
	while (!atomic_load(&stop))
		one();
	return NULL;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
pause_ms(int ms)
{
	struct timespec ts = {0, (long) ms * 1000000L};

	nanosleep(&ts, NULL);
}

/* Starts N looper threads and waits (deadline 60 s) until each connected once. */
static pthread_t *
start_loopers(int n)
{
	pthread_t *t = calloc((size_t) n, sizeof(*t));
	double deadline = now_s() + 60;

	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, looper, NULL);
	while (atomic_load(&started) < n && now_s() < deadline)
		pause_ms(5);
	return t;
}

static void
stop_loopers(pthread_t *t, int n)
{
	atomic_store(&stop, true);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
}

/*
 * Waits for child PID at most CHILD_DEADLINE_S seconds, polling; kills it
 * past that.  Returns 0 when it exited 0, 1 when it ended otherwise, 2 when
 * it was killed.
 */
static int
wait_child(pid_t pid)
{
	double deadline = now_s() + CHILD_DEADLINE_S;
	int status = 0;

	for (;;)
	{
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
		if (r < 0)
			return 1;
		if (now_s() > deadline)
		{
			/* Where it hangs, for the failure message, when gdb is there. */
			char cmd[160];

			snprintf(cmd, sizeof(cmd),
					 "command -v gdb >/dev/null && env -u LD_PRELOAD timeout 60 gdb -p %d -batch"
					 " -ex bt 2>/dev/null"
					 " | grep '^#' >&2",
					 (int) pid);
			fprintf(stderr, "child %d hung; its stack:\n", (int) pid);
			fflush(stderr);
			if (system(cmd) != 0)
				fprintf(stderr, "(no stack: gdb missing or failed)\n");
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return 2;
		}
		pause_ms(2);
	}
}

int
main(int argc, char **argv)
{
	pqc_set_locale();

	if (argc == 5 && strcmp(argv[1], "threads") == 0)
	{
		int n = atoi(argv[2]);
		pthread_t *t = calloc((size_t) n, sizeof(*t));

		per_thread = atoi(argv[3]);
		conninfo = argv[4];
		for (int i = 0; i < n; i++)
			pthread_create(&t[i], NULL, worker, NULL);
		for (int i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		printf("ok %d bad %d\n", atomic_load(&ok_count), atomic_load(&bad_count));
		free(t);
		return atomic_load(&bad_count) != 0;
	}
	if (argc == 3 && strcmp(argv[1], "fork") == 0)
	{
		pid_t pid;
		int status = 0;

		conninfo = argv[2];
		one();
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			return 2;
		one();
		printf("%s ok %d bad %d\n", pid == 0 ? "child" : "parent", atomic_load(&ok_count),
			   atomic_load(&bad_count));
		fflush(stdout);
		if (pid == 0)
			_exit(atomic_load(&bad_count) != 0);
		waitpid(pid, &status, 0);
		return atomic_load(&bad_count) != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	if (argc == 4 && strcmp(argv[1], "rss") == 0)
	{
		int n = atoi(argv[2]);
		long warm = 0;

		conninfo = argv[3];
		for (int i = 1; i <= n; i++)
		{
			one();
			if (i == n / 10)
				warm = rss_kib();
		}
		printf("rss %ld %ld\n", warm, rss_kib());
		return atomic_load(&bad_count) != 0;
	}
	if (argc == 4 && strcmp(argv[1], "until") == 0)
	{
		/* Connect until stdin closes: the test swaps policies meanwhile. */
		int n = atoi(argv[2]);
		pthread_t *t;
		char buf[256];

		conninfo = argv[3];
		t = start_loopers(n);
		while (fread(buf, 1, sizeof(buf), stdin) > 0)
			;
		stop_loopers(t, n);
		printf("ok %d bad %d\n", atomic_load(&ok_count), atomic_load(&bad_count));
		return atomic_load(&bad_count) != 0;
	}
	if (argc == 6 && strcmp(argv[1], "forks") == 0)
	{
		/* Fork while other threads are inside the shim's connect and log. */
		int n = atoi(argv[2]);
		int forks = atoi(argv[3]);
		int children = 0, failed = 0, hung = 0;
		pthread_t *t;

		conninfo = argv[4];
		/*
		 * One connection to CHILD_CONNINFO first: libpq looks up its
		 * translated "connection to server on socket" message on every
		 * attempt, and a child that is the first to look it up inserts it
		 * into glibc gettext's cache under a write lock the parent's
		 * threads may hold, as readers, at the fork (a hang without the
		 * shim, under a translated locale).  Not what this test is about.
		 */
		if (strcmp(argv[5], "-") != 0)
			PQfinish(PQconnectdb(argv[5]));
		t = start_loopers(n);
		for (int i = 0; i < forks && hung == 0; i++)
		{
			pid_t pid;
			int r;

			fflush(stdout);
			fflush(stderr);
			pid = fork();
			if (pid < 0)
			{
				failed++;
				break;
			}
			if (pid == 0 && strcmp(argv[5], "-") == 0)
				_exit(0);
			if (pid == 0)
			{
				PGconn *conn = PQconnectdb(argv[5]);
				int ok = PQstatus(conn) == CONNECTION_OK;

				if (!ok)
					fprintf(stderr, "child: %s", PQerrorMessage(conn));
				PQfinish(conn);
				_exit(ok ? 0 : 1);
			}
			children++;
			r = wait_child(pid);
			failed += r == 1;
			hung += r == 2;
		}
		stop_loopers(t, n);
		printf("ok %d bad %d children %d failed %d hung %d\n", atomic_load(&ok_count),
			   atomic_load(&bad_count), children, failed, hung);
		return atomic_load(&bad_count) != 0 || failed != 0 || hung != 0;
	}
	fprintf(stderr, "usage: pqthreads threads N M CONNINFO | fork CONNINFO | rss N CONNINFO"
					" | until N CONNINFO | forks N F CONNINFO CHILD_CONNINFO\n");
	return 2;
}
