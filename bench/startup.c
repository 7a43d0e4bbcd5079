/*
 * startup.c
 *	  startup N LIB: runs /bin/true N times with LD_PRELOAD=LIB and N times
 *	  without, alternately, and prints the median wall time of each in
 *	  microseconds: "with WITH without WITHOUT".
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double
run(char **envp)
{
	char *argv[] = {"/bin/true", NULL};
	struct timespec a;
	struct timespec b;
	pid_t pid;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &a);
	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, envp) != 0)
		return -1;
	waitpid(pid, &status, 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double) (b.tv_sec - a.tv_sec) * 1e6 + (double) (b.tv_nsec - a.tv_nsec) / 1e3;
}

static int
cmp(const void *x, const void *y)
{
	double a = *(const double *) x;
	double b = *(const double *) y;

	return (a > b) - (a < b);
}

int
main(int argc, char **argv)
{
	int n;
	double *with;
	double *without;
	char preload[4096];
	char *env_with[] = {preload, "PGTLS_SHIM_POLICY=/nonexistent", NULL};
	char *env_without[] = {"PGTLS_SHIM_POLICY=/nonexistent", NULL};

	if (argc != 3)
		return 2;
	n = atoi(argv[1]);
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", argv[2]);
	with = calloc((size_t) n, sizeof(double));
	without = calloc((size_t) n, sizeof(double));
	for (int i = 0; i < n; i++)
	{
		with[i] = run(env_with);
		without[i] = run(env_without);
	}
	qsort(with, (size_t) n, sizeof(double), cmp);
	qsort(without, (size_t) n, sizeof(double), cmp);
	printf("with %.1f without %.1f\n", with[n / 2], without[n / 2]);
	free(with);
	free(without);
	return 0;
}
