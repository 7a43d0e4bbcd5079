/*
 * dlhooks.c
 *	  In other people's processes: part of the preloaded library only.
 *	  dlopen, dlsym and dlmopen, interposed so that a libpq reached around
 *	  the global scope still lands in the hooks, or is at least reported:
 *	  - dlsym(handle, "PQconnect...") on a real handle (ctypes, psycopg 3)
 *	    returns the shim's hook when the real function lies in a libpq, and
 *	    tells real.c which libpq that is;
 *	  - dlopen(file, ... RTLD_DEEPBIND) (PHP's extensions) patches the GOT
 *	    of the objects it loaded, where they bound PQ* to libpq itself (the
 *	    name first resolved as the caller's call would: dlsearch.c);
 *	  - dlmopen into another namespace holding a libpq: a blind_spot record.
 *	  Everything else is handed on as a tail call: glibc resolves RTLD_NEXT,
 *	  RTLD_DEFAULT and a file name's RUNPATH from the caller's return
 *	  address, which a sibling call leaves untouched.  A process that never
 *	  calls these pays nothing: the real functions are found on first use.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "dlsearch.h"
#include "export.h"
#include "gotpatch.h"
#include "hooktab.h"
#include "real.h"
#include "upcalls.h"

typedef void *(*dlsym_fn)(void *, const char *);
typedef void *(*dlopen_fn)(const char *, int);
typedef void *(*dlmopen_fn)(Lmid_t, const char *, int);

static _Atomic(void *) next_fns[3];

/* libc's own NAME (the next definition after the shim), found once. */
PGS_NO_SANITIZE static void *
next_fn(int i, const char *name)
{
	void *p = atomic_load_explicit(&next_fns[i], memory_order_acquire);

	if (p != NULL)
		return p;
	p = dlvsym(RTLD_NEXT, name, "GLIBC_2.34");
	if (p == NULL)
		p = dlvsym(RTLD_NEXT, name, "GLIBC_2.2.5");
	atomic_store_explicit(&next_fns[i], p, memory_order_release);
	return p;
}

PGS_NO_SANITIZE static inline dlsym_fn
next_dlsym(void)
{
	void *p = next_fn(0, "dlsym");
	dlsym_fn f;

	memcpy(&f, &p, sizeof(f));
	return f;
}

PGS_NO_SANITIZE static inline dlopen_fn
next_dlopen(void)
{
	void *p = next_fn(1, "dlopen");
	dlopen_fn f;

	memcpy(&f, &p, sizeof(f));
	return f;
}

PGS_NO_SANITIZE static inline dlmopen_fn
next_dlmopen(void)
{
	void *p = next_fn(2, "dlmopen");
	dlmopen_fn f;

	memcpy(&f, &p, sizeof(f));
	return f;
}

/* A hooked NAME on a real HANDLE: the hook instead of a libpq's own. */
static __attribute__((noinline)) void *
dlsym_hooked(void *handle, const char *name, const void *caller)
{
	void *p = next_dlsym()(handle, name);
	int saved = errno;
	void *hooks[NHOOKS];

	if (p == NULL || real_is_self(caller) || real_is_self(p))
		return p; /* the app's error, or the shim's own lookup: untouched */
	if (real_adopt(p) && hook_addresses(hooks))
	{
		process_settle();
		p = hooks[hook_index(name)];
	}
	(void) dlerror(); /* the lookup succeeded: leave none of ours behind */
	errno = saved;
	return p;
}

PGS_HOOK PGS_NO_SANITIZE void *
dlsym(void *restrict handle, const char *restrict name)
{
	if (handle == RTLD_NEXT || handle == RTLD_DEFAULT || hook_index(name) < 0)
		return next_dlsym()(handle, name);
	return dlsym_hooked(handle, name, __builtin_return_address(0));
}

static __attribute__((noinline)) void *
dlopen_deep(const char *file, int mode)
{
	void *h = next_dlopen()(file, mode);
	int saved = errno;

	if (h != NULL)
	{
		process_settle(); /* before a daemon forks workers and clears their environment */
		gotpatch_loaded(h);
		(void) dlerror();
	}
	errno = saved;
	return h;
}

/*
 * FILE with RTLD_DEEPBIND into the caller's (the base) namespace: glibc
 * resolves a bare name's search and $ORIGIN from CALLER, which a dlopen
 * from here is not, so the name is first resolved as CALLER would have it.
 */
static __attribute__((noinline)) void *
deepbind(const char *file, int mode, const void *caller)
{
	char path[4096];
	int saved = errno;

	file = dl_name_for_caller(caller, file, path, sizeof(path));
	(void) dlerror();
	errno = saved;
	return dlopen_deep(file, mode);
}

PGS_HOOK PGS_NO_SANITIZE void *
dlopen(const char *file, int mode)
{
	if (!(mode & RTLD_DEEPBIND) || file == NULL)
		return next_dlopen()(file, mode);
	return deepbind(file, mode, __builtin_return_address(0));
}

static __attribute__((noinline)) void *
dlmopen_other(Lmid_t lmid, const char *file, int mode)
{
	void *h = next_dlmopen()(lmid, file, mode);
	int saved = errno;
	void *p = h ? next_dlsym()(h, "PQconnectStartParams") : NULL;
	Dl_info info;

	if (p != NULL && dladdr(p, &info) && info.dli_fname != NULL)
		blind_spot(info.dli_fname, info.dli_fbase,
				   "loaded with dlmopen into another link-map namespace, where no "
				   "preloaded library is: its connections are neither seen nor governed");
	if (h != NULL)
		(void) dlerror();
	errno = saved;
	return h;
}

PGS_HOOK PGS_NO_SANITIZE void *
dlmopen(Lmid_t lmid, const char *file, int mode)
{
	if (lmid != LM_ID_BASE)
		return dlmopen_other(lmid, file, mode);
	if (!(mode & RTLD_DEEPBIND) || file == NULL)
		return next_dlmopen()(lmid, file, mode);
	return deepbind(file, mode, __builtin_return_address(0)); /* = dlopen */
}
