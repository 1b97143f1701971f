// SPDX-License-Identifier: GPL-2.0-only
#include "kernelhz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int kernelhz_from_config(const char *path, unsigned int *ret_hz)
{
	char line[256];
	gzFile f;
	int r = -ENODATA;

	/* gzread passes a file that is not gzipped through as it is */
	f = gzopen(path, "rb");
	if (!f)
		return errno ? -errno : -ENOMEM;
	while (gzgets(f, line, sizeof(line))) {
		char *end;
		unsigned long hz;

		/* CONFIG_HZ=250, not CONFIG_HZ_250=y nor CONFIG_HZ_PERIODIC=y */
		if (strncmp(line, "CONFIG_HZ=", 10))
			continue;
		errno = 0;
		hz = strtoul(line + 10, &end, 10);
		if (errno || end == line + 10 || (*end && *end != '\n') || hz < 1 || hz > 10000) {
			r = -ERANGE;
			break;
		}
		*ret_hz = hz;
		r = 0;
		break;
	}
	gzclose(f);
	return r;
}

static int read_one(const char *path, unsigned int *ret_hz, char *ret_source, size_t size)
{
	int r = kernelhz_from_config(path, ret_hz);

	if (r == 0)
		snprintf(ret_source, size, "%s", path);
	else if (r != -ENOENT)
		snprintf(ret_source, size, "%s: %s", path,
			 r == -ENODATA ? "no CONFIG_HZ" : strerror(-r));
	return r;
}

int kernelhz_read(const char *boot_dir, const char *modules_dir, const char *proc_config,
		  const char *release, unsigned int *ret_hz, char *ret_source, size_t size)
{
	char boot[512], modules[512];
	int r;

	snprintf(boot, sizeof(boot), "%s/config-%s", boot_dir, release);
	snprintf(modules, sizeof(modules), "%s/%s/config", modules_dir, release);
	/* a file that exists but does not tell is the answer: the others are older or absent */
	r = read_one(boot, ret_hz, ret_source, size);
	if (r != -ENOENT)
		return r;
	r = read_one(modules, ret_hz, ret_source, size);
	if (r != -ENOENT)
		return r;
	r = read_one(proc_config, ret_hz, ret_source, size);
	if (r == -ENOENT || r == -EACCES || r == -EPERM) {
		snprintf(ret_source, size, "no %s, %s nor readable %s", boot, modules, proc_config);
		return r;
	}
	return r;
}

uint32_t kernelhz_jiffies(uint64_t ns, unsigned int hz)
{
	uint64_t j;

	if (!hz || !ns)
		return 0;
	/* ns < 2^64 / 10000 for every duration vigil sets: no overflow below */
	if (ns > UINT64_MAX / hz)
		return UINT32_MAX;
	j = (ns * hz + 999999999) / 1000000000;
	return j > UINT32_MAX ? UINT32_MAX : (uint32_t)j;
}
