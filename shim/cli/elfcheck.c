/*
 * elfcheck.c
 *	  Tells in advance when LD_PRELOAD cannot reach a program's connections:
 *	  a static executable (no PT_INTERP: the dynamic linker never runs), or a
 *	  Go program (Go's PostgreSQL drivers speak the protocol themselves), or
 *	  a runtime whose usual drivers do the same (JVM, .NET, Node).
 *	  Reads the ELF headers directly, so containers need no binutils.
 */
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Finds CMD the way execvp would; false when it is not found. */
static bool
resolve(const char *cmd, char out[PATH_MAX])
{
	const char *path = getenv("PATH");

	if (strchr(cmd, '/'))
		return snprintf(out, PATH_MAX, "%s", cmd) < PATH_MAX && access(out, X_OK) == 0;
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;)
	{
		size_t n = strcspn(p, ":");

		if (snprintf(out, PATH_MAX, "%.*s/%s", (int) n, p, cmd) < PATH_MAX &&
			access(out, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

static bool
read_at(int fd, void *buf, size_t len, off_t off)
{
	return pread(fd, buf, len, off) == (ssize_t) len;
}

/* Looks for PT_INTERP and a ".go.buildinfo" section in a 64-bit ELF. */
static void
inspect_elf(int fd, bool *is_elf, bool *dynamic, bool *go)
{
	Elf64_Ehdr eh;

	*is_elf = *dynamic = *go = false;
	if (!read_at(fd, &eh, sizeof(eh), 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
		eh.e_ident[EI_CLASS] != ELFCLASS64)
		return;
	*is_elf = true;
	for (int i = 0; i < eh.e_phnum && i < 256; i++)
	{
		Elf64_Phdr ph;

		if (read_at(fd, &ph, sizeof(ph), (off_t) (eh.e_phoff + (Elf64_Off) i * eh.e_phentsize)) &&
			ph.p_type == PT_INTERP)
			*dynamic = true;
	}
	if (eh.e_shstrndx != SHN_UNDEF && eh.e_shstrndx < eh.e_shnum && eh.e_shnum < 4096)
	{
		Elf64_Shdr strtab;

		if (!read_at(fd, &strtab, sizeof(strtab),
					 (off_t) (eh.e_shoff + (Elf64_Off) eh.e_shstrndx * eh.e_shentsize)))
			return;
		for (int i = 0; i < eh.e_shnum; i++)
		{
			Elf64_Shdr sh;
			char name[16] = {0};

			if (read_at(fd, &sh, sizeof(sh),
						(off_t) (eh.e_shoff + (Elf64_Off) i * eh.e_shentsize)) &&
				sh.sh_name < strtab.sh_size &&
				pread(fd, name, sizeof(name) - 1, (off_t) (strtab.sh_offset + sh.sh_name)) > 0 &&
				strcmp(name, ".go.buildinfo") == 0)
				*go = true;
		}
	}
}

/* Runtimes whose common PostgreSQL drivers do not use libpq, by file name;
 * what else there is for them that does. */
static const struct
{
	const char *name;
	const char *drivers;
	const char *but;
} runtimes[] = {
	{"java", "JDBC (pgjdbc)", ""},
	{"dotnet", "Npgsql", ""},
	{"node", "node-postgres without pg-native", " (pg-native uses libpq: its connections are)"},
	{"nodejs", "node-postgres without pg-native", " (pg-native uses libpq: its connections are)"},
};

static void
warn_runtime(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
	{
		if (strcmp(base, runtimes[i].name) == 0)
			fprintf(stderr,
					"pgtls-shim: warning: %s: %s speaks the PostgreSQL protocol without "
					"libpq, so connections made through it will not be checked%s\n",
					path, runtimes[i].drivers, runtimes[i].but);
	}
}

void
cli_warn_unreachable(const char *cmd)
{
	char path[PATH_MAX];
	int fd;
	bool is_elf;
	bool dynamic;
	bool go;

	if (!resolve(cmd, path) || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	inspect_elf(fd, &is_elf, &dynamic, &go);
	close(fd);
	if (is_elf && !dynamic)
		fprintf(stderr,
				"pgtls-shim: warning: %s is statically linked: LD_PRELOAD cannot "
				"reach it, and its connections will not be checked\n",
				path);
	else if (is_elf && go)
		fprintf(stderr,
				"pgtls-shim: warning: %s is a Go program: Go's PostgreSQL drivers "
				"do not use libpq, so its connections will not be checked\n",
				path);
	else if (is_elf)
		warn_runtime(path);
}
