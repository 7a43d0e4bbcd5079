/*
 * pqthreads.c
 *	  Concurrency client for the integration tests.
 *	  pqthreads threads N M CONNINFO: N threads each open and close M
 *	    connections; prints "ok K" with the number that connected.
 *	  pqthreads fork CONNINFO: connects, forks; parent and child each connect
 *	    again; prints one line per process.
 *	  pqthreads rss N CONNINFO: N connections one after another; prints the
 *	    resident set size (KiB) after N/10 and after N: "rss WARM END".
 *	  Exit 0 when every connection succeeded.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

static const char *conninfo;
static int per_thread;
static atomic_int ok_count;
static atomic_int bad_count;

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

int
main(int argc, char **argv)
{
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
	fprintf(stderr, "usage: pqthreads threads N M CONNINFO | fork CONNINFO | rss N CONNINFO\n");
	return 2;
}
