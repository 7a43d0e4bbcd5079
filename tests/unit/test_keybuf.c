/*
 * test_keybuf.c
 *	  base/keybuf.c: two keys are equal (memcmp) exactly when their inputs
 *	  are: strings keep their boundaries and NULL differs from "", a file is
 *	  keyed by its path and its version, the same file read twice gives the
 *	  same bytes (the signature's padding included), and the buffer grows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keybuf.h"

#include "check.h"

static char dir[] = "/tmp/pgtls-unit-keybuf-XXXXXX";

/* True when A and B are the same key. */
static int
same(const struct keybuf *a, const struct keybuf *b)
{
	return a->ok && b->ok && a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

/* The key of the strings S1 and S2 (either may be NULL), in *K. */
static void
key2(struct keybuf *k, const char *s1, const char *s2)
{
	kb_init(k);
	kb_put_str(k, s1);
	kb_put_str(k, s2);
}

/* The key of file PATH; *OK: kb_put_file's result. */
static void
key_file(struct keybuf *k, const char *path, int *ok)
{
	kb_init(k);
	*ok = kb_put_file(k, path);
}

static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok = f != NULL && fputs(text, f) >= 0;

	if (f != NULL && fclose(f) != 0)
		ok = 0;
	return ok;
}

static void
test_bytes(void)
{
	struct keybuf k;
	unsigned char want[10000];

	kb_init(&k);
	CHECK(k.ok && k.len == 0 && k.p == NULL);
	/* Byte by byte, through many reallocations: every byte kept, in order. */
	for (size_t i = 0; i < sizeof(want); i++)
	{
		want[i] = (unsigned char) (i * 7);
		kb_put(&k, &want[i], 1);
	}
	CHECK(k.ok && k.len == sizeof(want) && k.cap >= k.len);
	CHECK(memcmp(k.p, want, sizeof(want)) == 0);
	kb_put(&k, "", 0);
	CHECK(k.ok && k.len == sizeof(want));
	free(k.p);
}

static void
test_strings(void)
{
	struct keybuf a;
	struct keybuf b;

	key2(&a, "ab", "c");
	key2(&b, "ab", "c");
	CHECK(same(&a, &b));
	free(b.p);
	/* The boundary between two strings is part of the key. */
	key2(&b, "a", "bc");
	CHECK(!same(&a, &b));
	free(a.p);
	free(b.p);
	/* NULL is not "". */
	key2(&a, NULL, "x");
	key2(&b, "", "x");
	CHECK(!same(&a, &b));
	free(b.p);
	key2(&b, NULL, "x");
	CHECK(same(&a, &b));
	free(a.p);
	free(b.p);
}

static void
test_files(void)
{
	char f[300];
	char g[300];
	char tmp[300];
	struct keybuf a;
	struct keybuf b;
	struct keybuf s;
	int ok_a;
	int ok_b;

	snprintf(f, sizeof(f), "%s/f", dir);
	snprintf(g, sizeof(g), "%s/g", dir);
	snprintf(tmp, sizeof(tmp), "%s/f.tmp", dir);
	CHECK(write_file(f, "bundle\n") && write_file(g, "bundle\n"));

	/* No file named: the key of a NULL string, and that is fine. */
	key_file(&a, NULL, &ok_a);
	kb_init(&s);
	kb_put_str(&s, NULL);
	CHECK(ok_a && same(&a, &s));
	free(a.p);
	free(s.p);

	/* A file that cannot be stat'ed: false. */
	key_file(&a, "/nonexistent/pgtls-unit-keybuf", &ok_a);
	CHECK(!ok_a);
	free(a.p);

	/* The same version of the same file: the same bytes, twice. */
	key_file(&a, f, &ok_a);
	key_file(&b, f, &ok_b);
	CHECK(ok_a && ok_b && same(&a, &b));
	free(b.p);
	/* Another file with the same content: another key. */
	key_file(&b, g, &ok_b);
	CHECK(ok_b && !same(&a, &b));
	free(b.p);
	/* The file replaced by rename(): another key under the same path. */
	CHECK(write_file(tmp, "bundle\n") && rename(tmp, f) == 0);
	key_file(&b, f, &ok_b);
	CHECK(ok_b && !same(&a, &b));
	free(a.p);
	free(b.p);
	/* Rewritten in place with other content: another key. */
	key_file(&a, f, &ok_a);
	CHECK(write_file(f, "another bundle\n"));
	key_file(&b, f, &ok_b);
	CHECK(ok_a && ok_b && !same(&a, &b));
	free(a.p);
	free(b.p);
	(void) unlink(f);
	(void) unlink(g);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
	{
		perror("mkdtemp");
		return 1;
	}
	test_bytes();
	test_strings();
	test_files();
	(void) rmdir(dir);
	return check_summary();
}
