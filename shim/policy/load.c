/*
 * load.c
 *	  Reads a policy file safely: opened without following it into anything
 *	  that could block (a FIFO planted at the path), checked on the
 *	  descriptor actually opened (a regular file, owner, permissions), read
 *	  whole, then compiled.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "text.h"

#define MAX_POLICY_BYTES ((size_t) 1024 * 1024)

bool
policy_check_file(int fd, const char *path, uid_t euid, struct pgs_errors *errs)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
	{
		errors_add(errs, "%s: cannot stat: %s", path, error_text(errno));
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
			errors_add(errs, "%s: cannot read: %s", path, error_text(errno));
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
 * O_NONBLOCK: opening a FIFO must not wait for a writer; a regular file
 * reads the same either way.
 */
struct pgs_policy *
policy_load(const char *path, struct pgs_errors *errs, bool *missing)
{
	int fd;
	char *text;
	struct pgs_policy *policy;

	if (missing)
		*missing = false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
	{
		if (errno == ENOENT && missing)
			*missing = true;
		if (errno == ENOENT)
			errors_add(errs, "%s: no such file", path);
		else
			errors_add(errs, "%s: cannot open: %s", path, error_text(errno));
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
