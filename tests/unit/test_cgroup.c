/*
 * test_cgroup.c
 *	  The unit a record names, from cgroup paths as systemd, Docker,
 *	  containerd, Podman and Kubernetes lay them out (contract: unit).
 */
#include <stdbool.h>
#include <string.h>

#include "cgroup.h"
#include "check.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* The unit of PATH is WANT (NULL: none). */
static bool
unit_is(const char *path, const char *want)
{
	char buf[256] = "untouched";
	bool found = cgroup_unit_of_path(path, buf, sizeof(buf));

	return want ? found && strcmp(buf, want) == 0 : !found && strcmp(buf, "untouched") == 0;
}

int
main(void)
{
	char small[8];

	CHECK(unit_is("/system.slice/foo.service", "foo.service"));
	CHECK(unit_is("/system.slice/foo.service\n1:cpu:/", "foo.service")); /* one line only */
	CHECK(unit_is("/system.slice/foo.service/init.scope", "foo.service"));
	CHECK(unit_is("/user.slice/user-1000.slice/user@1000.service/app.slice/bar.service",
				  "bar.service")); /* the last one: the user's own service */
	CHECK(unit_is("/system.slice/docker-" ID ".scope", ID));
	CHECK(unit_is("/kubepods.slice/kubepods-pod1.slice/cri-containerd-" ID ".scope", ID));
	CHECK(unit_is("/machine.slice/libpod-" ID ".scope/container", ID));
	CHECK(unit_is("/docker/" ID, ID));
	CHECK(unit_is("/kubepods/besteffort/pod0d2c/" ID, ID));
	CHECK(unit_is("/system.slice/containerd.service/" ID, "containerd.service"));
	CHECK(unit_is("/", NULL));
	CHECK(unit_is("", NULL));
	CHECK(unit_is("/user.slice/user-0.slice/session-3.scope", NULL));
	CHECK(
		unit_is("/docker/0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF", NULL));
	CHECK(unit_is("/docker/" ID "0", NULL)); /* 65 digits */
	CHECK(unit_is("/x/docker-" ID ".slice", NULL));
	CHECK(!cgroup_unit_of_path("/system.slice/foo.service", small, sizeof(small)));
	return check_summary();
}
