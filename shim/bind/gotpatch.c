/*
 * gotpatch.c
 *	  In other people's processes: part of the preloaded library only.
 *	  RTLD_DEEPBIND puts a module's own dependencies before the global scope,
 *	  so its calls to libpq never reach the preloaded hooks (PHP loads every
 *	  extension that way).  After such a dlopen, the objects it loaded (the
 *	  module's link map and those after it in the namespace, found under the
 *	  loader's lock inside dl_iterate_phdr) get their GOT entries for hooked
 *	  names set to the hooks.  The dynamic section gives the relocations
 *	  (RELA only); a slot is written only when it lies in a writable segment
 *	  of its own object, and a slot in RELRO is made writable for the write
 *	  and read-only again after it.  A lazy JUMP_SLOT written this way is
 *	  never resolved again, so the binding is final.
 */
#include "gotpatch.h"

#include <dlfcn.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hooktab.h"
#include "loaded.h"
#include "real.h"
#include "upcalls.h"
#include "forksafe.h"

#if defined(__x86_64__)
#define R_JUMP_SLOT R_X86_64_JUMP_SLOT
#define R_GLOB_DAT	R_X86_64_GLOB_DAT
#elif defined(__aarch64__)
#define R_JUMP_SLOT R_AARCH64_JUMP_SLOT
#define R_GLOB_DAT	R_AARCH64_GLOB_DAT
#endif

#define MAX_NEW 128

typedef ElfW(Sym) elf_sym;
typedef ElfW(Rela) elf_rela;
typedef ElfW(Dyn) elf_dyn;
typedef ElfW(Phdr) elf_phdr;
typedef ElfW(Sxword) elf_sxword;

struct patch_job
{
	const struct link_map *first;
	uintptr_t addr[MAX_NEW];
	const char *name[MAX_NEW];
	int n;
	bool collected;
	bool failed;
	void *hooks[NHOOKS];
};

/* The object being patched: its segments and dynamic tables. */
struct obj
{
	const struct dl_phdr_info *info;
	const elf_sym *symtab;
	const char *strtab;
	const elf_rela *rela[2]; /* DT_JMPREL, DT_RELA */
	size_t nrela[2];
	size_t first[2]; /* DT_RELACOUNT: the leading RELATIVE ones, skipped */
	uintptr_t relro_lo;
	uintptr_t relro_hi;
	bool rel_only; /* REL relocations: not handled */
};

static struct proc_lock lock = PROC_LOCK_INIT;

/* True when [SLOT, SLOT+8) lies in a writable segment of the object. */
static bool
in_own_data(const struct obj *o, uintptr_t slot)
{
	for (int i = 0; i < o->info->dlpi_phnum; i++)
	{
		const elf_phdr *ph = &o->info->dlpi_phdr[i];
		uintptr_t s = o->info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W) && slot >= s &&
			slot + sizeof(void *) <= s + ph->p_memsz)
			return true;
	}
	return false;
}

static bool
write_slot(const struct obj *o, uintptr_t slot, void *value)
{
	uintptr_t page = slot & ~((uintptr_t) sysconf(_SC_PAGESIZE) - 1);
	bool ro = slot >= o->relro_lo && slot < o->relro_hi;
	size_t len = (size_t) sysconf(_SC_PAGESIZE);

	if (!in_own_data(o, slot))
		return false;
	if (*(void *volatile *) loaded_at(slot) == value)
		return true;
	if (ro && mprotect(loaded_at(page), len, PROT_READ | PROT_WRITE) != 0)
		return false;
	__atomic_store_n((void **) loaded_at(slot), value, __ATOMIC_RELEASE);
	if (ro)
		(void) mprotect(loaded_at(page), len, PROT_READ);
	return true;
}

static void
read_dynamic(struct obj *o, const elf_dyn *d)
{
	elf_sxword pltrel = DT_RELA;

	for (; d->d_tag != DT_NULL; d++)
	{
		if (d->d_tag == DT_SYMTAB)
			o->symtab = loaded_dyn_ptr(o->info->dlpi_addr, d->d_un.d_ptr);
		else if (d->d_tag == DT_STRTAB)
			o->strtab = loaded_dyn_ptr(o->info->dlpi_addr, d->d_un.d_ptr);
		else if (d->d_tag == DT_JMPREL)
			o->rela[0] = loaded_dyn_ptr(o->info->dlpi_addr, d->d_un.d_ptr);
		else if (d->d_tag == DT_PLTRELSZ)
			o->nrela[0] = d->d_un.d_val / sizeof(elf_rela);
		else if (d->d_tag == DT_RELA)
			o->rela[1] = loaded_dyn_ptr(o->info->dlpi_addr, d->d_un.d_ptr);
		else if (d->d_tag == DT_RELASZ)
			o->nrela[1] = d->d_un.d_val / sizeof(elf_rela);
		else if (d->d_tag == DT_RELACOUNT)
			o->first[1] = d->d_un.d_val;
		else if (d->d_tag == DT_PLTREL)
			pltrel = (elf_sxword) d->d_un.d_val;
		else if (d->d_tag == DT_REL)
			o->rel_only = true;
	}
	o->rel_only |= pltrel != DT_RELA;
}

