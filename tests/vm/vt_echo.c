// SPDX-License-Identifier: GPL-2.0-only
/*
 * Long-lived echo clients for hand tests and demos inside firetest: N TCP
 * connections to VIP, each sending a request every INTERVAL_MS, for SECONDS;
 * then one line per connection: where it landed, its first error (seconds
 * after the start), and its reconnect. -I: connection I (from 1) stays idle.
 *
 *   vt_echo [-n N] [-i INTERVAL_MS] [-t SECONDS] [-I IDLE] VIP
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "echoclient.h"
#include "vmtest.h"

static void usage(void)
{
	fprintf(stderr, "usage: vt_echo [-n N] [-i INTERVAL_MS] [-t SECONDS] [-I IDLE] VIP\n");
}

int main(int argc, char **argv)
{
	unsigned int n = 6, idle = 0, seconds = 10, i, errors = 0;
	struct vt_echo_conn c[VT_ECHO_MAX];
	int interval = 100, opt, r;
	static struct vt_echo e;
	uint64_t t0;

	while ((opt = getopt(argc, argv, "n:i:t:I:h")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'i':
			interval = atoi(optarg);
			break;
		case 't':
			seconds = strtoul(optarg, NULL, 10);
			break;
		case 'I':
			idle = strtoul(optarg, NULL, 10);
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (optind + 1 != argc || n < 1 || n > VT_ECHO_MAX || interval < 1 || idle > n) {
		usage();
		return 2;
	}
	t0 = vt_now_ns();
	r = vt_echo_open(&e, argv[optind], n, interval);
	if (r) {
		fprintf(stderr, "vt_echo: %s: %s\n", argv[optind], strerror(-r));
		return 1;
	}
	if (idle)
		e.conns[idle - 1].idle = true;
	vt_echo_start(&e);
	sleep(seconds);
	vt_echo_snapshot(&e, c);
	vt_echo_close(&e);
	for (i = 0; i < n; i++) {
		printf("conn %2u: port %5u to %-18s %s%5llu/%-5llu echoed", i + 1, c[i].port,
		       c[i].real, c[i].idle ? "(idle) " : "", (unsigned long long)c[i].echoed,
		       (unsigned long long)c[i].sent);
		if (c[i].err)
			printf(", %s at %.3f s", strerror(c[i].err), (c[i].err_ns - t0) / 1e9);
		if (c[i].reconnected_ns)
			printf(", reconnected to %s in %.3f s", c[i].new_real,
			       (c[i].reconnected_ns - c[i].err_ns) / 1e9);
		printf("\n");
		errors += c[i].err != 0;
	}
	return errors ? 1 : 0;
}
