// SPDX-License-Identifier: GPL-2.0-only
/*
 * A stub-resolver client for hand tests and demos inside firetest: N DNS
 * queries to SERVER (a VIP), 1 s per try and up to 3 tries as glibc's
 * resolver, then what they came to. -v: one line per query.
 *
 *   vt_dns [-m fresh|pinned|unconnected] [-n N] [-s SPORT] [-t TIMEOUT_MS]
 *          [-r TRIES] [-i PAUSE_MS] [-v] SERVER
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsclient.h"

static void usage(void)
{
	fprintf(stderr, "usage: vt_dns [-m fresh|pinned|unconnected] [-n N] [-s SPORT] "
			"[-t TIMEOUT_MS] [-r TRIES] [-i PAUSE_MS] [-v] SERVER\n");
}

int main(int argc, char **argv)
{
	struct vt_dns_client c = { .mode = VT_DNS_FRESH };
	struct vt_dns_summary s;
	struct vt_dns_query *q;
	unsigned int n = 10, i;
	bool verbose = false;
	int opt, r;

	while ((opt = getopt(argc, argv, "m:n:s:t:r:i:vh")) != -1) {
		switch (opt) {
		case 'm':
			if (vt_dns_mode_parse(optarg, &c.mode)) {
				usage();
				return 2;
			}
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 's':
			c.port = strtoul(optarg, NULL, 10);
			break;
		case 't':
			c.timeout_ms = atoi(optarg);
			break;
		case 'r':
			c.tries = strtoul(optarg, NULL, 10);
			break;
		case 'i':
			c.pause_ms = atoi(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (optind + 1 != argc || n < 1 || n > 1000000 || c.port > 65535) {
		usage();
		return 2;
	}
	c.server = argv[optind];
	q = calloc(n, sizeof(*q));
	if (!q)
		return 1;
	r = vt_dns_run(&c, n, q, &s);
	if (r) {
		fprintf(stderr, "vt_dns: %s: %s\n", c.server, strerror(-r));
		free(q);
		return 2;
	}
	for (i = 0; verbose && i < n; i++)
		printf("query %3u: %-10s after %u %-5s %8.1f ms, from port %u%s%s\n", i + 1,
		       q[i].answered ? "answered" : "NO ANSWER", q[i].tries,
		       q[i].tries == 1 ? "try," : "tries,", q[i].ms, q[i].local_port,
		       q[i].err ? ": " : "", q[i].err ? strerror(q[i].err) : "");
	vt_dns_print(stdout, vt_dns_mode_name(c.mode), &s);
	free(q);
	return s.answered == s.queries ? 0 : 1;
}
