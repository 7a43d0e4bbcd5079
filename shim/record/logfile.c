/*
 * logfile.c
 *	  Opening the log file: O_APPEND|O_NOFOLLOW|O_NONBLOCK, never a FIFO or
 *	  anything but a regular file, never in a directory anyone could swap
 *	  it in, never another user's file in a directory others can write,
 *	  never a file with another hard link.
 */
#include "logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

/*
 * The directory of PATH: 1 when others can write to it (anyone could swap
 * the file), 2 when they can but it is sticky (like /tmp: only the file's
 * owner can remove it), 0 when they cannot, -1 when it cannot be checked.
 */
static int
dir_open_to_others(const char *path)
{
	char copy[PATH_MAX];
	size_t len = strlen(path);
	struct stat st;

	if (len >= sizeof(copy))
		return -1;
	memcpy(copy, path, len + 1);
	if (stat(dirname(copy), &st) != 0)
		return -1;
	if ((st.st_mode & S_IWOTH) == 0)
		return 0;
	return (st.st_mode & S_ISVTX) ? 2 : 1;
}

int
logfile_open(const char *path, int mode, struct stat *st, const char **why)
{
	/* O_NONBLOCK: a FIFO planted at the path must not hang the host process. */
	int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK;
	int fd;
	bool created = true;
	int others = dir_open_to_others(path);

	*why = NULL; /* errno says why, unless one of the checks below does */
	if (others == 1)
	{
		*why = "its directory is writable by others";
		errno = EPERM;
		return -1;
	}
	fd = open(path, flags | O_CREAT | O_EXCL, (mode_t) mode);
	if (fd < 0 && errno == EEXIST)
	{
		created = false;
		fd = open(path, flags);
	}
	if (fd < 0)
		return -1;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode))
	{
		*why = "not a regular file";
		close(fd);
		errno = EPERM;
		return -1;
	}
	/* A hard link to a file its planter could not write otherwise (in a
	 * group-writable directory, with fs.protected_hardlinks off): appends
	 * would follow it. */
	if (st->st_nlink != 1)
	{
		*why = "it has more than one hard link";
		close(fd);
		errno = EPERM;
		return -1;
	}
	if (!created && st->st_uid != geteuid() && others != 0)
	{
		*why = "owned by another user in a directory writable by others";
		close(fd);
		errno = EPERM;
		return -1;
	}
	/* Exactly log.mode, whatever the umask; on failure open()'s stricter one stays. */
	if (created)
		(void) fchmod(fd, (mode_t) mode);
	return fd;
}
