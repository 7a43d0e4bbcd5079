/*
 * lint.c
 *	  What `pgtls-shim check` finds in a policy that compiles but would not
 *	  do what it says on this machine: CA and CRL files that cannot be read,
 *	  enforce with no CA at all, a log directory that does not exist or
 *	  cannot be written, rules an earlier rule shadows, port patterns that
 *	  no port matches.  Reads only the compiled policy, and the file's text
 *	  to find the line of a setting that is not a rule's.  next_ca (the CA
 *	  a rotation moves to) is checked like sslrootcert and sslcrl.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "policy.h"

struct lint
{
	const struct pgs_policy *p;
	char *text; /* the policy file, or NULL when it cannot be read again */
	int errors;
	int warnings;
};

/* Prints "FILE:LINE: [warning: ]message" on stderr and counts it. */
__attribute__((format(printf, 4, 5))) static void
say(struct lint *l, bool warning, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: %s", l->p->path, line, warning ? "warning: " : "");
	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): started above */
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (warning)
		l->warnings++;
	else
		l->errors++;
}

/* The first line at or after FROM whose text contains NEEDLE; FROM when none. */
static int
find_line(const struct lint *l, const char *needle, int from)
{
	const char *s = l->text;
	int line = 1;

	if (s == NULL || from < 1)
		return from < 1 ? 1 : from;
	for (; *s; line++)
	{
		const char *eol = strchr(s, '\n');
		size_t len = eol ? (size_t) (eol - s) : strlen(s);

		if (line >= from && memmem(s, len, needle, strlen(needle)) != NULL)
			return line;
		if (eol == NULL)
			break;
		s = eol + 1;
	}
	return from;
}

