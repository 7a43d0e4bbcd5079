/*
 * lint.c
 *	  What `pgtls-shim check` finds in a policy that compiles but would not
 *	  do what it says on this machine: CA and CRL files that yield nothing
 *	  (lint_files.c), enforce with no CA at all, a log directory that does
 *	  not exist or cannot be written, rules an earlier rule shadows, port
 *	  patterns that no port matches, an exemption by the name localhost;
 *	  next_ca (the CA a rotation moves to) is checked like sslrootcert.
 *	  Reads only the compiled policy: every finding is at the file and line
 *	  libconfig gave the setting (never a comment that repeats its value).
 */
#include <errno.h>
#include <fnmatch.h>
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
#include "lint.h"
#include "policy.h"

void
lint_say(struct lint *l, bool warning, struct pgs_srcloc at, const char *fmt, ...)
{
	va_list ap;

	if (warning)
		l->warnings++;
	else
		l->errors++;
	if (warning && l->quiet_warnings)
		return;
	fprintf(stderr, "%s:%d: %s", at.file ? at.file : l->p->path, at.file ? at.line : 1,
			warning ? "warning: " : "");
	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): started above */
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Where rule R is written. */
static struct pgs_srcloc
rule_at(const struct pgs_rule *r)
{
	return (struct pgs_srcloc){.file = r->file, .line = r->line};
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
		lint_say(l, true,
				 i < p->nrules ? rule_at(&p->rules[i])
							   : (s->at[PGS_K_SSLMODE].file ? s->at[PGS_K_SSLMODE]
															: s->at[PGS_K_SSLROOTCERT]),
				 "sslmode %s: %s", pgs_sslmode_name(s->sslmode), why);
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
		lint_say(l, false, p->at_mode, "mode enforce with no sslrootcert: %s", why);
	for (size_t i = 0; i < p->nrules; i++)
	{
		const struct pgs_rule *r = &p->rules[i];

		if (r->mode == PGS_MODE_ENFORCE && r->s.sslrootcert == NULL)
			lint_say(l, false, rule_at(r), "rule \"%s\" enforces with no sslrootcert: %s", r->name,
					 why);
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
	struct pgs_srcloc line = log->at_path;

	if (log->kind != PGS_LOG_FILE || log->path == NULL)
		return;
	snprintf(copy, sizeof(copy), "%s", log->path);
	dir = dirname(copy);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		lint_say(l, true, line, "log directory \"%s\" does not exist: records would be lost", dir);
	else if (access(dir, W_OK | X_OK) != 0 && access(log->path, W_OK) != 0)
		lint_say(l, true, line, "log directory \"%s\" is not writable (%s): records would be lost",
				 dir, strerror(errno));
	else if (access(log->path, F_OK) == 0 && access(log->path, W_OK) != 0)
		lint_say(l, true, line, "log file \"%s\" is not writable (%s): records would be lost",
				 log->path, strerror(errno));
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
			lint_say(l, true, rule_at(b), "rule \"%s\" can never match: rule \"%s\" (%s%s%d) %s",
					 b->name, a->name, a->file == b->file ? "line " : a->file,
					 a->file == b->file ? "" : ":", a->line,
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
				lint_say(l, false, r->at_key[PGS_M_PORT],
						 "match.port pattern \"%s\" can never match a port", ports->v[j].text);
	}
}

/*
 * A warning for a rule that exempts (off, or audit under an enforcing top
 * level) by the host name localhost with no hostaddr pattern: the name is
 * what the application writes, so host=localhost hostaddr=ANY is exempted.
 */
static void
check_localhost(struct lint *l)
{
	const struct pgs_policy *p = l->p;

	for (size_t i = 0; i < p->nrules; i++)
	{
		const struct pgs_rule *r = &p->rules[i];
		const struct pgs_patterns *hosts = &r->match[PGS_M_HOST];
		bool exempts =
			r->mode == PGS_MODE_OFF || (r->mode == PGS_MODE_AUDIT && p->mode == PGS_MODE_ENFORCE);

		if (!exempts || r->match[PGS_M_HOSTADDR].n > 0)
			continue;
		for (size_t j = 0; j < hosts->n; j++)
		{
			const char *pat = hosts->v[j].text;

			if (strcmp(pat, "*") == 0 || (fnmatch(pat, "localhost", FNM_CASEFOLD) != 0 &&
										  fnmatch(pat, "localhost.", FNM_CASEFOLD) != 0))
				continue;
			lint_say(l, true, r->at_key[PGS_M_HOST],
					 "rule \"%s\" exempts host \"%s\" by name with no hostaddr pattern: "
					 "host=localhost hostaddr=ANY is exempted too; match hostaddr = "
					 "[ \"127.0.0.0/8\", \"::1/128\" ] instead (or as well)",
					 r->name, pat);
			break;
		}
	}
}

bool
lint_policy(const struct pgs_policy *policy, bool quiet_warnings, int *warnings)
{
	struct lint l = {.p = policy, .quiet_warnings = quiet_warnings};

	lint_files(&l);
	check_enforce_ca(&l);
	check_system_floor(&l);
	check_log(&l);
	check_shadowed(&l);
	check_ports(&l);
	check_localhost(&l);
	*warnings = l.warnings;
	return l.errors == 0;
}
