/*
 * dlsearch.c
 *	  In other people's processes: part of the preloaded library only.
 *	  Resolving a dlopen file name as the application's call would have.
 *	  dlhooks.c must call glibc's dlopen itself for an RTLD_DEEPBIND load
 *	  (to patch what it loaded), and glibc takes two things from the
 *	  caller's object, found by the return address: the directories a bare
 *	  name is searched in (its RPATH chain and RUNPATH) and $ORIGIN.  This
 *	  file finds what the application's call would have opened and says
 *	  what the shim should ask for instead:
 *	  - a name an object already loaded answers to (its SONAME, its path):
 *	    glibc matches it before any search, whoever asks: as it is;
 *	  - a bare name: glibc's own search list for both objects (dlinfo
 *	    RTLD_DI_SERINFO).  The same list: as it is (the cache and the
 *	    hwcaps subdirectories then work as for the caller).  Otherwise the
 *	    directories only the caller searches are walked, as glibc would,
 *	    skipping files it would skip (not an ELF object of this machine);
 *	    the first hit is opened by its path, and a miss leaves what both
 *	    share (ld.so.cache, the system directories): as it is;
 *	  - a path with $ORIGIN: expanded from the caller's object.
 *	  Known differences: glibc-hwcaps subdirectories of the caller-only
 *	  directories are not looked into, and a file in the main program's
 *	  DT_RPATH is found for a caller with a RUNPATH (which glibc skips).
 */
#include "dlsearch.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loaded.h"

/* This library's own ELF header (the linker defines the symbol). */
extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

/* The object holding ADDR, or the main program's (glibc's choice too). */
static struct link_map *
map_of(const void *addr)
{
	Dl_info info;
	struct link_map *map = NULL;
	void *main_handle;

	if (addr != NULL && dladdr1(addr, &info, (void **) &map, RTLD_DL_LINKMAP) && map != NULL)
		return map;
	main_handle = dlopen(NULL, RTLD_LAZY | RTLD_NOLOAD);
	if (main_handle == NULL || dlinfo(main_handle, RTLD_DI_LINKMAP, &map) != 0)
		map = NULL;
	return map;
}

/* glibc's search list for the object MAP; NULL if it cannot be had.  Freed
 * by the caller. */
static Dl_serinfo *
search_list(struct link_map *map)
{
	Dl_serinfo size;
	Dl_serinfo *info;

	/* A dlopen handle is the object's link map in glibc. */
	if (map == NULL || dlinfo(map, RTLD_DI_SERINFOSIZE, &size) != 0 || size.dls_size < sizeof(size))
		return NULL;
	info = malloc(size.dls_size);
	if (info == NULL)
		return NULL;
	info->dls_size = size.dls_size;
	info->dls_cnt = size.dls_cnt;
	if (dlinfo(map, RTLD_DI_SERINFO, info) != 0)
	{
		free(info);
		return NULL;
	}
	return info;
}

/* How many leading directories of C are not in the tail C shares with S. */
static unsigned int
own_part(const Dl_serinfo *c, const Dl_serinfo *s)
{
	unsigned int i = c->dls_cnt;
	unsigned int j = s->dls_cnt;

	while (i > 0 && j > 0 &&
		   strcmp(c->dls_serpath[i - 1].dls_name, s->dls_serpath[j - 1].dls_name) == 0)
	{
		i--;
		j--;
	}
	return i;
}

/* PATH is an ELF object glibc would load here: a regular file, a shared
 * object of this library's class, byte order and machine. */
static bool
loadable(const char *path)
{
	ElfW(Ehdr) h;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	bool ok;

	if (fd < 0)
		return false;
	ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && read(fd, &h, sizeof(h)) == sizeof(h) &&
		 memcmp(h.e_ident, ELFMAG, SELFMAG) == 0 &&
		 h.e_ident[EI_CLASS] == __ehdr_start.e_ident[EI_CLASS] &&
		 h.e_ident[EI_DATA] == __ehdr_start.e_ident[EI_DATA] &&
		 h.e_machine == __ehdr_start.e_machine && h.e_type == ET_DYN;
	close(fd);
	return ok;
}