/* The first line whose first word is KEY (a top-level setting); 1 when none. */
static int
key_line(const struct lint *l, const char *key)
{
	const char *s = l->text;
	size_t n = strlen(key);

	for (int line = 1; s != NULL && *s; line++)
	{
		s += strspn(s, " \t");
		if (strncmp(s, key, n) == 0 && strchr(" \t=:", s[n]) != NULL && s[n] != '\0')
			return line;
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	return 1;
}

/* The line where the string value VALUE is written, at or after FROM. */
static int
value_line(const struct lint *l, const char *value, int from)
{
	char quoted[PATH_MAX + 3];

	snprintf(quoted, sizeof(quoted), "\"%s\"", value);
	return find_line(l, quoted, from);
}

/* Errors when FILE (a setting named WHAT) cannot be read; "system" is fine. */
static void
check_file(struct lint *l, const char *what, const char *file, int from)
{
	struct stat st;

	if (file == NULL || file[0] == '\0' || strcmp(file, "system") == 0)
		return;
	if (access(file, R_OK) != 0)
		say(l, false, value_line(l, file, from), "%s \"%s\" cannot be read: %s", what, file,
			strerror(errno));
	else if (stat(file, &st) == 0 && S_ISDIR(st.st_mode))
		say(l, false, value_line(l, file, from), "%s \"%s\" is a directory, not a PEM file", what,
			file);
}

/* Whether defaults' setting at OFFSET governs a connection: the top-level mode
 * is not off, or a rule that is not off has the same value. */
static bool
inherited(const struct pgs_policy *p, size_t offset)
{
	const char *def = *(const char *const *) ((const char *) &p->defaults + offset);

	if (p->mode != PGS_MODE_OFF)
		return true;
	for (size_t i = 0; i < p->nrules; i++)
	{
		const char *v = *(const char *const *) ((const char *) &p->rules[i].s + offset);

		if (p->rules[i].mode != PGS_MODE_OFF && v && def && strcmp(v, def) == 0)
			return true;
	}
	return false;
}

/* CA and CRL files, of the defaults and of each rule that sets its own. */
static void
check_files(struct lint *l)
{
	const struct pgs_policy *p = l->p;
	const struct pgs_settings *d = &p->defaults;

	if (inherited(p, offsetof(struct pgs_settings, sslrootcert)))
		check_file(l, "sslrootcert", d->sslrootcert, 1);
	if (inherited(p, offsetof(struct pgs_settings, sslcrl)))
		check_file(l, "sslcrl", d->sslcrl, 1);
	if (inherited(p, offsetof(struct pgs_settings, next_ca)))
		check_file(l, "next_ca", d->next_ca, 1);
	for (size_t i = 0; i < p->nrules; i++)
	{
		const struct pgs_rule *r = &p->rules[i];

		if (r->mode == PGS_MODE_OFF)
			continue;
		if (r->s.sslrootcert && (!d->sslrootcert || strcmp(r->s.sslrootcert, d->sslrootcert) != 0))
			check_file(l, "sslrootcert", r->s.sslrootcert, r->line);
		if (r->s.sslcrl && (!d->sslcrl || strcmp(r->s.sslcrl, d->sslcrl) != 0))
			check_file(l, "sslcrl", r->s.sslcrl, r->line);
		if (r->s.next_ca && (!d->next_ca || strcmp(r->s.next_ca, d->next_ca) != 0))
			check_file(l, "next_ca", r->s.next_ca, r->line);
	}
}

/* A warning for sslrootcert "system" under a floor libpq 16+ does not accept with it. */
static void
check_system_floor(struct lint *l)
{
	const struct pgs_policy *p = l->p;
	static const char why[] = "libpq 16 and later accept sslrootcert \"system\" only with "
							  "verify-full: the shim raises the floor to verify-full there";

	for (size_t i = 0; i <= p->nrules; i++)
	{
		const struct pgs_settings *s = i < p->nrules ? &p->rules[i].s : &p->defaults;
		enum pgs_mode mode = i < p->nrules ? p->rules[i].mode : p->mode;

		if (mode == PGS_MODE_OFF || s->sslrootcert == NULL ||
			strcmp(s->sslrootcert, "system") != 0 || s->sslmode >= PGS_SSL_VERIFY_FULL ||
			(i < p->nrules && s->sslmode == p->defaults.sslmode && p->defaults.sslrootcert &&
			 strcmp(p->defaults.sslrootcert, "system") == 0))
			continue;
		say(l, true, i < p->nrules ? p->rules[i].line : key_line(l, "sslmode"), "sslmode %s: %s",
			pgs_sslmode_name(s->sslmode), why);
	}
}

/* Enforce with no sslrootcert: libpq would look for ~/.postgresql/root.crt. */
static void
check_enforce_ca(struct lint *l)
{
	const struct pgs_policy *p = l->p;
	static const char why[] = "libpq would look for ~/.postgresql/root.crt; set sslrootcert "
							  "(a PEM bundle, or \"system\")";

	if (p->mode == PGS_MODE_ENFORCE && p->defaults.sslrootcert == NULL)
		say(l, false, key_line(l, "mode"), "mode enforce with no sslrootcert: %s", why);
	for (size_t i = 0; i < p->nrules; i++)
	{
		const struct pgs_rule *r = &p->rules[i];

		if (r->mode == PGS_MODE_ENFORCE && r->s.sslrootcert == NULL)
			say(l, false, r->line, "rule \"%s\" enforces with no sslrootcert: %s", r->name, why);
	}
}

/* A warning when the log file's directory is missing or not writable. */
static void
check_log(struct lint *l)
{
	const struct pgs_log_cfg *log = &l->p->log;
	char copy[PATH_MAX];
	struct stat st;
	const char *dir;
	int line;

	if (log->kind != PGS_LOG_FILE || log->path == NULL)
		return;
	line = value_line(l, log->path, 1);
	snprintf(copy, sizeof(copy), "%s", log->path);
	dir = dirname(copy);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		say(l, true, line, "log directory \"%s\" does not exist: records would be lost", dir);
	else if (access(dir, W_OK | X_OK) != 0 && access(log->path, W_OK) != 0)
		say(l, true, line, "log directory \"%s\" is not writable (%s): records would be lost", dir,
			strerror(errno));
	else if (access(log->path, F_OK) == 0 && access(log->path, W_OK) != 0)
		say(l, true, line, "log file \"%s\" is not writable (%s): records would be lost", log->path,
			strerror(errno));
}

/* Whether A matches every connection B matches: each key A names, B names
 * with patterns that are all among A's (the same text). */
static bool
covers(const struct pgs_rule *a, const struct pgs_rule *b)
{
	for (int k = 0; k < PGS_M_NKEYS; k++)
	{
		const struct pgs_patterns *pa = &a->match[k], *pb = &b->match[k];

		if (pa->n == 0)
			continue;
		if (pb->n == 0)
			return false;
		for (size_t j = 0; j < pb->n; j++)
		{
			size_t i;

			for (i = 0; i < pa->n; i++)
				if ((k == PGS_M_HOST ? strcasecmp : strcmp)(pa->v[i].text, pb->v[j].text) == 0)
					break;
			if (i == pa->n)
				return false;
		}
	}
	return true;
}

static bool
catch_all(const struct pgs_rule *r)
{
	for (int k = 0; k < PGS_M_NKEYS; k++)
		if (r->match[k].n)
			return false;
	return true;
}

/* Warnings for rules an earlier rule shadows (first match wins). */
static void
check_shadowed(struct lint *l)
{
	const struct pgs_policy *p = l->p;

	for (size_t j = 1; j < p->nrules; j++)
	{
		for (size_t i = 0; i < j; i++)
		{
			const struct pgs_rule *a = &p->rules[i], *b = &p->rules[j];

			if (!covers(a, b))
				continue;
			say(l, true, b->line, "rule \"%s\" can never match: rule \"%s\" (line %d) %s", b->name,
				a->name, a->line,
				catch_all(a) ? "has no match keys and matches every connection first"
							 : "matches every connection it would, first");
			break;
		}
	}
}

/* Whether the glob PAT can match some port number (a string of digits). */
static bool
port_possible(const char *pat)
{
	const char *end;

	for (const char *s = pat; *s; s++)
	{
		if (*s == '*' || *s == '?' || (*s >= '0' && *s <= '9'))
			continue;
		if (*s == '\\' && s[1] >= '0' && s[1] <= '9')
		{
			s++;
			continue;
		}
		if (*s == '[' && (end = strchr(s + 1, ']')) != NULL)
		{
			bool digit = s[1] == '!' || s[1] == '^';

			for (const char *c = s + 1; c < end && !digit; c++)
				digit = (*c >= '0' && *c <= '9') ||
						(c + 2 < end && c[1] == '-' && *c <= '9' && c[2] >= '0');
			if (!digit)
				return false;
			s = end;
			continue;
		}
		return false;
	}
	return pat[0] != '\0';
}

static void
check_ports(struct lint *l)
{
	for (size_t i = 0; i < l->p->nrules; i++)
	{
		const struct pgs_rule *r = &l->p->rules[i];
		const struct pgs_patterns *ports = &r->match[PGS_M_PORT];

		for (size_t j = 0; j < ports->n; j++)
			if (!port_possible(ports->v[j].text))
				say(l, false, r->line, "match.port pattern \"%s\" can never match a port",
					ports->v[j].text);
	}
}

/* The policy file's text (for line numbers), or NULL. */
static char *
read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;

	if (f == NULL)
		return NULL;
	if (getdelim(&text, &len, '\0', f) < 0)
	{
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

bool
lint_policy(const struct pgs_policy *policy, int *warnings)
{
	struct lint l = {.p = policy, .text = read_text(policy->path)};

	check_files(&l);
	check_enforce_ca(&l);
	check_system_floor(&l);
	check_log(&l);
	check_shadowed(&l);
	check_ports(&l);
	free(l.text);
	*warnings = l.warnings;
	return l.errors == 0;
}
