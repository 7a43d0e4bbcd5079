/*
 * filesig.c
 *	  File signatures: device, inode, size, both times, owner and mode.  A
 *	  file replaced by rename() has another inode; one rewritten in place has
 *	  another mtime or ctime.
 */
#include "filesig.h"

#include <string.h>

void
filesig_from_stat(const struct stat *st, struct file_sig *sig)
{
	memset(sig, 0, sizeof(*sig));
	sig->exists = true;
	sig->dev = st->st_dev;
	sig->ino = st->st_ino;
	sig->size = st->st_size;
	sig->mtime = st->st_mtim;
	sig->ctime = st->st_ctim;
	sig->uid = st->st_uid;
	sig->mode = st->st_mode;
}

bool
filesig_read(const char *path, struct file_sig *sig)
{
	struct stat st;

	memset(sig, 0, sizeof(*sig));
	if (path == NULL || stat(path, &st) != 0)
		return false;
	filesig_from_stat(&st, sig);
	return true;
}

bool
filesig_equal(const struct file_sig *a, const struct file_sig *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
		   a->uid == b->uid && a->mode == b->mode && a->mtime.tv_sec == b->mtime.tv_sec &&
		   a->mtime.tv_nsec == b->mtime.tv_nsec && a->ctime.tv_sec == b->ctime.tv_sec &&
		   a->ctime.tv_nsec == b->ctime.tv_nsec;
}
