/*
 * source.c
 *	  Assembles a policy from its files.  libconfig's own @include opens the
 *	  named file itself (fopen, nothing checked, relative to the process's
 *	  directory), and libconfig 1.5 (Debian 12) offers no hook to change
 *	  that.  So the directives are found here, with libconfig's lexical rule
 *	  (scanner.l: `^[ \t]*@include[ \t]+"` outside comments and strings),
 *	  each named file is opened, checked like the main file and inlined in
 *	  its place; cfgapi.c makes any directive libconfig would still see an
 *	  error.  Every file's bytes are hashed in the order read, and a segment
 *	  map gives each line of the combined text its file and line.
 */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "text.h"

#define MAX_POLICY_BYTES ((size_t) 1024 * 1024)
#define MAX_DEPTH		 10 /* libconfig's MAX_INCLUDE_DEPTH */

static bool expand(struct src_text *t, size_t file, const char *text, int depth,
				   struct pgs_errors *errs);

/* Appends N bytes; false on out-of-memory or past the size limit. */
static bool
put(struct src_text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap)
	{
		size_t cap = t->cap ? t->cap : 4096;
		char *p;

		while (cap < t->len + n + 1)
			cap *= 2;
		if (cap > 2 * MAX_POLICY_BYTES || (p = realloc(t->text, cap)) == NULL)
			return false;
		t->text = p;
		t->cap = cap;
	}
	memcpy(t->text + t->len, s, n);
	t->len += n;
	t->text[t->len] = '\0';
	for (size_t i = 0; i < n; i++)
		t->out_line += s[i] == '\n';
	return true;
}

/* Starts a segment: from the current combined line on, FILE's line LINE. */
static bool
segment(struct src_text *t, size_t file, int line)
{
	if (t->nsegs == t->capsegs)
	{
		size_t cap = t->capsegs ? 2 * t->capsegs : 16;
		struct src_seg *p = realloc(t->segs, cap * sizeof(*p));

		if (p == NULL)
			return false;
		t->segs = p;
		t->capsegs = cap;
	}
	t->segs[t->nsegs++] = (struct src_seg){.out_line = t->out_line, .file = file, .line = line};
	return true;
}

/* Reads all of FD (at most MAX_POLICY_BYTES) into a malloc'd string, or NULL with an error. */
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
			if ((grown = realloc(buf, cap + 1)) == NULL)
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
			if (memchr(buf, '\0', len) == NULL)
				return buf;
			errors_add(errs, "%s: contains a NUL byte", path);
			free(buf);
			return NULL;
		}
		len += (size_t) n;
	}
	free(buf);
	errors_add(errs, "%s: out of memory", path);
	return NULL;
}

/* Records PATH (with the signature of the descriptor FD) in t->files; its index or -1. */
static long
add_file(struct src_text *t, const char *path, int fd)
{
	struct pgs_source_file *v = realloc(t->files.v, (t->files.n + 1) * sizeof(*v));
	struct stat st;

	if (v == NULL)
		return -1;
	t->files.v = v;
	memset(&v[t->files.n], 0, sizeof(v[0]));
	if ((v[t->files.n].path = strdup(path)) == NULL)
		return -1;
	if (fd >= 0 && fstat(fd, &st) == 0)
		filesig_from_stat(&st, &v[t->files.n].sig);
	return (long) t->files.n++;
}

/*
 * Opens PATH as the main file does (following links, O_NONBLOCK so that a
 * FIFO does not block), checks the descriptor, reads it, hashes it and
 * expands it at DEPTH.  The file is listed in t->files once opened, so a
 * change to it reloads even a policy it made invalid.  BY: "FILE:LINE:
 * @include ...: " for an included file (where its directive is), else "".
 */
static bool
read_one(struct src_text *t, const char *path, const char *by, int depth, struct pgs_errors *errs,
		 bool *missing)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	char *text;
	long idx;
	bool ok;

	if (fd < 0)
	{
		if (missing)
			*missing = errno == ENOENT;
		if (errno == ENOENT)
			errors_add(errs, "%s%s: no such file", by, path);
		else
			errors_add(errs, "%s%s: cannot open: %s", by, path, error_text(errno));
		/* listed unsigned: its appearance is a change */
		if (add_file(t, path, -1) < 0)
			errors_add(errs, "%s: out of memory", path);
		return false;
	}
	idx = add_file(t, path, fd);
	if (idx < 0)
	{
		close(fd);
		errors_add(errs, "%s: out of memory", path);
		return false;
	}
	if (!policy_check_file(fd, path, geteuid(), errs))
	{
		close(fd);
		return false;
	}
	text = read_all(fd, path, errs);
	close(fd);
	if (text == NULL)
		return false;
	sha256_update(&t->hash, text, strlen(text));
	ok = expand(t, (size_t) idx, text, depth, errs);
	free(text);
	return ok;
}

/* Reports an error at FILE:LINE. */
static bool
fail(struct src_text *t, size_t file, int line, struct pgs_errors *errs, const char *msg)
{
	errors_add(errs, "%s:%d: %s", t->files.v[file].path, line, msg);
	return false;
}

/*
 * At S (after `@include` and its blanks, on the opening quote): reads the
 * quoted name as libconfig does (\\ and \" escaped) into a malloc'd string;
 * *END is set after the closing quote.  NULL when malformed.
 */
static char *
include_name(const char *s, const char **end)
{
	size_t n = 0;
	char *name = malloc(strlen(s) + 1);

	if (name == NULL)
		return NULL;
	for (s++; *s && *s != '"' && *s != '\n'; s++)
	{
		if (*s == '\\' && (s[1] == '\\' || s[1] == '"'))
			s++;
		else if (*s == '\\')
			break;
		name[n++] = *s;
	}
	name[n] = '\0';
	if (*s != '"' || n == 0)
	{
		free(name);
		return NULL;
	}
	*end = s + 1;
	return name;
}

