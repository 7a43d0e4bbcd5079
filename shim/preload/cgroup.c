/*
 * cgroup.c
 *	  In other people's processes: part of the preloaded library only.
 *	  The unit from the process's cgroup path: systemd's "foo.service", or a
 *	  container runtime's 64-hex id ("docker-<id>.scope" under systemd,
 *	  "/docker/<id>" or "/kubepods/.../<id>" under cgroupfs).
 */
#include "cgroup.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ID_LEN 64

/* C (N bytes) is 64 lowercase hex digits. */
static bool
is_id(const char *c, size_t n)
{
	return n == ID_LEN && strspn(c, "0123456789abcdef") >= ID_LEN;
}

/* The container id in component C (N bytes): C itself, or "X-<id>.scope"; NULL. */
static const char *
id_in(const char *c, size_t n)
{
	const char *dash;

	if (is_id(c, n))
		return c;
	if (n > ID_LEN + 6 && memcmp(c + n - 6, ".scope", 6) == 0)
	{
		dash = c + n - 6 - ID_LEN - 1;
		if (*dash == '-' && is_id(dash + 1, ID_LEN))
			return dash + 1;
	}
	return NULL;
}

bool
cgroup_unit_of_path(const char *path, char *buf, size_t len)
{
	const char *service = NULL;
	const char *id = NULL;
	size_t service_len = 0;

	for (const char *c = path; *c;)
	{
		size_t n = strcspn(c, "/\n");
		const char *i;

		if (n >= 8 && memcmp(c + n - 8, ".service", 8) == 0)
		{
			service = c;
			service_len = n;
		}
		if ((i = id_in(c, n)) != NULL)
			id = i;
		c += n;
		if (*c == '\n')
			break;
		if (*c)
			c++;
	}
	if (service != NULL && service_len < len)
	{
		memcpy(buf, service, service_len);
		buf[service_len] = '\0';
		return true;
	}
	if (id != NULL && ID_LEN < len)
	{
		memcpy(buf, id, ID_LEN);
		buf[ID_LEN] = '\0';
		return true;
	}
	return false;
}

/* The path of the line in TEXT whose controllers field is CONTROLLERS; NULL. */
static const char *
line_path(const char *text, const char *controllers)
{
	size_t want = strlen(controllers);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
	{
		const char *c = strchr(l, ':');
		const char *nl = strchr(l, '\n');

		if (c == NULL || (nl != NULL && c > nl))
			continue;
		c++;
		if (strncmp(c, controllers, want) == 0 && c[want] == ':')
			return c + want + 1;
	}
	return NULL;
}

bool
cgroup_unit(char *buf, size_t len)
{
	char text[8192];
	ssize_t n;
	const char *path;
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return false;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return false;
	text[n] = '\0';
	/* The unified line is "0::PATH": hierarchy 0, no controllers. */
	path = strncmp(text, "0::", 3) == 0 ? text + 3 : strstr(text, "\n0::");
	if (path != NULL && path != text + 3)
		path += 4;
	if (path != NULL && cgroup_unit_of_path(path, buf, len))
		return true;
	path = line_path(text, "name=systemd");
	return path != NULL && cgroup_unit_of_path(path, buf, len);
}
