/*
 * filesig.h
 *	  A file's identity and version as stat(2) gives it, to tell whether a
 *	  file (a policy, a CA bundle, a CRL) changed since it was last read.
 */
#ifndef PGTLS_SHIM_FILESIG_H
#define PGTLS_SHIM_FILESIG_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

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

/* Fills *SIG from ST. */
void filesig_from_stat(const struct stat *st, struct file_sig *sig);

/*
 * Fills *SIG for PATH, following symbolic links (a ConfigMap swap changes
 * the target, so a changed link is a changed file).  Returns sig->exists:
 * false (and *SIG zeroed) when PATH cannot be stat'ed.
 */
bool filesig_read(const char *path, struct file_sig *sig);

/* True when A and B describe the same version of the same file. */
bool filesig_equal(const struct file_sig *a, const struct file_sig *b);

#endif
