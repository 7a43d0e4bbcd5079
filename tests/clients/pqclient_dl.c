/*
 * pqclient_dl.c
 *	  A program that does not link libpq: it dlopen()s modules that do, the
 *	  way language runtimes load database extensions, so libpq may be absent
 *	  from the global scope (dlsym(RTLD_NEXT) then finds nothing).
 *	  pqclient_dl FLAGS CONNINFO [MODULE...]; FLAGS: local, local-lazy,
 *	  global, global-lazy, deepbind, dlmopen (a new link-map namespace).
 *	  Each module's pqmodule_run connects.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static int
flags_of(const char *name)
{
	static const struct
	{
		const char *name;
		int flags;
	} table[] = {
		{"local", RTLD_NOW | RTLD_LOCAL},		/* Python's default */
		{"local-lazy", RTLD_LAZY | RTLD_LOCAL}, /* Node's process.dlopen */
		{"global", RTLD_NOW | RTLD_GLOBAL},
		{"global-lazy", RTLD_LAZY | RTLD_GLOBAL}, /* Ruby, Perl with dl_load_flags */
		{"deepbind", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND},
		{"dlmopen", RTLD_NOW | RTLD_LOCAL},
		{"dlmopen-base-deepbind", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND},
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
	{
		if (strcmp(name, table[i].name) == 0)
			return table[i].flags;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	int flags;
	int rc = 0;

	if (argc < 3 || (flags = flags_of(argv[1])) < 0)
	{
		fprintf(stderr, "usage: pqclient_dl FLAGS CONNINFO [MODULE...]\n");
		return 2;
	}
	for (int i = argc > 3 ? 3 : 2; i < (argc > 3 ? argc : 3); i++)
	{
		const char *path = argc > 3 ? argv[i] : PQMODULE_PATH;
		void *h;
		int (*run)(const char *);

		if (strcmp(argv[1], "dlmopen") == 0)
			h = dlmopen(LM_ID_NEWLM, path, flags);
		else if (strncmp(argv[1], "dlmopen-base", 12) == 0)
			h = dlmopen(LM_ID_BASE, path, flags);
		else
			h = dlopen(path, flags);

		if (h == NULL)
		{
			fprintf(stderr, "dlopen: %s\n", dlerror());
			return 2;
		}
		*(void **) (&run) = dlsym(h, "pqmodule_run");
		rc |= run ? run(argv[2]) : 2;
	}
	return rc;
}
