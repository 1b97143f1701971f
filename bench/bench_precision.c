// SPDX-License-Identifier: GPL-2.0-only
/*
 * The other half of a detector's figures, inside firetest: how rarely it
 * ejects a destination that is merely on a lossy network. Three healthy
 * destinations behind one VIP, every link losing LOSS% of its packets each
 * way (netem on both ends), then CLIENTS sequential clients each capped at
 * 10 s. Side by side: no agent; keepalived (TCP_CHECK, delay_loop 1,
 * connect_timeout 1, inhibit_on_failure, expire_nodest_conn=1); vigild with
 * its defaults. Sampled twice a second from IPVS itself: the share of
 * destination-time out of rotation (weight 0 or removed) and the ejections
 * (a destination's weight going to 0).
 *
 *   bench_precision [CLIENTS] [LOSS_PCT]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "controller.h"
#include "ipvs.h"

#define CAP_MS      10000
#define MAX_CLIENTS 2000
#define SAMPLE_MS   500
#define WARMUP      6

static const enum bench_controller compared[] = { BENCH_NONE, BENCH_KEEPALIVED_NODEST,
						  BENCH_VIGILD };
#define N_COMPARED (sizeof(compared) / sizeof(compared[0]))

struct sampler {
	pthread_t thread;
	atomic_bool stop;
	unsigned int samples, out[3], ejections[3];
};

struct result {
	unsigned int ok, failed, samples, out, ejections;
	double median_s, max_s, total_s;
};

/* The weight IPVS gives REAL now in TABLE; 0 when it is not there (removed). */
static uint32_t weight_of(const struct ipvs_table *t, const struct config_addr *real)
{
	size_t i, j;

	for (i = 0; i < t->n_services; i++)
		for (j = 0; j < t->services[i].n_dests; j++) {
			const struct ipvs_dest *d = &t->services[i].dests[j];

			if (d->port == real->port && !memcmp(&d->addr, real->addr, 4))
				return d->weight;
		}
	return 0;
}

/* Twice a second, from IPVS itself over netlink (a shell per sample is too slow). */
static void *sample(void *arg)
{
	struct sampler *s = arg;
	struct config_addr reals[3];
	bool was_out[3] = { false };
	uint64_t next = vt_now_ns();
	struct ipvs *h;
	int i;

	for (i = 0; i < 3; i++)
		config_addr_parse(bench_reals[i], &reals[i], NULL, 0);
	if (ipvs_open(&h) < 0)
		return NULL;
	while (!atomic_load(&s->stop)) {
		struct ipvs_table *t;

		if (ipvs_dump(h, &t) == 0) {
			for (i = 0; i < 3; i++) {
				bool out = weight_of(t, &reals[i]) == 0;

				s->out[i] += out;
				s->ejections[i] += out && !was_out[i];
				was_out[i] = out;
			}
			s->samples++;
			ipvs_table_free(t);
		}
		next += SAMPLE_MS * 1000000ull;
		while (vt_now_ns() < next && !atomic_load(&s->stop))
			usleep(10000);
	}
	ipvs_close(h);
	return NULL;
}

static int run(enum bench_controller c, unsigned int clients, const char *loss, struct result *r)
{
	static double times[MAX_CLIENTS];
	struct sampler s = { 0 };
	struct vt_clients n;
	struct vt_agent agent;
	struct vt_conn conn;
	unsigned int i;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	bench_fresh();
	pid = bench_start(c, &agent, ""); /* vigil as installed */
	if (pid < 0)
		return -1;
	for (i = 0; i < WARMUP; i++) /* clients were using the service before */
		vt_connect(BENCH_VIP, CAP_MS, &conn);
	vt_sh("for d in d1 d2 d3; do %s lossy $d %s >/dev/null; done", vt_lab(), loss);
	if (pthread_create(&s.thread, NULL, sample, &s))
		return -1;
	n = vt_connect_n(BENCH_VIP, clients, CAP_MS, times);
	atomic_store(&s.stop, true);
	pthread_join(s.thread, NULL);
	r->ok = n.ok;
	r->failed = n.failed;
	r->max_s = n.max_s;
	r->total_s = n.total_s;
	r->median_s = vt_median(times, clients);
	r->samples = s.samples;
	for (i = 0; i < 3; i++) {
		r->out += s.out[i];
		r->ejections += s.ejections[i];
	}
	bench_stop(c, pid, &agent);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int clients = argc > 1 ? atoi(argv[1]) : 300;
	const char *loss = argc > 2 ? argv[2] : "3";
	struct result r[N_COMPARED];
	size_t i;

	if (clients < 1 || clients > MAX_CLIENTS || atof(loss) < 0 || atof(loss) > 100) {
		fprintf(stderr, "usage: bench_precision [CLIENTS (1-%d)] [LOSS_PCT (0-100)]\n",
			MAX_CLIENTS);
		return 2;
	}
	bench_lab_up();
	for (i = 0; i < N_COMPARED; i++) {
		if (run(compared[i], clients, loss, &r[i])) {
			fprintf(stderr, "bench: %s failed\n", bench_controller_names[compared[i]]);
			return 1;
		}
		fprintf(stderr, "%s: %u ok, %u failed, %u ejections, %u of %u samples out\n",
			bench_controller_names[compared[i]], r[i].ok, r[i].failed, r[i].ejections,
			r[i].out, 3 * r[i].samples);
	}
	printf("precision benchmark, kernel %s: 3 healthy destinations, every link losing %s%% "
	       "each way, %u sequential clients capped at %d s\n",
	       vt_kernel(), loss, clients, CAP_MS / 1000);
	printf("  %-34s %9s %9s %9s %9s %10s %s\n", "", "ok/fail", "median s", "max s", "total s",
	       "ejections", "destination-time out of rotation");
	for (i = 0; i < N_COMPARED; i++)
		printf("  %-34s %5u/%-3u %9.3f %9.3f %9.2f %10u %.1f%%\n",
		       bench_controller_names[compared[i]], r[i].ok, r[i].failed, r[i].median_s,
		       r[i].max_s, r[i].total_s, r[i].ejections,
		       r[i].samples ? 100.0 * r[i].out / (3.0 * r[i].samples) : 0);
	bench_lab_down();
	return 0;
}
