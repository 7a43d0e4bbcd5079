/*
 * process.c
 *	  The environment is read with secure_getenv (a setuid program ignores
 *	  it), once, under pthread_once.
 */
#include "process.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_POLICY "/etc/pgtls-shim/policy.conf"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *policy_path = DEFAULT_POLICY;
static bool policy_named;
static bool on_error_allow;
static char program[PATH_MAX];

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
