// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the sockops program costs a connection storm, inside firetest:
 * connections per second through IPVS with vigil's probes loaded, the
 * sockops program detached and attached in turn (the difference is the
 * program alone), side by side in one run; medians.
 *
 *   bench_sockops [CONNECTIONS] [ROUNDS]
 *
 * The probes run in this process as vigild runs them (each storm's VIP in
 * the filter, trace_all off) and stay loaded throughout: only the cgroup
 * link changes between storms, so a round's two storms run seconds apart
 * and each round gives a paired ratio that drift in the VM's speed (other
 * VMs on the host) hardly touches. Each storm gets its own VIP so that no
 * storm inherits another's TIME_WAIT sockets or IPVS connections. Storms
 * without any BPF, before and after, give the scale. With
 * kernel.bpf_stats_enabled the program's own run time is shown, and its
 * share of the CPU time the storms took.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "health.h"
#include "probes.h"
#include "vmtest.h"

#define REAL       "10.100.1.2:8080"
#define PARALLEL   16
#define MAX_ROUNDS 200
#define BARE       3 /* storms without BPF, before and after */

static int drop_event(const struct vigil_event *e, void *data)
{
	return 0;
}

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

/* The sockops program's run count and time so far (kernel.bpf_stats_enabled), by bpftool. */
static void sockops_stats(uint64_t *runs, uint64_t *ns)
{
	FILE *f = popen("bpftool prog show name tcp_health 2>/dev/null", "r");
	char line[512], *p;

	*runs = *ns = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if ((p = strstr(line, "run_time_ns ")))
			sscanf(p, "run_time_ns %" SCNu64 " run_cnt %" SCNu64, ns, runs);
	pclose(f);
}

static int count_conns(const struct vigil_real *real, const struct vigil_health *h, void *data)
{
	*(uint64_t *)data += h->conns;
	return 0;
}

