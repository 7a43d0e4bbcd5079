/*
 * test_filesig.c
 *	  base/filesig.c: a file's signature changes exactly when the file does
 *	  (rewritten in place, replaced by rename, its mode or times changed, a
 *	  symbolic link moved to another target), and a file that cannot be
 *	  stat'ed has the zeroed signature of "no file".
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filesig.h"

#include "check.h"

static char dir[] = "/tmp/pgtls-unit-filesig-XXXXXX";

/* DIR/NAME, in a static buffer (one at a time). */
static const char *
path_of(const char *name)
{
	static char buf[2][256];
	static int which;

	which = !which;
	snprintf(buf[which], sizeof(buf[which]), "%s/%s", dir, name);
	return buf[which];
}

/* Writes TEXT to DIR/NAME; false on any error. */
static int
write_file(const char *name, const char *text)
{
	FILE *f = fopen(path_of(name), "w");
	int ok = f != NULL && fputs(text, f) >= 0;

	if (f != NULL && fclose(f) != 0)
		ok = 0;
	return ok;
}

static int
is_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
	{
		if (b[i] != 0)
			return 0;
	}
	return 1;
}

/* Sets DIR/NAME's mtime to S seconds, N nanoseconds. */
static int
set_mtime(const char *name, time_t s, long n)
{
	struct timespec t[2] = {{0, UTIME_OMIT}, {s, n}};

	return utimensat(AT_FDCWD, path_of(name), t, 0) == 0;
}

static void
test_missing(void)
{
	struct file_sig a;
	struct file_sig b;

	memset(&a, 0xa5, sizeof(a));
	CHECK(!filesig_read(NULL, &a));
	CHECK(is_zero(&a, sizeof(a)));
	memset(&b, 0xa5, sizeof(b));
	CHECK(!filesig_read(path_of("absent"), &b));
	CHECK(!b.exists);
	CHECK(is_zero(&b, sizeof(b)));
	/* A file that stays missing is unchanged. */
	CHECK(filesig_equal(&a, &b));
}

static void
test_present(void)
{
	struct file_sig a;
	struct file_sig b;
	struct stat st;

	CHECK(write_file("f", "hello\n"));
	CHECK(stat(path_of("f"), &st) == 0);
	CHECK(filesig_read(path_of("f"), &a));
	CHECK(a.exists && a.size == 6 && a.ino == st.st_ino && a.dev == st.st_dev);
	CHECK(a.uid == st.st_uid && a.mode == st.st_mode);
	/* Read twice, and made from the same stat: the same version. */
	CHECK(filesig_read(path_of("f"), &b));
	CHECK(filesig_equal(&a, &b));
	filesig_from_stat(&st, &b);
	CHECK(filesig_equal(&a, &b));
	/* Present and missing differ. */
	CHECK(!filesig_read(path_of("absent"), &b));
	CHECK(!filesig_equal(&a, &b));
}

static void
test_changes(void)
{
	struct file_sig before;
	struct file_sig after;

	CHECK(write_file("g", "one\n"));
	CHECK(set_mtime("g", 1000000000, 0));
	CHECK(filesig_read(path_of("g"), &before));

	/* Rewritten in place, another size. */
	CHECK(write_file("g", "three\n"));
	CHECK(filesig_read(path_of("g"), &after));
	CHECK(after.ino == before.ino && !filesig_equal(&before, &after));

	/* The same size, only the modification time differs (by 1 ns). */
	CHECK(write_file("g", "one\n"));
	CHECK(set_mtime("g", 1000000000, 0));
	CHECK(filesig_read(path_of("g"), &before));
	CHECK(set_mtime("g", 1000000000, 1));
	CHECK(filesig_read(path_of("g"), &after));
	CHECK(after.size == before.size && !filesig_equal(&before, &after));

	/* Its mode. */
	CHECK(filesig_read(path_of("g"), &before));
	CHECK(chmod(path_of("g"), 0600) == 0);
	CHECK(filesig_read(path_of("g"), &after));
	CHECK((after.mode & 0777) == 0600 && !filesig_equal(&before, &after));

	/* Replaced by rename(): another inode, whatever the content and times. */
	CHECK(write_file("g.new", "one\n"));
	CHECK(chmod(path_of("g.new"), 0600) == 0);
	CHECK(filesig_read(path_of("g"), &before));
	CHECK(rename(path_of("g.new"), path_of("g")) == 0);
	CHECK(filesig_read(path_of("g"), &after));
	CHECK(after.ino != before.ino && !filesig_equal(&before, &after));
}

static void
test_symlink(void)
{
	struct file_sig link;
	struct file_sig target;

	CHECK(write_file("t1", "1\n") && write_file("t2", "22\n"));
	CHECK(symlink(path_of("t1"), path_of("l")) == 0);
	/* Followed: the link's signature is its target's. */
	CHECK(filesig_read(path_of("l"), &link));
	CHECK(filesig_read(path_of("t1"), &target));
	CHECK(filesig_equal(&link, &target));
	/* The link moved to another target (a ConfigMap swap): changed. */
	CHECK(unlink(path_of("l")) == 0 && symlink(path_of("t2"), path_of("l")) == 0);
	CHECK(filesig_read(path_of("l"), &target));
	CHECK(!filesig_equal(&link, &target));
	/* A dangling link: no file. */
	CHECK(unlink(path_of("t2")) == 0);
	CHECK(!filesig_read(path_of("l"), &target));
	CHECK(!target.exists);
}

int
main(void)
{
	const char *names[] = {"f", "g", "g.new", "t1", "t2", "l"};

	if (mkdtemp(dir) == NULL)
	{
		perror("mkdtemp");
		return 1;
	}
	test_missing();
	test_present();
	test_changes();
	test_symlink();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		(void) unlink(path_of(names[i]));
	(void) rmdir(dir);
	return check_summary();
}
