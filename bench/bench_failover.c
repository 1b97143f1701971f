// SPDX-License-Identifier: GPL-2.0-only
/*
 * The headline, inside firetest: three destinations behind one VIP, one goes
 * silent, then 30 sequential clients each capped at 10 s. Side by side:
 * no agent; keepalived (TCP_CHECK, delay_loop 1, connect_timeout 1,
 * inhibit_on_failure) with the default sysctls and with
 * expire_nodest_conn=1; vigild. Also counted, with vigild --trace watching
 * every connection: the probe connections each sends to the destinations
 * that stay healthy. And, for vigild, the time from a refusing destination's
 * first RST to its weight being 0.
 *
 *   bench_failover [CLIENTS] [RST_ROUNDS]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "controller.h"

#define VIP         BENCH_VIP
#define CAP_MS      10000
#define MAX_CLIENTS 100

/* what the headline measures: detection alone, weights as configured */
#define NO_HEALTH "health: { enabled: false }"

struct result {
	unsigned int ok, failed;
	double median_s, max_s, total_s;
	unsigned int probes_healthy, probes_failed;
};

/* Connections made straight to a real address (not through the VIP): probes. */
static void count_probes(const struct vt_tracer *t, struct result *r)
{
	size_t i;

	for (i = 0; i < t->n_events; i++) {
		const char *kind = vt_str(t->events[i], "kind");
		const char *to = vt_str(t->events[i], "virtual");

		if (!kind || strcmp(kind, "connect") || !to)
			continue;
		if (!strcmp(to, bench_reals[0]) || !strcmp(to, bench_reals[2]))
			r->probes_healthy++;
		else if (!strcmp(to, bench_reals[1]))
			r->probes_failed++;
	}
}

static int run_variant(enum bench_controller v, unsigned int clients, struct result *r)
{
	double times[MAX_CLIENTS];
	struct vt_clients n;
	struct vt_agent agent;
	struct vt_tracer t;
	struct vt_conn c;
	unsigned int i;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	bench_fresh();
	pid = bench_start(v, &agent, NO_HEALTH);
	if (pid < 0)
		return -1;
	for (i = 0; i < 6; i++) /* clients were using the service before */
		vt_connect(VIP, CAP_MS, &c);
	if (vt_tracer_start(&t))
		return -1;
	vt_sh("%s silent d2", vt_lab());
	n = vt_connect_n(VIP, clients, CAP_MS, times);
	r->ok = n.ok;
	r->failed = n.failed;
	r->max_s = n.max_s;
	r->total_s = n.total_s;
	r->median_s = vt_median(times, clients);
	vt_tracer_stop(&t);
	count_probes(&t, r);
	vt_tracer_free(&t);
	bench_stop(v, pid, &agent);
	return 0;
}

/* The latency vigild logs for the quarantine of a refusing destination. */
static double rst_to_weight0(void)
{
	const char *needle = "weights service=web ops=1 failed=0 latency_ms=";
	struct vt_agent agent;
	struct vt_conn c;
	double ms = -1;
	const char *p;
	int i;

	bench_fresh();
	if (bench_start(BENCH_VIGILD, &agent, NO_HEALTH) < 0)
		return -1;
	for (i = 0; i < 6; i++)
		vt_connect(VIP, CAP_MS, &c);
	vt_sh("%s refuse d3", vt_lab());
	for (i = 0; i < 3; i++) {
		vt_connect(VIP, CAP_MS, &c);
		if (c.err)
			break;
	}
	if (vt_agent_wait(&agent, needle, 1, 5000)) {
		p = strstr(vt_agent_log(&agent), needle);
		sscanf(p + strlen(needle), "%lf", &ms);
	}
	bench_stop(BENCH_VIGILD, 0, &agent);
	return ms;
}

int main(int argc, char **argv)
{
	unsigned int clients = argc > 1 ? atoi(argv[1]) : 30;
	int rst_rounds = argc > 2 ? atoi(argv[2]) : 5, i;
	struct result r[BENCH_N_CONTROLLERS];
	double rst[16];
	int n_rst = 0;

	if (clients < 1 || clients > MAX_CLIENTS || rst_rounds < 1 || rst_rounds > 16) {
		fprintf(stderr, "usage: bench_failover [CLIENTS (1-%d)] [RST_ROUNDS (1-16)]\n",
			MAX_CLIENTS);
		return 2;
	}
	bench_lab_up();
	for (i = 0; i < BENCH_N_CONTROLLERS; i++) {
		if (run_variant(i, clients, &r[i])) {
			fprintf(stderr, "bench: %s failed\n", bench_controller_names[i]);
			return 1;
		}
		fprintf(stderr, "%s: %u ok, %u failed, median %.3f s, max %.3f s\n",
			bench_controller_names[i], r[i].ok, r[i].failed, r[i].median_s, r[i].max_s);
	}
	for (i = 0; i < rst_rounds; i++) {
		double ms = rst_to_weight0();

		if (ms >= 0)
			rst[n_rst++] = ms;
		fprintf(stderr, "RST to weight 0: %.2f ms\n", ms);
	}
	printf("failover benchmark, kernel %s: one of 3 destinations silent, %u sequential "
	       "clients capped at %d s\n",
	       vt_kernel(), clients, CAP_MS / 1000);
	printf("  %-34s %9s %9s %9s %9s  %s\n", "", "ok/fail", "median s", "max s", "total s",
	       "probe connections to healthy (to the silent one)");
	for (i = 0; i < BENCH_N_CONTROLLERS; i++)
		printf("  %-34s %5u/%-3u %9.3f %9.3f %9.2f  %u (%u)\n", bench_controller_names[i],
		       r[i].ok, r[i].failed, r[i].median_s, r[i].max_s, r[i].total_s,
		       r[i].probes_healthy, r[i].probes_failed);
	printf("  vigild: first RST of a refusing destination to its weight 0: median %.2f ms "
	       "of %d (target < 10 ms)\n",
	       n_rst ? vt_median(rst, n_rst) : -1, n_rst);
	bench_lab_down();
	return 0;
}
