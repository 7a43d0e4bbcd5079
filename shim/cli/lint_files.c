/*
 * lint_files.c
 *	  `check` loads every CA, next_ca and CRL file and CRL directory of the
 *	  settings that govern connections the way libpq's initialize_SSL does
 *	  (X509_STORE_load_file of a PEM file; "system": OpenSSL's default file
 *	  and directories; CRLs from a file and a hashed directory), and reports
 *	  one that yields nothing usable: libpq would then refuse every
 *	  connection (no CA, or CRL checking switched on with no CRL) or, for a
 *	  CRL file it cannot load, silently check none.  The command links libpq
 *	  and so its OpenSSL: OpenSSL is called directly here.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "lint.h"

/* What loading one PEM file into a store gives. */
struct yield
{
	bool loaded; /* X509_STORE_load_file returned 1 */
	int certs;
	int crls;
};

/* True when PATH is a regular file: reading it cannot block (a FIFO would). */
static bool
regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Loads PATH, a regular file, as libpq loads a root or CRL file. */
static void
load_pem(const char *path, struct yield *y)
{
	X509_STORE *st;

	memset(y, 0, sizeof(*y));
	if (!regular(path) || (st = X509_STORE_new()) == NULL)
		return;
	y->loaded = X509_STORE_load_file(st, path) == 1;
	if (y->loaded)
	{
		STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(st);

		for (int i = 0; i < sk_X509_OBJECT_num(objs); i++)
		{
			X509_LOOKUP_TYPE t = X509_OBJECT_get_type(sk_X509_OBJECT_value(objs, i));

			y->certs += t == X509_LU_X509;
			y->crls += t == X509_LU_CRL;
		}
	}
	X509_STORE_free(st);
	ERR_clear_error();
}

/* Why PATH yields nothing, from its first bytes: empty, HTML, not PEM; else GENERIC. */
static const char *
why_nothing(const char *path, const char *generic)
{
	char buf[4096];
	FILE *f = regular(path) ? fopen(path, "rb") : NULL;
	size_t n;
	const char *s;

	if (f == NULL)
		return generic;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n == 0)
		return "the file is empty";
	for (s = buf; *s && isspace((unsigned char) *s); s++)
		;
	if (*s == '<')
		return "it looks like an HTML page, not PEM (a failed download?)";
	if (strstr(buf, "-----BEGIN ") == NULL)
		return "it is not PEM";
	return generic;
}

/* Errors when FILE cannot be opened or is a directory; true when it can be loaded. */
static bool
readable_file(struct lint *l, struct pgs_srcloc at, const char *what, const char *file)
{
	struct stat st;

	if (access(file, R_OK) != 0)
		lint_say(l, false, at, "%s \"%s\" cannot be read: %s", what, file, strerror(errno));
	else if (stat(file, &st) == 0 && S_ISDIR(st.st_mode))
		lint_say(l, false, at, "%s \"%s\" is a directory, not a PEM file", what, file);
	else if (!regular(file))
		lint_say(l, false, at, "%s \"%s\" is not a regular file", what, file);
	else
		return true;
	return false;
}

/*
 * How many hashed files directory DIR holds, as OpenSSL's hash directory
 * lookup names them: HASH.N (certificates) or, with CRLS, HASH.rN, each
 * loaded and counted by the CRLs it holds.
 */
static int
hashed_entries(const char *dir, int *crls)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
	{
		const char *s = e->d_name;
		size_t hex = strspn(s, "0123456789abcdef");

		if (hex != 8 || s[8] != '.')
			continue;
		s += 9;
		if (crls && *s++ != 'r')
			continue;
		if (*s == '\0' || strspn(s, "0123456789") != strlen(s))
			continue;
		n++;
		if (crls)
		{
			char path[PATH_MAX];
			struct yield y;

			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			load_pem(path, &y);
			*crls += y.crls;
		}
	}
	closedir(d);
	return n;
}

/* "system": OpenSSL's default CA file and directories (SSL_CERT_FILE, SSL_CERT_DIR honoured). */
static void
check_system(struct lint *l, struct pgs_srcloc at)
{
	const char *file = getenv(X509_get_default_cert_file_env());
	const char *dirs = getenv(X509_get_default_cert_dir_env());
	char copy[PATH_MAX];
	struct yield y = {0};
	int found = 0;

	file = file ? file : X509_get_default_cert_file();
	dirs = dirs ? dirs : X509_get_default_cert_dir();
	if (access(file, R_OK) == 0)
		load_pem(file, &y);
	found = y.certs;
	snprintf(copy, sizeof(copy), "%s", dirs);
	for (char *save = NULL, *d = strtok_r(copy, ":", &save); d && !found;
		 d = strtok_r(NULL, ":", &save))
		found += hashed_entries(d, NULL);
	if (!found)
		lint_say(l, false, at,
				 "sslrootcert \"system\": the operating system's store (%s, %s) holds no "
				 "certificate",
				 file, dirs);
}

