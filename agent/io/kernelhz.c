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

int kernelhz_read(const char *boot_dir, const char *proc_config, const char *release,
		  unsigned int *ret_hz, char *ret_source, size_t size)
{
	char boot[512];
	int r;

	snprintf(boot, sizeof(boot), "%s/config-%s", boot_dir, release);
	r = kernelhz_from_config(boot, ret_hz);
	if (r == 0) {
		snprintf(ret_source, size, "%s", boot);
		return 0;
	}
	if (r != -ENOENT) {
		snprintf(ret_source, size, "%s: %s", boot,
			 r == -ENODATA ? "no CONFIG_HZ" : strerror(-r));
		return r;
	}
	r = kernelhz_from_config(proc_config, ret_hz);
	if (r == 0) {
		snprintf(ret_source, size, "%s", proc_config);
		return 0;
	}
	if (r == -ENOENT || r == -EACCES || r == -EPERM)
		snprintf(ret_source, size, "no %s nor readable %s", boot, proc_config);
	else
		snprintf(ret_source, size, "no %s, and %s: %s", boot, proc_config,
			 r == -ENODATA ? "no CONFIG_HZ" : strerror(-r));
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
