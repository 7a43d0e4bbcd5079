/*
 * report_read.c
 *	  The input of `pgtls-shim report`: each LOG file read by the log tools'
 *	  line reader (plain, gzip, standard input) and folded line by line.
 *	  A large plain file is cut into as many byte ranges as there are
 *	  threads (a line belongs to the range it starts in); files and ranges
 *	  are read THREADS at a time, each into a summary of its own, merged in
 *	  the input's order, so the output does not depend on the threads.
 *	  Memory: one summary per thread (groups, not records) and one block of
 *	  input each.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logline.h"
#include "report.h"
#include "summary.h"

#define SPLIT_MIN	((int64_t) 16 << 20) /* below this a file is read by one thread */
#define MAX_THREADS 8

/* One file, or one range of one. */
struct job
{
	const char *path;
	bool range;
	int64_t start, stop;
	struct report *part; /* what it read */
	bool ok;
	char error[512];
};

/* Reads the lines of L into R; false with J's error set when reading fails. */
static bool
fold_lines(struct report *r, struct logline *l, struct job *j)
{
	char *line;
	size_t len;
	int got;

	while ((got = ll_next(l, &line, &len)) == 1)
		if (!report_line(r, line, len))
		{
			snprintf(j->error, sizeof(j->error), "pgtls-shim: reading %s: out of memory", l->name);
			return false;
		}
	if (got < 0)
		snprintf(j->error, sizeof(j->error), "pgtls-shim: reading %s: %s", l->name, l->error);
	return got == 0;
}

static void *
run_job(void *arg)
{
	struct job *j = arg;
	struct logline l;
	bool opened = j->range ? ll_open_range(&l, j->path, j->start, j->stop) : ll_open(&l, j->path);

	if (!opened)
		snprintf(j->error, sizeof(j->error), "pgtls-shim: cannot open %s: %s", l.name, l.error);
	j->ok = opened && j->part != NULL && fold_lines(j->part, &l, j);
	if (j->part == NULL)
		snprintf(j->error, sizeof(j->error), "pgtls-shim: out of memory");
	ll_close(&l);
	return NULL;
}

/* The jobs for PATHS: a plain file of at least SPLIT_MIN bytes in THREADS ranges. */
static struct job *
make_jobs(char *const *paths, int n, int threads, int *njobs)
{
	struct job *v = calloc((size_t) n * (size_t) threads, sizeof(*v));
	int k = 0;

	for (int i = 0; v != NULL && i < n; i++)
	{
		int64_t size = 0;
		int parts =
			(threads > 1 && ll_plain_file(paths[i], &size) && size >= SPLIT_MIN) ? threads : 1;

		for (int p = 0; p < parts; p++, k++)
		{
			v[k].path = paths[i];
			v[k].range = parts > 1;
			v[k].start = size * p / parts;
			v[k].stop = p == parts - 1 ? -1 : size * (p + 1) / parts;
		}
	}
	*njobs = k;
	return v;
}

/* Runs JOBS[0..N) at once (the first in this thread) and merges them into R in order. */
static bool
run_batch(struct report *r, struct job *jobs, int n)
{
	pthread_t tid[MAX_THREADS];
	bool started[MAX_THREADS] = {false};
	bool ok = true;

	for (int i = 0; i < n; i++)
		jobs[i].part = report_like(r);
	for (int i = 1; i < n; i++)
		started[i] = pthread_create(&tid[i], NULL, run_job, &jobs[i]) == 0;
	run_job(&jobs[0]);
	for (int i = 1; i < n; i++)
	{
		if (started[i])
			pthread_join(tid[i], NULL);
		else
			run_job(&jobs[i]);
	}
	for (int i = 0; i < n; i++)
	{
		if (ok && !jobs[i].ok)
			fprintf(stderr, "%s\n", jobs[i].error);
		ok = ok && jobs[i].ok;
		if (ok && !report_merge(r, jobs[i].part))
		{
			fprintf(stderr, "pgtls-shim: out of memory\n");
			ok = false;
		}
		report_free(jobs[i].part);
	}
	return ok;
}

bool
report_read_paths(struct report *r, char *const *paths, int n, int threads)
{
	struct job *jobs;
	int njobs = 0;
	bool ok = true;

	threads = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
	if ((jobs = make_jobs(paths, n, threads, &njobs)) == NULL)
	{
		fprintf(stderr, "pgtls-shim: out of memory\n");
		return false;
	}
	for (int i = 0, n; ok && i < njobs; i += n)
	{
		/* At most THREADS at once, and standard input read by one of them only. */
		bool std = false;

		for (n = 0; i + n < njobs && n < threads; n++)
		{
			if (strcmp(jobs[i + n].path, "-") == 0 && std)
				break;
			std |= strcmp(jobs[i + n].path, "-") == 0;
		}
		ok = run_batch(r, jobs + i, n);
	}
	free(jobs);
	return ok;
}

bool
report_read_mem(struct report *r, const void *data, size_t n)
{
	struct logline l;
	struct job j = {0};
	bool ok = ll_open_mem(&l, data, n) && fold_lines(r, &l, &j);

	ll_close(&l);
	return ok;
}
