// SPDX-License-Identifier: GPL-2.0-only
/*
 * A cheap test for "has anything changed": /proc/net/ip_vs lists every
 * service and destination in one read, where a netlink dump takes a round
 * trip per service (about ten times slower for 1,000 services).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipvs-internal.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

static uint64_t fnv1a(uint64_t h, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= FNV_PRIME;
	}
	return h;
}

/*
 * The length of a line without what changes with traffic: a destination line
 * ("  -> ADDR:PORT FORWARD WEIGHT ACTIVE INACTIVE") ends in two connection
 * counters.
 */
static size_t stable_len(const char *line, size_t len)
{
	size_t end = len, fields = 0;

	if (strncmp(line, "  -> ", 5))
		return len;
	while (end > 0 && fields < 2) {
		while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\n'))
			end--;
		while (end > 0 && line[end - 1] != ' ')
			end--;
		fields++;
	}
	return end;
}

int ipvs_fingerprint_in(const char *path, uint64_t *ret)
{
	FILE *f = fopen(path, "re");
	uint64_t h = FNV_OFFSET;
	char *line = NULL;
	size_t size = 0;
	ssize_t n;
	int r = 0;

	if (!f)
		return -errno;
	while ((n = getline(&line, &size, f)) > 0)
		h = fnv1a(h, line, stable_len(line, n));
	if (ferror(f))
		r = -EIO;
	free(line);
	fclose(f);
	if (!r)
		*ret = h;
	return r;
}

int ipvs_fingerprint(uint64_t *ret)
{
	return ipvs_fingerprint_in("/proc/net/ip_vs", ret);
}
