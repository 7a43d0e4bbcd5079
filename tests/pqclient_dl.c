/*
 * pqclient_dl.c
 *	  A program that does not link libpq: it dlopen()s pqmodule.so, which
 *	  does, with RTLD_LOCAL (as Python and Node load their extensions), so
 *	  libpq is not in the global scope and dlsym(RTLD_NEXT) finds nothing.
 *	  pqclient_dl FLAGS CONNINFO, FLAGS one of: local, global, local-lazy.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	int			flags = RTLD_NOW | RTLD_LOCAL;
	void	   *h;
	int			(*run) (const char *);

	if (argc != 3)
		return 2;
	if (strcmp(argv[1], "global") == 0)
		flags = RTLD_NOW | RTLD_GLOBAL;
	else if (strcmp(argv[1], "local-lazy") == 0)
		flags = RTLD_LAZY | RTLD_LOCAL;
	h = dlopen(PQMODULE_PATH, flags);
	if (h == NULL)
	{
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 2;
	}
	*(void **) (&run) = dlsym(h, "pqmodule_run");
	return run ? run(argv[2]) : 2;
}
