// SPDX-License-Identifier: GPL-2.0-only
/*
 * The event pipeline under a connection storm, inside firetest: connections
 * per second through IPVS without vigild and with vigild --trace --json
 * consuming every event, side by side in one run; events consumed per
 * second; vigild's CPU time as a fraction of all CPU time the storm took.
 *
 *   bench_pipeline [CONNECTIONS] [ROUNDS]
 *
 * Each storm gets its own VIP so that no round inherits another's TIME_WAIT
 * sockets or IPVS connections.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmtest.h"

#define REAL       "10.100.1.2:8080"
#define PARALLEL   16
#define MAX_ROUNDS 9

/* Busy time of all CPUs, in clock ticks, from /proc/stat. */
static uint64_t cpu_busy_ticks(void)
{
	unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle,
		   &iowait, &irq, &softirq, &steal);
	fclose(f);
	return n == 8 ? user + nice + sys + irq + softirq + steal : 0;
}

/* Time the process has spent on a CPU, in ns (/proc/PID/schedstat). */
static uint64_t process_cpu_ns(pid_t pid)
{
	unsigned long long ns = 0;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

struct traced {
	double rate, events_rate, cpu_share;
	uint64_t events, lost;
};

static int add_service(int i, char *vip, size_t size)
{
	snprintf(vip, size, "10.96.1.%d:80", i + 1);
	return vt_sh("ipvsadm -A -t %s -s rr && ipvsadm -a -t %s -r %s -m", vip, vip, REAL);
}

static int storm(int i, unsigned int n, double *rate)
{
	struct vt_storm s;
	char vip[32];

	if (add_service(i, vip, sizeof(vip)) || vt_storm(vip, n, PARALLEL, &s))
		return -EIO;
	*rate = s.ok / s.seconds;
	if (s.failed)
		fprintf(stderr, "bench: %u of %u connections to %s failed\n", s.failed, n, vip);
	vt_storm_free(&s);
	return 0;
}

/*
 * A storm while vigild --trace consumes the events, quiet (the pipeline
 * alone: ring buffer, decoding, hand-off) or printing JSON. The window runs
 * from the first connection until vigild, stopped a second after the last
 * one, has drained the ring buffer and exited; vigild's start-up (loading
 * and verifying the programs) is left out.
 */
static int traced_storm(int i, unsigned int n, bool quiet, struct traced *r)
{
	uint64_t busy0, busy1, cpu0, t0, t1;
	struct vt_tracer t;
	struct vt_storm s;
	char vip[32];
	int err;

	if (add_service(i, vip, sizeof(vip)))
		return -EIO;
	err = vt_tracer_start_mode(&t, quiet);
	if (err)
		return err;
	cpu0 = process_cpu_ns(t.pid);
	busy0 = cpu_busy_ticks();
	t0 = vt_now_ns();
	vt_storm(vip, n, PARALLEL, &s);
	sleep(1); /* the last closing handshakes */
	vt_tracer_stop(&t);
	t1 = vt_now_ns();
	busy1 = cpu_busy_ticks();
	if (t.missed)
		fprintf(stderr, "%s", t.log);

	r->rate = s.ok / s.seconds;
	r->events = t.consumed;
	r->lost = t.drops + t.missed;
	r->events_rate = t.consumed / ((t1 - t0) / 1e9);
	r->cpu_share = (t.cpu_ns - cpu0) / 1e9 / ((double)(busy1 - busy0) / sysconf(_SC_CLK_TCK));
	vt_storm_free(&s);
	vt_tracer_free(&t);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int n = argc > 1 ? atoi(argv[1]) : 5000;
	int rounds = argc > 2 ? atoi(argv[2]) : 3, i, k;
	double base[MAX_ROUNDS], rate[2][MAX_ROUNDS], evr[2][MAX_ROUNDS], share[2][MAX_ROUNDS];
	static const char *const mode[2] = { "quiet", "json" };
	uint64_t lost = 0;

	if (rounds < 1 || rounds > MAX_ROUNDS || n < 1) {
		fprintf(stderr, "usage: bench_pipeline [CONNECTIONS] [ROUNDS (1-%d)]\n",
			MAX_ROUNDS);
		return 2;
	}
	if (vt_sh("%s clean && %s dest d-bench --v4 10.100.1.2 --port 8080 >/dev/null", vt_lab(),
		  vt_lab()) ||
	    vt_sh("ipvsadm -C && ip link add vip0 type dummy && ip link set vip0 up && "
		  "ip route add 10.96.1.0/24 dev vip0")) {
		fprintf(stderr, "bench: lab set-up failed\n");
		return 1;
	}
	/* interleaved, so that drift in the VM's speed hits every variant alike */
	for (i = 0; i < rounds; i++) {
		struct traced r[2];

		if (storm(3 * i, n, &base[i]) || traced_storm(3 * i + 1, n, true, &r[0]) ||
		    traced_storm(3 * i + 2, n, false, &r[1])) {
			fprintf(stderr, "bench: round %d failed\n", i + 1);
			return 1;
		}
		fprintf(stderr, "round %d: %.0f conn/s without vigild", i + 1, base[i]);
		for (k = 0; k < 2; k++) {
			fprintf(stderr,
				"; %s: %.0f conn/s, %" PRIu64
				" events at %.0f/s, vigild %.2f%% of CPU, "
				"%" PRIu64 " lost",
				mode[k], r[k].rate, r[k].events, r[k].events_rate,
				100 * r[k].cpu_share, r[k].lost);
			rate[k][i] = r[k].rate;
			evr[k][i] = r[k].events_rate;
			share[k][i] = r[k].cpu_share;
			lost += r[k].lost;
		}
		fputc('\n', stderr);
	}
	printf("pipeline benchmark, kernel %s, %u connections x %d rounds, %d in flight "
	       "(medians)\n",
	       vt_kernel(), n, rounds, PARALLEL);
	printf("                                  no vigild   --trace --quiet   --trace --json\n");
	printf("  connections/s                   %9.0f   %15.0f   %14.0f\n",
	       vt_median(base, rounds), vt_median(rate[0], rounds), vt_median(rate[1], rounds));
	printf("  events consumed/s                       -   %15.0f   %14.0f\n",
	       vt_median(evr[0], rounds), vt_median(evr[1], rounds));
	printf("  vigild CPU / all CPU (< 5%%)            -   %14.2f%%   %13.2f%%\n",
	       100 * vt_median(share[0], rounds), 100 * vt_median(share[1], rounds));
	printf("  events lost (drops + missed), total: %" PRIu64 "\n", lost);
	vt_sh("ipvsadm -C; ip link del vip0; %s clean", vt_lab());
	return 0;
}
