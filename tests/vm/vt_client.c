// SPDX-License-Identifier: GPL-2.0-only
/*
 * A client for demos and hand tests inside firetest: COUNT sequential TCP
 * connections to ADDR, each capped at CAP_MS, one line each.
 *
 *   vt_client ADDR [COUNT] [CAP_MS] [PAUSE_MS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmtest.h"

int main(int argc, char **argv)
{
	unsigned int count = argc > 2 ? atoi(argv[2]) : 1, i, ok = 0;
	int cap = argc > 3 ? atoi(argv[3]) : 10000, pause_ms = argc > 4 ? atoi(argv[4]) : 0;
	struct vt_conn c;

	if (argc < 2) {
		fprintf(stderr, "usage: vt_client ADDR [COUNT] [CAP_MS] [PAUSE_MS]\n");
		return 2;
	}
	for (i = 0; i < count; i++) {
		if (vt_connect(argv[1], cap, &c) < 0) {
			fprintf(stderr, "vt_client: bad address %s\n", argv[1]);
			return 2;
		}
		printf("client %2u: %-9s in %.3f s%s%s\n", i + 1, c.err ? "FAILED" : "connected",
		       c.seconds, c.err ? ": " : "", c.err ? strerror(c.err) : "");
		fflush(stdout);
		ok += !c.err;
		if (pause_ms)
			usleep(pause_ms * 1000);
	}
	return ok == count ? 0 : 1;
}