static void
check_ca(struct lint *l, struct pgs_srcloc at, const char *what, const char *file)
{
	struct yield y;

	if (strcmp(file, "system") == 0)
	{
		check_system(l, at);
		return;
	}
	if (!readable_file(l, at, what, file))
		return;
	load_pem(file, &y);
	if (!y.loaded || y.certs == 0)
		lint_say(l, false, at, "%s \"%s\" holds no certificate libpq could load: %s", what, file,
				 why_nothing(file, y.crls ? "it holds only CRLs" : "no PEM certificate in it"));
}

static void
check_crl(struct lint *l, struct pgs_srcloc at, const char *file)
{
	struct yield y;

	if (!readable_file(l, at, "sslcrl", file))
		return;
	load_pem(file, &y);
	if (!y.loaded)
		lint_say(l, false, at,
				 "sslcrl \"%s\" holds no CRL libpq could load (%s): libpq would check no "
				 "revocation at all",
				 file, why_nothing(file, "no PEM CRL in it"));
	else if (y.crls == 0)
		lint_say(l, false, at,
				 "sslcrl \"%s\" holds no CRL, only certificates: libpq would refuse every "
				 "server (\"unable to get certificate CRL\")",
				 file);
}

static void
check_crldir(struct lint *l, struct pgs_srcloc at, const char *dir)
{
	struct stat st;
	int crls = 0;

	if (stat(dir, &st) != 0 || access(dir, R_OK | X_OK) != 0)
		lint_say(l, false, at, "sslcrldir \"%s\" cannot be read: %s", dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		lint_say(l, false, at, "sslcrldir \"%s\" is not a directory", dir);
	else if (hashed_entries(dir, &crls) == 0 || crls == 0)
		lint_say(l, false, at,
				 "sslcrldir \"%s\" holds no CRL under a hashed name (HASH.r0, as openssl "
				 "rehash makes): libpq would refuse every server (\"unable to get certificate "
				 "CRL\")",
				 dir);
}

/* A setting already checked: where it is written (several can share a line). */
struct seen
{
	struct pgs_srcloc at;
	enum pgs_setting_key key;
};

/* Checks setting K of S (written at S->at[K]) unless that one was checked already. */
static void
check_setting(struct lint *l, const struct pgs_settings *s, enum pgs_setting_key k,
			  const char *value, struct seen *seen, size_t *nseen)
{
	struct pgs_srcloc at = s->at[k];

	if (value == NULL || value[0] == '\0')
		return;
	for (size_t i = 0; i < *nseen; i++)
		if (seen[i].at.file == at.file && seen[i].at.line == at.line && seen[i].key == k)
			return;
	seen[(*nseen)++] = (struct seen){.at = at, .key = k};
	if (k == PGS_K_SSLROOTCERT)
		check_ca(l, at, "sslrootcert", value);
	else if (k == PGS_K_NEXT_CA)
		check_ca(l, at, "next_ca", value);
	else if (k == PGS_K_SSLCRL)
		check_crl(l, at, value);
	else
		check_crldir(l, at, value);
}

void
lint_files(struct lint *l)
{
	const struct pgs_policy *p = l->p;
	size_t cap = 4 * (p->nrules + 1);
	struct seen *seen = calloc(cap, sizeof(*seen));
	size_t nseen = 0;

	if (seen == NULL)
	{
		lint_say(l, false, (struct pgs_srcloc){0}, "out of memory");
		return;
	}
	/* The defaults as such govern only under a top-level mode that is not off;
	 * rules that are not off carry what they inherit, with its place. */
	for (size_t i = 0; i <= p->nrules; i++)
	{
		const struct pgs_settings *s = i ? &p->rules[i - 1].s : &p->defaults;

		if ((i ? p->rules[i - 1].mode : p->mode) == PGS_MODE_OFF)
			continue;
		check_setting(l, s, PGS_K_SSLROOTCERT, s->sslrootcert, seen, &nseen);
		check_setting(l, s, PGS_K_SSLCRL, s->sslcrl, seen, &nseen);
		check_setting(l, s, PGS_K_SSLCRLDIR, s->sslcrldir, seen, &nseen);
		check_setting(l, s, PGS_K_NEXT_CA, s->next_ca, seen, &nseen);
	}
	free(seen);
}
