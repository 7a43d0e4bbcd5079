/*
 * cgroup.h
 *	  In other people's processes: part of the preloaded library only.
 *	  What runs this process, for fleets that group records by service: the
 *	  systemd unit or the container id in its cgroup path (contract: unit).
 */
#ifndef PGTLS_SHIM_CGROUP_H
#define PGTLS_SHIM_CGROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "attr.h"

/*
 * Reads /proc/self/cgroup (a proc file: never blocks) and puts into BUF
 * (LEN bytes) the unit of the unified "0::" line, else of the
 * "name=systemd" line: the last path component ending in ".service", else
 * the last 64-hex container id (a component that is the id, or
 * "<runtime>-<id>.scope").  False (BUF untouched) when there is none.
 */
bool cgroup_unit(char *buf, size_t len) PGS_WUR;

/* The unit in one cgroup PATH (as above) into BUF; false when none.  Pure. */
bool cgroup_unit_of_path(const char *path, char *buf, size_t len) PGS_WUR;

#endif
