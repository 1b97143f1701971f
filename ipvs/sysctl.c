// SPDX-License-Identifier: GPL-2.0-only
/* The integer sysctls of /proc/sys/net/ipv4/vs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipvs-internal.h"

#define VS_SYSCTL_DIR   "/proc/sys/net/ipv4/vs"
#define SYSCTL_NAME_MAX 64

bool ipvs_sysctl_name_valid(const char *name)
{
	size_t i;

	if (!name || !name[0])
		return false;
	/* no '/', no '.': the name can never leave the directory */
	for (i = 0; name[i]; i++) {
		if (i >= SYSCTL_NAME_MAX)
			return false;
		if ((name[i] < 'a' || name[i] > 'z') && name[i] != '_')
			return false;
	}
	return true;
}

static int sysctl_path(const char *dir, const char *name, char *buf, size_t size)
{
	int n;

	if (!ipvs_sysctl_name_valid(name))
		return -EINVAL;
	n = snprintf(buf, size, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int ipvs_sysctl_get_in(const char *dir, const char *name, int *ret)
{
	char path[PATH_MAX], buf[64], *end;
	ssize_t n;
	long v;
	int fd, r;

	r = sysctl_path(dir, name, path, sizeof(path));
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (end == buf || errno || v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	/* one integer and a newline: sync_threshold and the like hold more */
	end += strspn(end, " \t\n");
	if (*end)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

int ipvs_sysctl_set_in(const char *dir, const char *name, int value)
{
	char path[PATH_MAX], buf[16];
	ssize_t n;
	int fd, len, r;

	r = sysctl_path(dir, name, path, sizeof(path));
	if (r < 0)
		return r;
	len = snprintf(buf, sizeof(buf), "%d\n", value);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* the kernel takes the value in one write or rejects it (EINVAL) */
	n = write(fd, buf, len);
	r = n < 0 ? -errno : n != len ? -EIO : 0;
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

int ipvs_sysctl_get(const char *name, int *ret)
{
	if (!ret)
		return -EINVAL;
	return ipvs_sysctl_get_in(VS_SYSCTL_DIR, name, ret);
}

int ipvs_sysctl_set(const char *name, int value)
{
	return ipvs_sysctl_set_in(VS_SYSCTL_DIR, name, value);
}