/* Fills O from INFO's program headers; false without a dynamic section. */
static bool
load_obj(struct obj *o, const struct dl_phdr_info *info)
{
	const elf_dyn *dyn = NULL;
	uintptr_t pg = (uintptr_t) sysconf(_SC_PAGESIZE) - 1;

	*o = (struct obj){.info = info};
	for (int i = 0; i < info->dlpi_phnum; i++)
	{
		const elf_phdr *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_DYNAMIC)
			dyn = loaded_at(info->dlpi_addr + ph->p_vaddr);
		else if (ph->p_type == PT_GNU_RELRO)
		{
			o->relro_lo = (info->dlpi_addr + ph->p_vaddr) & ~pg;
			o->relro_hi = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz) & ~pg;
		}
	}
	if (dyn == NULL)
		return false;
	read_dynamic(o, dyn);
	return o->symtab != NULL && o->strtab != NULL;
}

/* Patches one object's imports of hooked names; false on a failure. */
static bool
patch_object(const struct dl_phdr_info *info, void *const hooks[NHOOKS])
{
	struct obj o;
	bool ok = true;

	if (!load_obj(&o, info) ||
		real_is_self(loaded_at(info->dlpi_addr + info->dlpi_phdr[0].p_vaddr)))
		return true; /* nothing to patch, or the shim itself */
	for (int t = 0; t < 2; t++)
	{
		for (size_t i = o.first[t]; o.rela[t] != NULL && i < o.nrela[t]; i++)
		{
			const elf_rela *r = &o.rela[t][i];
			size_t type = ELF64_R_TYPE(r->r_info);
			size_t symi = ELF64_R_SYM(r->r_info);
			const char *name;
			int h;

			if (symi == 0 || (type != R_JUMP_SLOT && type != R_GLOB_DAT))
				continue;
			name = o.strtab + o.symtab[symi].st_name;
			if (name[0] != 'P' || name[1] != 'Q' || (h = hook_index(name)) < 0)
				continue;
			ok &= write_slot(&o, info->dlpi_addr + r->r_offset, hooks[h]);
		}
	}
	return ok && !o.rel_only;
}

/* The objects JOB->first and after it, while the loader's lock is held. */
static void
collect(struct patch_job *job)
{
	for (const struct link_map *l = job->first; l != NULL && job->n < MAX_NEW; l = l->l_next)
	{
		job->addr[job->n] = l->l_addr;
		job->name[job->n++] = l->l_name;
	}
	job->collected = true;
}

static int
patch_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct patch_job *job = data;

	(void) size;
	if (!job->collected)
		collect(job);
	for (int i = 0; i < job->n; i++)
	{
		if (job->addr[i] == info->dlpi_addr && job->name[i] == info->dlpi_name &&
			!patch_object(info, job->hooks))
			job->failed = true;
	}
	return 0;
}

/* The libpq HANDLE's object reaches, reported as a blind spot. */
static void
report(void *handle)
{
	void *p = dlsym(handle, "PQconnectStartParams");
	Dl_info info;

	if (p != NULL && dladdr(p, &info) && info.dli_fname != NULL)
		blind_spot(info.dli_fname, info.dli_fbase,
				   "loaded with RTLD_DEEPBIND by a module whose bindings could not be "
				   "redirected to the shim: its connections are neither seen nor governed");
}

void
gotpatch_loaded(void *handle)
{
	static struct patch_job job; /* large: kept off the caller's stack, under `lock` */
	struct link_map *lm = NULL;
	bool failed;

	if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || lm == NULL)
		return;
	proc_lock(&lock);
	job = (struct patch_job){.first = lm};
#if defined(R_JUMP_SLOT)
	if (hook_addresses(job.hooks))
		dl_iterate_phdr(patch_cb, &job);
	else
		job.failed = true;
#else
	job.failed = true;
#endif
	failed = job.failed;
	proc_unlock(&lock);
	if (failed)
		report(handle);
}
