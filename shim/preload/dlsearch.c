/*
 * dlsearch.c
 *	  The directories glibc's dlopen searches for a bare file name, as seen
 *	  from the object that called it.  dlhooks.c needs them for
 *	  dlopen("name.so", RTLD_DEEPBIND): glibc takes the caller's DT_RUNPATH
 *	  and DT_RPATH from the return address, so the shim cannot simply call
 *	  dlopen with the name itself; it finds the file the caller would get and
 *	  opens that path instead.  glibc gives the list (dlinfo
 *	  RTLD_DI_SERINFO, in its own search order); this file only walks it.
 */
#include "dlsearch.h"

#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A regular file at DIR/FILE: its path in OUT.  True when so. */
static bool
try_dir(const char *dir, const char *file, char *out, size_t len)
{
	struct stat st;
	int n = snprintf(out, len, "%s/%s", dir, file);

	return n > 0 && (size_t) n < len && stat(out, &st) == 0 && S_ISREG(st.st_mode);
}

/* glibc's search list for the object MAP; NULL if it cannot be had.  Freed
 * by the caller. */
static Dl_serinfo *
search_list(struct link_map *map)
{
	Dl_serinfo size;
	Dl_serinfo *info;

	/* A dlopen handle is the object's link map in glibc. */
	if (dlinfo(map, RTLD_DI_SERINFOSIZE, &size) != 0 || size.dls_size < sizeof(size))
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

bool
dl_search_for_caller(const void *caller, const char *file, char *out, size_t len)
{
	Dl_info where;
	struct link_map *map = NULL;
	Dl_serinfo *info;
	bool found = false;

	if (!dladdr1(caller, &where, (void **) &map, RTLD_DL_LINKMAP) || map == NULL)
		return false;
	info = search_list(map);
	if (info == NULL)
		return false;
	for (unsigned int i = 0; i < info->dls_cnt && !found; i++)
		found = try_dir(info->dls_serpath[i].dls_name, file, out, len);
	free(info);
	(void) dlerror();
	return found;
}
