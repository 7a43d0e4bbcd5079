/*
 * process.c
 *	  In other people's processes: part of the preloaded library only.
 *	  The environment is read with secure_getenv (a setuid program ignores
 *	  it), once, under pthread_once, at the first connection, and copied: a
 *	  daemon may write its process title over it.  The two variables are
 *	  also noted earlier, when the process is seen loading a module with
 *	  libpq (process_settle): a daemon that empties its workers' environment
 *	  after that (php-fpm's clear_env) still has them; a value set by the
 *	  time of the first connection wins.  The unit (cgroup.h) is read then
 *	  too, once: a forked child keeps it, as it keeps the parent's cgroup.
 */
#include "process.h"

#include "cgroup.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy_path.h"
#include "upcalls.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static char early_policy[PATH_MAX]; /* PGTLS_SHIM_POLICY as first seen */
static bool early_named;
static int early_on_error; /* PGTLS_SHIM_ON_ERROR as first seen: 0 unset, 1 allow, 2 other */
static char policy_copy[PATH_MAX];
static const char *policy_path = DEFAULT_POLICY;
static bool policy_named;
static bool on_error_allow;
static char program[PATH_MAX];
static char script[PATH_MAX];
static char hostname[256];
static char unit[256];

/* Interpreters whose first non-option argument is the program that runs
 * (arrays, not pointers: no relocation at start-up). */
static const char interpreters[][8] = {"python", "perl", "ruby", "php",	 "node", "nodejs", "tclsh",
									   "wish",	 "sh",	 "bash", "dash", "zsh",	 "ksh"};

static bool
is_interpreter(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (size_t i = 0; i < sizeof(interpreters) / sizeof(interpreters[0]); i++)
	{
		size_t n = strlen(interpreters[i]);

		/* python3, python3.11, perl5.36, php8.2: the name, then a version */
		if (strncmp(base, interpreters[i], n) == 0 &&
			strspn(base + n, "0123456789.") == strlen(base + n))
			return true;
	}
	return false;
}

/*
 * For an interpreter, the script it runs: the first argument that is not
 * an option, made absolute; none for "-c CODE", "-m MODULE", "-e CODE" or
 * standard input.  /proc/self/cmdline is a regular file: reading it never
 * blocks.
 */
static void
find_script(void)
{
	char args[8192];
	ssize_t n;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	const char *a;

	if (fd < 0)
		return;
	n = read(fd, args, sizeof(args) - 1);
	close(fd);
	if (n <= 0)
		return;
	args[n] = '\0';
	for (a = args + strlen(args) + 1; a < args + n; a += strlen(a) + 1)
	{
		if (strcmp(a, "-c") == 0 || strcmp(a, "-m") == 0 || strcmp(a, "-e") == 0 ||
			strcmp(a, "-") == 0)
			return;
		if (a[0] != '-')
			break;
	}
	if (a < args + n && realpath(a, script) == NULL)
		script[0] = '\0';
}

/* VALUE (set, non-empty) into a PATH_MAX buffer: a name no file has when too long. */
static void
copy_path(char *buf, const char *value)
{
	if (strlen(value) < PATH_MAX)
		memcpy(buf, value, strlen(value) + 1);
	else
	{
		static const char too_long[] = "(" PGS_ENV_POLICY " longer than PATH_MAX)";

		memcpy(buf, too_long, sizeof(too_long)); /* a name no file has: fails closed */
	}
}

/* The two variables as first seen (see process_settle). */
static void
note_environment(void)
{
	const char *p = secure_getenv(PGS_ENV_POLICY);
	const char *e = secure_getenv(PGS_ENV_ON_ERROR);

	if (p != NULL && p[0] != '\0')
	{
		copy_path(early_policy, p);
		early_named = true;
	}
	early_on_error = e == NULL ? 0 : strcmp(e, "allow") == 0 ? 1 : 2;
}

static void
init(void)
{
	const char *p = secure_getenv(PGS_ENV_POLICY);
	const char *e = secure_getenv(PGS_ENV_ON_ERROR);
	ssize_t n;

	pthread_once(&env_once, note_environment);
	if (p != NULL && p[0] != '\0')
	{
		copy_path(policy_copy, p);
		policy_path = policy_copy;
		policy_named = true;
	}
	else if (early_named) /* emptied since (php-fpm's clear_env): as seen then */
	{
		policy_path = early_policy;
		policy_named = true;
	}
	on_error_allow = e != NULL ? strcmp(e, "allow") == 0 : early_on_error == 1;
	n = readlink("/proc/self/exe", program, sizeof(program) - 1);
	program[n > 0 ? n : 0] = '\0';
	if (program[0] && is_interpreter(program))
		find_script();
	if (gethostname(hostname, sizeof(hostname) - 1) != 0)
		hostname[0] = '\0';
	if (!cgroup_unit(unit, sizeof(unit)))
		unit[0] = '\0';
}

void
process_settle(void)
{
	pthread_once(&env_once, note_environment);
}

const char *
process_policy_path(bool *named)
{
	pthread_once(&once, init);
	*named = policy_named;
	return policy_path;
}

bool
process_on_error_allow(void)
{
	pthread_once(&once, init);
	return on_error_allow;
}

const char *
process_program(void)
{
	pthread_once(&once, init);
	return program[0] ? program : NULL;
}

const char *
process_script(void)
{
	pthread_once(&once, init);
	return script[0] ? script : NULL;
}

void
process_origin(struct pgs_origin *o)
{
	pthread_once(&once, init);
	o->pid = getpid();
	o->program = program[0] ? program : NULL;
	o->script = script[0] ? script : NULL;
	o->hostname = hostname[0] ? hostname : NULL;
	o->unit = unit[0] ? unit : NULL;
}
