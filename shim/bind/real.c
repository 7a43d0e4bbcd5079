/*
 * real.c
 *	  In other people's processes: part of the preloaded library only.
 *	  The table of real libpq functions for each libpq copy in the process,
 *	  and the map from calling code to the copy it uses.  Resolution never
 *	  links libpq: dlsym on a handle of the caller's own object (its local
 *	  scope holds its libpq even when it was dlopen'ed RTLD_LOCAL, where
 *	  RTLD_NEXT finds nothing), then RTLD_NEXT.  OpenSSL functions are looked
 *	  up through the libpq handle, so they come from the OpenSSL libpq loaded.
 *
 *	  Both maps are append-only arrays published with a release store of
 *	  their count, so readers take no lock; writers hold `lock`.
 */
#include "real.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "forksafe.h"

#define MAX_LIBPQ	8
#define MAX_CALLERS 64

struct caller_range
{
	uintptr_t lo;
	uintptr_t hi;
	const struct pq_api *api;
};

static struct proc_lock lock = PROC_LOCK_INIT;
static struct pq_api apis[MAX_LIBPQ];
static struct libpq_openssl ossls[MAX_LIBPQ];
static const void *api_base[MAX_LIBPQ];
static _Atomic size_t napis;
static struct caller_range callers[MAX_CALLERS];
static _Atomic size_t ncallers;

struct find_obj
{
	uintptr_t addr;
	uintptr_t lo;
	uintptr_t hi;
	const char *name;
	bool found;
};

static int
find_obj_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct find_obj *fo = data;
	uintptr_t lo = UINTPTR_MAX;
	uintptr_t hi = 0;
	bool inside = false;

	(void) size;
	for (int i = 0; i < info->dlpi_phnum; i++)
	{
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t s;
		uintptr_t e;

		if (ph->p_type != PT_LOAD)
			continue;
		s = info->dlpi_addr + ph->p_vaddr;
		e = s + ph->p_memsz;
		lo = s < lo ? s : lo;
		hi = e > hi ? e : hi;
		inside |= fo->addr >= s && fo->addr < e;
	}
	if (!inside)
		return 0;
	fo->lo = lo;
	fo->hi = hi;
	fo->name = info->dlpi_name;
	fo->found = true;
	return 1;
}

static pthread_once_t self_once = PTHREAD_ONCE_INIT;
static struct find_obj self;

static void
find_self(void)
{
	self.addr = (uintptr_t) &find_self;
	dl_iterate_phdr(find_obj_cb, &self);
}

/*
 * True when ADDR lies in this shared object (the shim itself).  A range
 * check: dladdr would scan libcrypto's symbol table for every function
 * looked up there.
 */
static bool
is_self(const void *addr)
{
	pthread_once(&self_once, find_self);
	return addr != NULL && self.found && (uintptr_t) addr >= self.lo && (uintptr_t) addr < self.hi;
}

static void *
sym(void *handle, const char *name)
{
	void *p = dlsym(handle, name);

	return is_self(p) ? NULL : p;
}

/* The table for the libpq containing function F; builds it on first use. */
static const struct pq_api *
api_for_function(void *f)
{
	Dl_info info;
	void *h;
	size_t n = atomic_load_explicit(&napis, memory_order_acquire);

	if (f == NULL || !dladdr(f, &info))
		return NULL;
	for (size_t i = 0; i < n; i++)
	{
		if (api_base[i] == info.dli_fbase)
			return &apis[i];
	}
	if (n == MAX_LIBPQ)
		return NULL;
	/* Keep the handle: it pins this libpq while we hold its functions. */
	h = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
	if (h == NULL)
		return NULL;
	if (!pq_api_load(h, &apis[n], &ossls[n], is_self))
	{
		dlclose(h);
		memset(&apis[n], 0, sizeof(apis[n]));
		return NULL;
	}
	api_base[n] = info.dli_fbase;
	atomic_store_explicit(&napis, n + 1, memory_order_release);
	return &apis[n];
}

/*
 * The libpq whose function dlsym last handed out as a hook (dlhooks.c):
 * for a caller whose own scope holds no libpq, such as libffi's
 * trampolines calling what ctypes found in an RTLD_LOCAL libpq.  Written
 * under `lock`.
 */
static const struct pq_api *adopted;

/* Resolves for CALLER under `lock` and caches its object's range. */
static const struct pq_api *
resolve(const void *caller)
{
	struct find_obj fo = {.addr = (uintptr_t) caller};
	const struct pq_api *api = NULL;
	size_t n;

	dl_iterate_phdr(find_obj_cb, &fo);
	if (fo.found && fo.name != NULL && fo.name[0] != '\0')
	{
		void *h = dlopen(fo.name, RTLD_LAZY | RTLD_NOLOAD);

		if (h != NULL)
		{
			api = api_for_function(sym(h, "PQconnectStartParams"));
			dlclose(h);
		}
	}
	if (api == NULL)
		api = api_for_function(sym(RTLD_NEXT, "PQconnectStartParams"));
	if (api == NULL && (api = adopted) != NULL && napis > 1)
		return api; /* not cached: another copy may be the caller's next time */
	n = atomic_load_explicit(&ncallers, memory_order_relaxed);
	if (api != NULL && fo.found && n < MAX_CALLERS)
	{
		callers[n].lo = fo.lo;
		callers[n].hi = fo.hi;
		callers[n].api = api;
		atomic_store_explicit(&ncallers, n + 1, memory_order_release);
	}
	return api;
}

const struct pq_api *
real_for_caller(const void *caller)
{
	uintptr_t a = (uintptr_t) caller;
	size_t n = atomic_load_explicit(&ncallers, memory_order_acquire);
	const struct pq_api *api;
	int saved;

	for (size_t i = 0; i < n; i++)
	{
		if (a >= callers[i].lo && a < callers[i].hi)
			return callers[i].api;
	}
	saved = errno; /* dlopen and dl_iterate_phdr may set it: not the app's business */
	proc_lock(&lock);
	api = resolve(caller);
	proc_unlock(&lock);
	errno = saved;
	return api;
}

bool
real_is_self(const void *addr)
{
	return is_self(addr);
}

bool
real_adopt(void *fn)
{
	const struct pq_api *api;
	int saved = errno;

	proc_lock(&lock);
	api = api_for_function(fn);
	if (api != NULL)
		adopted = api;
	proc_unlock(&lock);
	errno = saved;
	return api != NULL;
}
