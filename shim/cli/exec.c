/*
 * exec.c
 *	  pgtls-shim exec [--policy FILE] -- COMMAND [ARG...]: checks the policy,
 *	  puts the library (found at ../lib/libpgtls-shim.so from this program)
 *	  first in LD_PRELOAD, keeping what is there, sets PGTLS_SHIM_POLICY and
 *	  execs COMMAND.  Exit 2 when the policy is invalid; 127 when COMMAND
 *	  cannot be run.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmdopt.h"
#include "policy.h"
#include "policy_path.h"

#ifndef PGTLS_LIBDIR_FROM_BINDIR
#define PGTLS_LIBDIR_FROM_BINDIR "../lib"
#endif

const char cli_usage_exec[] =
	"usage: pgtls-shim exec [--policy FILE] -- COMMAND [ARG...]\n"
	"  Checks the policy (FILE, else $PGTLS_SHIM_POLICY, else\n"
	"  /etc/pgtls-shim/policy.conf), puts the library first in LD_PRELOAD, sets\n"
	"  PGTLS_SHIM_POLICY and runs COMMAND.  Exit 2 when the policy is invalid.\n";

/*
 * Finds the library relative to this executable: ../lib/ when installed,
 * or the libdir it was built for (../lib/<triplet> in the Debian package),
 * the same directory in a build tree.  False if it is in none.
 */
bool
cli_find_library(char out[PATH_MAX])
{
	static const char *const rel[] = {"../lib/libpgtls-shim.so",
									  PGTLS_LIBDIR_FROM_BINDIR "/libpgtls-shim.so",
									  "libpgtls-shim.so"};
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	const char *dir;

	if (n <= 0)
		return false;
	self[n] = '\0';
	dir = dirname(self);
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++)
	{
		char path[PATH_MAX * 2];

		snprintf(path, sizeof(path), "%s/%s", dir, rel[i]);
		if (realpath(path, out) != NULL && access(out, R_OK) == 0)
			return true;
	}
	return false;
}

/*
 * PATH made absolute, but not resolved: symbolic links are followed at each
 * check by the library, so that a ConfigMap mount (policy.conf ->
 * ..data/policy.conf, ..data swapped atomically) reloads instead of
 * pointing at a directory the kubelet deletes.
 */
static bool
absolute_path(const char *path, char out[PATH_MAX])
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return snprintf(out, PATH_MAX, "%s", path) < PATH_MAX;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return false;
	return snprintf(out, PATH_MAX, "%s/%s", cwd, path) < PATH_MAX;
}

/* LD_PRELOAD with LIB first, without a second copy of it. */
static char *
preload_value(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *val;

	if (old == NULL || old[0] == '\0')
		return strdup(lib);
	if (strstr(old, lib) != NULL)
		return strdup(old);
	if (asprintf(&val, "%s:%s", lib, old) < 0)
		return NULL;
	return val;
}

/*
 * Loads the policy at PATH and checks it as `check` does (its warnings are
 * for `check`); true when it holds no error, else false with the errors
 * printed on stderr.
 */
static bool
policy_passes(const char *path)
{
	struct pgs_errors errs = {0};
	struct pgs_policy *policy = policy_load(path, &errs, NULL);
	int warnings;
	bool ok = policy != NULL;

	if (!ok)
		cli_print_errors(&errs);
	else
		ok = lint_policy(policy, true, &warnings);
	policy_free(policy);
	errors_free(&errs);
	return ok;
}

/*
 * Puts LIB first in LD_PRELOAD (keeping what is there) and the policy's
 * absolute path ABS in PGTLS_SHIM_POLICY; false, with a message, on failure.
 */
static bool
set_environment(const char *lib, const char *abs)
{
	char *preload = preload_value(lib);
	bool ok = preload != NULL && setenv("LD_PRELOAD", preload, 1) == 0 &&
			  setenv(PGS_ENV_POLICY, abs, 1) == 0;

	if (!ok)
		fprintf(stderr, "pgtls-shim: cannot set the environment: %s\n", strerror(errno));
	free(preload);
	return ok;
}

int
cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"policy", required_argument, NULL, 'P'}, CMDOPT_HELP, {NULL, 0, NULL, 0}};
	/* In order: the COMMAND's own flags are not ours; "--" ends ours. */
	const struct cmdopt c = {"exec", cli_usage_exec, opts, true};
	const char *policy_arg = NULL;
	int i, ch, status = 2;
	char lib[PATH_MAX];
	char abs[PATH_MAX];
	const char *path;

	cmdopt_begin();
	while ((ch = cmdopt_next(&c, argc, argv, &status)) != -1)
	{
		if (ch == CMDOPT_EXIT)
			return status;
		policy_arg = optarg; /* --policy, the only option */
	}
	if (optind >= argc)
		return cmdopt_error(&c, "a COMMAND to run is needed");
	i = optind;
	path = cli_policy_path(policy_arg);
	if (!policy_passes(path))
		return 2;
	if (!cli_find_library(lib))
	{
		fprintf(stderr, "pgtls-shim: cannot find libpgtls-shim.so next to this program\n");
		return 2;
	}
	if (!absolute_path(path, abs))
	{
		fprintf(stderr, "pgtls-shim: policy path too long: %s\n", path);
		return 2;
	}
	if (!set_environment(lib, abs))
		return 2;
	cli_warn_unreachable(argv[i]);
	execvp(argv[i], argv + i);
	fprintf(stderr, "pgtls-shim: cannot run %s: %s\n", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