/* A storm through a new VIP (in the probes' filter when there are probes); its rate. */
static int storm(struct probes *p, int i, unsigned int n, double *rate, uint64_t *busy)
{
	struct config_addr a;
	struct vigil_real real;
	struct vigil_vip vip;
	struct vt_storm s;
	char addr[32];
	uint64_t busy0;
	int r;

	snprintf(addr, sizeof(addr), "10.96.%d.%d:80", 1 + i / 250, 1 + i % 250);
	if (vt_sh("ipvsadm -A -t %s -s rr && ipvsadm -a -t %s -r %s -m", addr, addr, REAL))
		return -EIO;
	if (p) {
		config_addr_parse(addr, &a, NULL, 0);
		health_real_from_addr(&a, &real);
		memset(&vip, 0, sizeof(vip));
		vip.addr = real.addr;
		vip.port = real.port;
		vip.family = real.family;
		vip.protocol = IPPROTO_TCP;
		r = probes_vip_add(p, &vip);
		if (r)
			return r;
	}
	busy0 = cpu_busy_ticks();
	r = vt_storm(addr, n, PARALLEL, &s);
	if (r)
		return r;
	*busy = cpu_busy_ticks() - busy0;
	*rate = s.ok / s.seconds;
	if (s.failed)
		fprintf(stderr, "bench: %u of %u connections to %s failed\n", s.failed, n, addr);
	vt_storm_free(&s);
	if (p)
		probes_consume(p);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int n = argc > 1 ? atoi(argv[1]) : 1000;
	int rounds = argc > 2 ? atoi(argv[2]) : 40, i, k, next = 0;
	double off[MAX_ROUNDS], on[MAX_ROUNDS], ratio[MAX_ROUNDS], bare[2 * BARE], unused, median;
	struct probes_opts opts = { .sockops = true, .ringbuf_bytes = 16u << 20 };
	uint64_t busy, busy_on = 0, runs, run_ns, followed = 0;
	struct probes *p = NULL;
	long tick_ns = 1000000000 / sysconf(_SC_CLK_TCK);

	if (rounds < 1 || rounds > MAX_ROUNDS || n < 1) {
		fprintf(stderr, "usage: bench_sockops [CONNECTIONS] [ROUNDS (1-%d)]\n", MAX_ROUNDS);
		return 2;
	}
	if (vt_sh("%s clean && %s dest d-bench --v4 10.100.1.2 --port 8080 >/dev/null", vt_lab(),
		  vt_lab()) ||
	    vt_sh("ipvsadm -C && ip link add vip0 type dummy && ip link set vip0 up && "
		  "ip route add 10.96.0.0/16 dev vip0")) {
		fprintf(stderr, "bench: lab set-up failed\n");
		return 1;
	}
	vt_sh("sysctl -qw kernel.bpf_stats_enabled=1");
	for (k = 0; k < BARE; k++)
		if (storm(NULL, next++, n, &bare[k], &busy))
			goto fail;
	if (probes_open(&opts, drop_event, NULL, &p, NULL))
		goto fail;
	/* one storm to warm up (the first after loading is slow), sockops attached */
	if (storm(p, next++, n, &unused, &busy))
		goto fail;
	busy_on += busy;
	for (i = 0; i < rounds; i++) {
		/* the order alternates, so that neither variant always goes first */
		for (k = 0; k < 2; k++) {
			bool attached = (i + k) % 2;

			if (probes_sockops_set(p, attached) ||
			    storm(p, next++, n, attached ? &on[i] : &off[i], &busy))
				goto fail;
			if (attached)
				busy_on += busy;
		}
		ratio[i] = on[i] / off[i];
		fprintf(stderr,
			"round %d: without sockops %.0f conn/s, with %.0f conn/s (%.1f%%)\n", i + 1,
			off[i], on[i], 100 * ratio[i]);
	}
	sockops_stats(&runs, &run_ns);
	probes_health_read(p, count_conns, &followed);
	probes_free(p);
	p = NULL;
	for (k = BARE; k < 2 * BARE; k++)
		if (storm(NULL, next++, n, &bare[k], &busy))
			goto fail;

	printf("sockops benchmark, kernel %s, %u connections x %d rounds, %d in flight (medians)\n",
	       vt_kernel(), n, rounds, PARALLEL);
	printf("  connections/s without BPF (%d storms)      %9.0f\n", 2 * BARE,
	       vt_median(bare, 2 * BARE));
	printf("  connections/s, probes without sockops      %9.0f\n", vt_median(off, rounds));
	printf("  connections/s, probes with sockops         %9.0f\n", vt_median(on, rounds));
	median = vt_median(ratio, rounds); /* sorts ratio: the quartiles follow */
	printf("  with / without sockops (>= 97%%): %.1f%% median of the rounds' ratios "
	       "(quartiles %.1f%% .. %.1f%%), %.1f%% of the medians\n",
	       100 * median, 100 * ratio[rounds / 4], 100 * ratio[(3 * rounds) / 4],
	       100 * vt_median(on, rounds) / vt_median(off, rounds));
	/* one storm of each round had it, and the warm-up */
	printf("  connections followed by sockops: %" PRIu64 " of %" PRIu64 "\n", followed,
	       (uint64_t)n * (rounds + 1));
	if (runs)
		printf("  program runs per connection %.1f, %.0f ns per run; its run time is "
		       "%.2f%% of the CPU time of the storms with it\n",
		       (double)runs / ((double)n * (rounds + 1)), (double)run_ns / runs,
		       100.0 * run_ns / ((double)busy_on * tick_ns));
	vt_sh("sysctl -qw kernel.bpf_stats_enabled=0; ipvsadm -C; ip link del vip0; %s clean",
	      vt_lab());
	return 0;
fail:
	fprintf(stderr, "bench: storm %d failed\n", next);
	probes_free(p);
	return 1;
}
