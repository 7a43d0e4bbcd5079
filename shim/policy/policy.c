/*
 * policy.c
 *	  Compiles a policy file (libconfig syntax) into a struct pgs_policy.
 *	  Owns the whole of that struct: every string, rule and pattern is
 *	  allocated from one arena that policy_free releases, and the config_t is
 *	  gone before policy_parse_text returns, so no libconfig type leaves this
 *	  file.  Validation is strict (a typo in a security policy must not be
 *	  ignored) and goes on after an error, so that every problem is reported
 *	  at once, each as "FILE:LINE: message".
 */
#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgapi.h"
#include "policy_compile.h"

#define MAX_POLICY_BYTES ((size_t) 1024 * 1024)

/* The policy and the arena behind it; callers see only `pub`. */
struct policy_owner
{
	struct pgs_policy pub;
	struct arena arena;
};

void *
arena_alloc(struct arena *a, size_t size)
{
	void *p;
	void **grown;

	if (a->n == a->cap)
	{
		size_t cap = a->cap ? a->cap * 2 : 64;

		grown = realloc(a->ptrs, cap * sizeof(*grown));
		if (grown == NULL)
			return NULL;
		a->ptrs = grown;
		a->cap = cap;
	}
	p = calloc(1, size ? size : 1);
	if (p != NULL)
		a->ptrs[a->n++] = p;
	return p;
}

static void
arena_free(struct arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->ptrs[i]);
	free(a->ptrs);
	memset(a, 0, sizeof(*a));
}

void
policy_free(struct pgs_policy *policy)
{
	struct policy_owner *o = (struct policy_owner *) policy;

	if (o == NULL)
		return;
	arena_free(&o->arena);
	free(o);
}

struct pgs_policy *
policy_parse_text(const char *text, const char *path, struct pgs_errors *errs)
{
	char why[256];
	struct policy_owner *o = calloc(1, sizeof(*o));
	const struct cfg_api *lib;
	config_t conf;
	bool ok;

	if (o == NULL)
	{
		errors_add(errs, "%s: out of memory", path);
		return NULL;
	}
	if ((lib = cfg_acquire(why, sizeof(why))) == NULL)
	{
		errors_add(errs, "%s: %s", path, why);
		free(o);
		return NULL;
	}
	/* libconfig is held from here to the one cfg_release below. */
	lib->init(&conf);
	ok = lib->read_string(&conf, text) == CONFIG_TRUE;
	if (!ok)
		errors_add(errs, "%s:%d: %s", path, config_error_line(&conf), config_error_text(&conf));
	else
		ok = policy_compile(config_root_setting(&conf), path, &o->arena, &o->pub, errs);
	lib->destroy(&conf);
	cfg_release();
	if (!ok)
	{
		policy_free(&o->pub);
		return NULL;
	}
	return &o->pub;
}

bool
policy_check_file(int fd, const char *path, uid_t euid, struct pgs_errors *errs)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
	{
		errors_add(errs, "%s: cannot stat: %s", path, strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode))
	{
		errors_add(errs, "%s: not a regular file", path);
		return false;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH))
	{
		errors_add(errs, "%s: unsafe permissions %04o: writable by group or others", path,
				   (unsigned) (st.st_mode & 07777));
		return false;
	}
	if (st.st_uid != 0 && st.st_uid != euid)
	{
		errors_add(errs, "%s: unsafe owner: uid %u is neither root nor this process's user", path,
				   (unsigned) st.st_uid);
		return false;
	}
	return true;
}

/*
 * Reads all of FD (at most MAX_POLICY_BYTES) into a malloc'd NUL-terminated
 * buffer; NULL with an error appended on failure.
 */
static char *
read_all(int fd, const char *path, struct pgs_errors *errs)
{
	size_t len = 0;
	size_t cap = 8192;
	char *buf = malloc(cap + 1);

	while (buf != NULL)
	{
		ssize_t n;

		if (len == cap)
		{
			char *grown;

			if (cap >= MAX_POLICY_BYTES)
			{
				errors_add(errs, "%s: larger than %zu bytes", path, MAX_POLICY_BYTES);
				free(buf);
				return NULL;
			}
			cap *= 2;
			grown = realloc(buf, cap + 1);
			if (grown == NULL)
				break;
			buf = grown;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
		{
			errors_add(errs, "%s: cannot read: %s", path, strerror(errno));
			free(buf);
			return NULL;
		}
		if (n == 0)
		{
			buf[len] = '\0';
			if (memchr(buf, '\0', len) != NULL)
			{
				errors_add(errs, "%s: contains a NUL byte", path);
				free(buf);
				return NULL;
			}
			return buf;
		}
		len += (size_t) n;
	}
	free(buf);
	errors_add(errs, "%s: out of memory", path);
	return NULL;
}

/*
 * The file is opened following symbolic links (Kubernetes mounts
 * ConfigMaps through them); the checks apply to the file actually opened.
 */
struct pgs_policy *
policy_load(const char *path, struct pgs_errors *errs, bool *missing)
{
	int fd;
	char *text;
	struct pgs_policy *policy;

	if (missing)
		*missing = false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
	{
		if (errno == ENOENT && missing)
			*missing = true;
		if (errno == ENOENT)
			errors_add(errs, "%s: no such file", path);
		else
			errors_add(errs, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (!policy_check_file(fd, path, geteuid(), errs))
	{
		close(fd);
		return NULL;
	}
	text = read_all(fd, path, errs);
	close(fd);
	if (text == NULL)
		return NULL;
	policy = policy_parse_text(text, path, errs);
	free(text);
	return policy;
}