/* Does a loaded object answer to NAME (its path or its DT_SONAME)? */
static int
answers_to(struct dl_phdr_info *info, size_t size, void *name)
{
	const ElfW(Dyn) *d = NULL;
	const char *strtab = NULL;
	uintptr_t soname = 0;
	bool has_soname = false;

	(void) size;
	if (info->dlpi_name != NULL && strcmp(info->dlpi_name, name) == 0)
		return 1;
	for (int i = 0; i < info->dlpi_phnum && d == NULL; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			d = loaded_at(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	for (; d != NULL && d->d_tag != DT_NULL; d++)
	{
		if (d->d_tag == DT_STRTAB)
			strtab = loaded_dyn_ptr(info->dlpi_addr, d->d_un.d_ptr);
		else if (d->d_tag == DT_SONAME)
		{
			soname = d->d_un.d_val;
			has_soname = true;
		}
	}
	return has_soname && strtab != NULL && strcmp(strtab + soname, name) == 0;
}

/* A bare FILE: see the header comment. */
static const char *
bare(const void *caller, const char *file, char *out, size_t len)
{
	Dl_serinfo *c;
	Dl_serinfo *s;
	const char *found = file;

	if (dl_iterate_phdr(answers_to, (void *) file) != 0)
		return file;
	c = search_list(map_of(caller));
	s = search_list(map_of((const void *) &__ehdr_start));
	if (c != NULL && s != NULL)
	{
		unsigned int n = own_part(c, s);

		for (unsigned int i = 0; i < n && found == file; i++)
		{
			int w = snprintf(out, len, "%s/%s", c->dls_serpath[i].dls_name, file);

			if (w > 0 && (size_t) w < len && loadable(out))
				found = out;
		}
	}
	free(c);
	free(s);
	return found;
}

/* The directory of the object MAP (the main program's: its executable), as
 * glibc's $ORIGIN; false when it cannot be told. */
static bool
origin_of(const struct link_map *map, char *dir, size_t len)
{
	char *slash;

	if (map->l_name != NULL && map->l_name[0] == '/')
	{
		if (strlen(map->l_name) >= len)
			return false;
		memcpy(dir, map->l_name, strlen(map->l_name) + 1);
	}
	else
	{
		ssize_t n = readlink("/proc/self/exe", dir, len - 1);

		if (n <= 0 || map->l_name == NULL || map->l_name[0] != '\0')
			return false; /* a relative name: leave it to glibc */
		dir[n] = '\0';
	}
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return false;
	*(slash == dir ? slash + 1 : slash) = '\0';
	return true;
}

/* A path FILE with $ORIGIN or ${ORIGIN}: expanded from CALLER's object. */
static const char *
with_origin(const void *caller, const char *file, char *out, size_t len)
{
	const struct link_map *map = map_of(caller);
	char dir[4096];
	size_t used = 0;

	if (getauxval(AT_SECURE) || map == NULL || !origin_of(map, dir, sizeof(dir)))
		return file; /* setuid: glibc's own rules; unknown: as it is */
	for (const char *p = file; *p != '\0';)
	{
		size_t skip = strncmp(p, "$ORIGIN", 7) == 0 ? 7 : strncmp(p, "${ORIGIN}", 9) == 0 ? 9 : 0;
		const char *piece = skip ? dir : p;
		size_t n = skip ? strlen(dir) : 1;

		if (used + n >= len)
			return file;
		memcpy(out + used, piece, n);
		used += n;
		p += skip ? skip : 1;
	}
	out[used] = '\0';
	return out;
}

const char *
dl_name_for_caller(const void *caller, const char *file, char *out, size_t len)
{
	if (strchr(file, '/') == NULL)
		return bare(caller, file, out, len);
	if (strstr(file, "$ORIGIN") != NULL || strstr(file, "${ORIGIN}") != NULL)
		return with_origin(caller, file, out, len);
	return file;
}