/* If S (at the start of a line) is an @include directive, where its quote is; else NULL. */
static const char *
directive(const char *s)
{
	s += strspn(s, " \t");
	if (strncmp(s, "@include", 8) != 0 || (s[8] != ' ' && s[8] != '\t'))
		return NULL;
	s += 8 + strspn(s + 8, " \t");
	return *s == '"' ? s : NULL;
}

/*
 * Inlines the directive at Q (its opening quote) of FILE, line LINE; *END
 * is set after it.  The included text starts on a line of its own and the
 * rest of the directive's line on another, each mapped to its file.
 */
static bool
include(struct src_text *t, size_t file, int line, const char *q, const char **end, int depth,
		struct pgs_errors *errs)
{
	char *name = include_name(q, end);
	char by[512];
	char *path;
	bool ok;

	if (t->no_files)
	{
		free(name);
		return fail(t, file, line, errs, "@include is not available for a policy given as text");
	}
	if (name == NULL)
		return fail(t, file, line, errs, "malformed @include \"FILE\"");
	if (depth >= MAX_DEPTH)
	{
		free(name);
		return fail(t, file, line, errs, "@include nested too deeply (a cycle?)");
	}
	path = malloc(strlen(t->dir) + strlen(name) + 1);
	if (path == NULL || !put(t, "\n", 1))
	{
		free(name);
		free(path);
		return fail(t, file, line, errs, "out of memory");
	}
	snprintf(path, strlen(t->dir) + strlen(name) + 1, "%s%s", name[0] == '/' ? "" : t->dir, name);
	snprintf(by, sizeof(by), "%s:%d: @include \"%s\": ", t->files.v[file].path, line, name);
	ok = read_one(t, path, by, depth + 1, errs, NULL);
	free(name);
	free(path);
	if (ok && (!put(t, "\n", 1) || !segment(t, file, line)))
		return fail(t, file, line, errs, "out of memory");
	return ok;
}

/* The end of the lexical element at S that cannot hold a directive (comment, string), or S. */
static const char *
skip_element(const char *s, int *line)
{
	const char *e = s;

	if (s[0] == '#' || (s[0] == '/' && s[1] == '/'))
		return s + strcspn(s, "\n");
	if (s[0] == '/' && s[1] == '*')
	{
		e = strstr(s + 2, "*/");
		e = e ? e + 2 : s + strlen(s);
	}
	else if (s[0] == '"')
	{
		for (e = s + 1; *e && *e != '"'; e++)
			if (*e == '\\' && e[1])
				e++;
		e += *e == '"';
	}
	for (const char *p = s; p < e; p++)
		*line += *p == '\n';
	return e;
}

/* Copies TEXT (file FILE) into t, inlining its directives. */
static bool
expand(struct src_text *t, size_t file, const char *text, int depth, struct pgs_errors *errs)
{
	const char *s = text;
	const char *from = text; /* copied up to here */
	int line = 1;
	bool bol = true;

	if (!segment(t, file, 1))
		return fail(t, file, 1, errs, "out of memory");
	while (*s)
	{
		const char *q = bol ? directive(s) : NULL;
		const char *e;

		if (q != NULL)
		{
			if (!put(t, from, (size_t) (s - from)) ||
				!include(t, file, line, q, &from, depth, errs))
				return false;
			s = from;
			bol = false;
			continue;
		}
		e = skip_element(s, &line);
		if (e != s)
		{
			s = e;
			bol = false;
			continue;
		}
		bol = *s == '\n';
		line += bol;
		s++;
	}
	if (!put(t, from, (size_t) (s - from)))
		return fail(t, file, line, errs, "policy too large or out of memory");
	return true;
}

bool
src_read_file(struct src_text *t, const char *path, struct pgs_errors *errs, bool *missing)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t) (slash - path) + 1 : 0;

	if (missing)
		*missing = false;
	sha256_init(&t->hash);
	t->out_line = 1;
	if ((t->dir = malloc(n + 1)) == NULL)
	{
		errors_add(errs, "%s: out of memory", path);
		return false;
	}
	memcpy(t->dir, path, n);
	t->dir[n] = '\0';
	return read_one(t, path, "", 0, errs, missing);
}

bool
src_read_text(struct src_text *t, const char *text, const char *name, struct pgs_errors *errs)
{
	sha256_init(&t->hash);
	t->out_line = 1;
	t->no_files = true;
	t->dir = strdup("");
	if (t->dir == NULL || add_file(t, name, -1) < 0)
	{
		errors_add(errs, "%s: out of memory", name);
		return false;
	}
	sha256_update(&t->hash, text, strlen(text));
	return expand(t, 0, text, 0, errs);
}

void
src_locate(const struct src_text *t, int out_line, size_t *file, int *line)
{
	const struct src_seg *g = NULL;

	for (size_t i = 0; i < t->nsegs && t->segs[i].out_line <= out_line; i++)
		g = &t->segs[i];
	*file = g ? g->file : 0;
	*line = g ? g->line + (out_line - g->out_line) : out_line;
}

void
src_sha256(struct src_text *t, char hex[65])
{
	sha256_final_hex(&t->hash, hex);
}

void
src_free(struct src_text *t)
{
	free(t->text);
	free(t->segs);
	free(t->dir);
	policy_sources_free(&t->files);
	memset(t, 0, sizeof(*t));
}
