/*
 * runtime.c
 *	  Owns the current policy snapshot.  Nothing happens at load time: the
 *	  first connection runs init() once (pthread_once).  A new policy is built
 *	  completely (parsed, validated, its sink opened), then swapped in under
 *	  `lock`; readers hold references, so a snapshot is freed only when the
 *	  last connection decided under it is done.
 */
#include "runtime.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conns.h"
#include "real.h"
#include "record.h"

#define DEFAULT_POLICY "/etc/pgtls-shim/policy.conf"

struct file_sig
{
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct timespec ctime;
	uid_t uid;
	mode_t mode;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *policy_path = DEFAULT_POLICY;
static bool policy_named;
static bool on_error_allow;
static char program[PATH_MAX];
static struct snapshot *current;
static struct file_sig current_sig;
static bool loaded;

/* Returned when even a snapshot cannot be allocated: refuse or allow. */
static struct snapshot oom_snapshot = {.error = "out of memory"};

static void
atfork_prepare(void)
{
	pthread_mutex_lock(&lock);
	conns_atfork_prepare();
	real_atfork_prepare();
}

static void
atfork_parent(void)
{
	real_atfork_parent();
	conns_atfork_parent();
	pthread_mutex_unlock(&lock);
}

static void
atfork_child(void)
{
	real_atfork_child();
	conns_atfork_child();
	pthread_mutex_unlock(&lock);
}

static void
init(void)
{
	const char *p = secure_getenv("PGTLS_SHIM_POLICY");
	const char *e = secure_getenv("PGTLS_SHIM_ON_ERROR");
	ssize_t n;

	if (p != NULL && p[0] != '\0')
	{
		policy_path = p;
		policy_named = true;
	}
	on_error_allow = e != NULL && strcmp(e, "allow") == 0;
	n = readlink("/proc/self/exe", program, sizeof(program) - 1);
	program[n > 0 ? n : 0] = '\0';
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

const char *
runtime_program(void)
{
	pthread_once(&once, init);
	return program[0] ? program : NULL;
}

bool
runtime_on_error_allow(void)
{
	pthread_once(&once, init);
	return on_error_allow;
}

int64_t
runtime_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double
runtime_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1000.0 + (double) ts.tv_nsec / 1e6;
}

static void
read_sig(struct file_sig *sig)
{
	struct stat st;

	memset(sig, 0, sizeof(*sig));
	if (stat(policy_path, &st) != 0)
		return;
	sig->exists = true;
	sig->dev = st.st_dev;
	sig->ino = st.st_ino;
	sig->size = st.st_size;
	sig->mtime = st.st_mtim;
	sig->ctime = st.st_ctim;
	sig->uid = st.st_uid;
	sig->mode = st.st_mode;
}

static bool
same_sig(const struct file_sig *a, const struct file_sig *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
		   a->uid == b->uid && a->mode == b->mode && a->mtime.tv_sec == b->mtime.tv_sec &&
		   a->mtime.tv_nsec == b->mtime.tv_nsec && a->ctime.tv_sec == b->ctime.tv_sec &&
		   a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* Joins the messages of ERRS with "; " into a malloc'd string. */
static char *
join_errors(const struct pgs_errors *errs)
{
	size_t len = 1;
	char *s;

	if (errs->n == 0)
		return strdup(errs->oom ? "out of memory" : "unknown error");
	for (size_t i = 0; i < errs->n; i++)
		len += strlen(errs->msg[i]) + 2;
	s = malloc(len);
	if (s == NULL)
		return NULL;
	len = 0;
	for (size_t i = 0; i < errs->n; i++)
	{
		size_t n = strlen(errs->msg[i]);

		if (i > 0)
		{
			memcpy(s + len, "; ", 2);
			len += 2;
		}
		memcpy(s + len, errs->msg[i], n);
		len += n;
	}
	s[len] = '\0';
	return s;
}

static void
log_policy_error(struct snapshot *snap, const char *error)
{
	struct jbuf b;

	jb_init(&b);
	if (record_policy_error(runtime_now_ms(), getpid(), runtime_program(), error, &b))
		sink_write(snap->sink, b.p, b.len);
	jb_free(&b);
}

/* Builds the snapshot for the file as it is now; NULL keeps the current one. */
static struct snapshot *
build(const struct file_sig *sig)
{
	struct snapshot *snap = calloc(1, sizeof(*snap));
	struct pgs_errors errs = {0};
	bool missing = false;

	if (snap == NULL)
		return NULL;
	atomic_init(&snap->refs, 1);
	if (!sig->exists && !policy_named)
		return snap; /* no policy at the default path: inert */
	snap->policy = policy_load(policy_path, &errs, &missing);
	if (snap->policy != NULL)
	{
		snap->sink = sink_open(&snap->policy->log);
		errors_free(&errs);
		return snap;
	}
	if (missing && !policy_named)
	{
		errors_free(&errs);
		return snap;
	}
	snap->error = join_errors(&errs);
	errors_free(&errs);
	if (current != NULL && current->policy != NULL && !missing)
	{
		/* An invalid new file: keep the last good policy, and say so. */
		if (snap->error)
			log_policy_error(current, snap->error);
		free(snap->error);
		free(snap);
		return NULL;
	}
	if (snap->error == NULL)
	{
		free(snap);
		return NULL;
	}
	return snap;
}

struct snapshot *
runtime_acquire(void)
{
	struct file_sig sig;
	struct snapshot *snap;

	pthread_once(&once, init);
	pthread_mutex_lock(&lock);
	read_sig(&sig);
	if (!loaded || !same_sig(&sig, &current_sig))
	{
		struct snapshot *next = build(&sig);

		if (next != NULL)
		{
			if (current != NULL)
				runtime_release(current);
			current = next;
		}
		current_sig = sig;
		loaded = current != NULL;
	}
	snap = current ? current : &oom_snapshot;
	if (snap != &oom_snapshot)
		atomic_fetch_add(&snap->refs, 1);
	pthread_mutex_unlock(&lock);
	return snap;
}

void
runtime_release(struct snapshot *snap)
{
	if (snap == NULL || snap == &oom_snapshot)
		return;
	if (atomic_fetch_sub(&snap->refs, 1) != 1)
		return;
	sink_close(snap->sink);
	policy_free(snap->policy);
	free(snap->error);
	free(snap);
}
