/*
 * load.c
 *	  Reads a policy file safely: opened without following it into anything
 *	  that could block (a FIFO planted at the path), checked on the
 *	  descriptor actually opened (a regular file, owner, permissions), read
 *	  whole with its includes (source.c), then compiled; and tells when any
 *	  of the files read has changed since.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile.h"
#include "policy.h"
#include "source.h"
#include "text.h"

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

bool
policy_sources_changed(const struct pgs_sources *src)
{
	for (size_t i = 0; i < src->n; i++)
	{
		struct file_sig now;

		(void) filesig_read(src->v[i].path, &now);
		if (!filesig_equal(&now, &src->v[i].sig))
			return true;
	}
	return false;
}

void
policy_sources_free(struct pgs_sources *src)
{
	for (size_t i = 0; i < src->n; i++)
		free(src->v[i].path);
	free(src->v);
	src->v = NULL;
	src->n = 0;
}

/*
 * The files are opened following symbolic links (Kubernetes mounts
 * ConfigMaps through them); the checks apply to the file actually opened
 * (source.c).
 */
struct pgs_policy *
policy_load_files(const char *path, struct pgs_errors *errs, bool *missing,
				  struct pgs_sources *read)
{
	struct src_text t = {0};
	struct pgs_policy *policy = NULL;

	if (src_read_file(&t, path, errs, missing))
		policy = policy_compile_source(&t, path, errs);
	if (read != NULL)
	{
		*read = t.files;
		t.files = (struct pgs_sources){0};
	}
	src_free(&t);
	return policy;
}

struct pgs_policy *
policy_load(const char *path, struct pgs_errors *errs, bool *missing)
{
	return policy_load_files(path, errs, missing, NULL);
}
