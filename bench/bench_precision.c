// SPDX-License-Identifier: GPL-2.0-only
/*
 * The other half of a detector's figures, inside firetest: how rarely it
 * takes a healthy destination out of rotation because its network is bad,
 * and how soon it takes out one that is really worse than its peers. Three
 * destinations behind one VIP (d1, d2, d3), side by side: no agent;
 * keepalived (TCP_CHECK, delay_loop 1, connect_timeout 1, retry 0,
 * inhibit_on_failure, expire_nodest_conn=1); vigild with its defaults, as
 * installed. Each scene, for each of them in turn:
 *
 *   loss1, loss3, loss5  every link losing 1%, 3%, 5% of its packets each way
 *   jitter               every link delaying each packet 20 ms ± 15 ms each way
 *   lossy-one            d2 losing 30% each way, d1 and d3 clean; at least 30 s
 *
 * After a few clients on clean links (the service was in use before), the
 * scene's netem goes on (lab lossy / lab jitter, both ends of each link) and
 * CLIENTS sequential clients connect through the VIP, one every 100 ms (or
 * as soon as the one before is done), each capped at 10 s: paced, so that a
 * run lasts about as long whatever the controller, and lasts long enough
 * for losses to happen (unpaced, a connect under TCG takes a millisecond).
 * lossy-one goes on with more clients until 30 s have passed, so that the
 * lossy destination has the time to be found. From that moment on IPVS
 * itself is read over netlink every 50 ms, the same for every controller:
 *
 *   ok/fail        clients connected / timed out or refused
 *   p50, p99, max  their connect times, failures included (at about 10 s)
 *   quarantines    a destination's weight going to 0 or the destination
 *                  removed (one shorter than a sample period can go unseen)
 *   out            the share of destination-time out of rotation (weight 0
 *                  or removed); for lossy-one, also of the clean d1 and d3
 *   d2 out after   lossy-one: seconds from the loss to d2 out of rotation or
 *                  at no more than 10% of its configured weight (the weight
 *                  IPVS had just before), "never" if not within the run
 *
 * Prints a line per scene and controller to stderr as it goes, a table per
 * scene to stdout.
 *
 *   bench_precision [CLIENTS] [SCENE...]   (default: 200, every scene)
 *
 * With the defaults, 5 scenes of 3 controllers, it takes about 14 minutes
 * in firetest (TCG, 2 CPUs, on a host busy with other VMs).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "config.h"
#include "controller.h"
#include "ipvs.h"

#define CLIENTS     200
#define INTERVAL_MS 100
#define MAX_CLIENTS 5000
#define CAP_MS      10000
#define SAMPLE_MS   50
#define WARMUP      6
#define N_DESTS     3

struct scene {
	const char *name;
	const char *what; /* for the table's title */
	/* what it does to the links: lab CMD DEST ARGS, for each of DESTS */
	const char *dests, *cmd, *args;
	int lossy;              /* index of the destination worse than its peers, or -1 */
	unsigned int min_run_s; /* clients go on until then */
};

static const struct scene scenes[] = {
	{ "loss1", "every link losing 1% each way", "d1 d2 d3", "lossy", "1", -1, 0 },
	{ "loss3", "every link losing 3% each way", "d1 d2 d3", "lossy", "3", -1, 0 },
	{ "loss5", "every link losing 5% each way", "d1 d2 d3", "lossy", "5", -1, 0 },
	{ "jitter", "every link delayed 20 ms ± 15 ms each way", "d1 d2 d3", "jitter", "20 15", -1,
	  0 },
	{ "lossy-one", "d2 losing 30% each way, d1 and d3 clean", "d2", "lossy", "30", 1, 30 },
};
#define N_SCENES (sizeof(scenes) / sizeof(scenes[0]))

static const enum bench_controller compared[] = { BENCH_NONE, BENCH_KEEPALIVED_RETRY0,
						  BENCH_VIGILD };
#define N_COMPARED (sizeof(compared) / sizeof(compared[0]))

struct sampler {
	pthread_t thread;
	atomic_bool stop;
	struct ipvs *h;
	struct config_addr reals[N_DESTS];
	uint32_t configured[N_DESTS]; /* the weights just before the scene began */
	int lossy;                    /* as the scene's */
	uint64_t t0;                  /* when the scene's netem was in place */
	/* what it saw */
	unsigned int samples, quarantines[N_DESTS];
	uint64_t out_ns[N_DESTS], total_ns;
	int64_t lossy_down_ns; /* from t0; -1: never */
};

struct result {
	unsigned int ok, failed, timeouts, quarantines, samples;
	/* vigild's own count: suspicions (often too short for a read of IPVS to see), quarantines
	 */
	int suspicions, confirmed; /* -1: not vigild */
	double p50_s, p99_s, max_s, run_s;
	double out_pct, clean_out_pct, lossy_down_s; /* lossy_down_s < 0: never */
};

/*
 * vigild's own counts, summed over the destinations, from `vigilctl list
 * --json`: a suspicion lasts about an RTT, so the reads of IPVS see few of
 * them, and its quarantines are what the targets speak of.
 */
static void vigild_counts(struct result *r)
{
	static const char *const keys[] = { "suspicions", "quarantines" };
	int *into[] = { &r->suspicions, &r->confirmed };
	json_object *list = NULL, *svcs, *dests, *v;
	char *out = NULL;
	size_t size = 0, i, j, k;
	FILE *f = popen(VIGIL_BUILD_DIR "/cli/vigilctl list --json", "r");

	r->suspicions = r->confirmed = -1;
	if (f && getdelim(&out, &size, '\0', f) > 0)
		list = json_tokener_parse(out);
	if (f)
		pclose(f);
	free(out);
	if (!list || !json_object_object_get_ex(list, "services", &svcs)) {
		json_object_put(list);
		return;
	}
	r->suspicions = r->confirmed = 0;
	for (i = 0; i < json_object_array_length(svcs); i++) {
		if (!json_object_object_get_ex(json_object_array_get_idx(svcs, i), "destinations",
					       &dests))
			continue;
		for (j = 0; j < json_object_array_length(dests); j++)
			for (k = 0; k < 2; k++)
				if (json_object_object_get_ex(json_object_array_get_idx(dests, j),
							      keys[k], &v))
					*into[k] += json_object_get_int(v);
	}
	json_object_put(list);
}

/* The weight IPVS gives REAL now in TABLE; -1 when it is not there (removed). */
static int64_t weight_of(const struct ipvs_table *t, const struct config_addr *real)
{
	size_t i, j;

	for (i = 0; i < t->n_services; i++)
		for (j = 0; j < t->services[i].n_dests; j++) {
			const struct ipvs_dest *d = &t->services[i].dests[j];

			if (d->port == real->port && !memcmp(&d->addr, real->addr, 4))
				return d->weight;
		}
	return -1;
}

static void sleep_until(uint64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ull, .tv_nsec = ns % 1000000000ull };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * Every SAMPLE_MS, from IPVS itself over netlink (a shell per sample is too
 * slow). A state seen holds until the next sample: destination-time is
 * counted between samples, so a late sample (the VM is busy) weighs more.
 */
static void *sample(void *arg)
{
	struct sampler *s = arg;
	bool was_out[N_DESTS] = { false };
	uint64_t prev = 0, next = s->t0;
	int i;

	s->lossy_down_ns = -1;
	while (!atomic_load(&s->stop)) {
		struct ipvs_table *t;
		uint64_t now;

		if (ipvs_dump(s->h, &t) == 0) {
			now = vt_now_ns();
			for (i = 0; i < N_DESTS; i++) {
				int64_t w = weight_of(t, &s->reals[i]);
				bool out = w <= 0;

				if (prev)
					s->out_ns[i] += was_out[i] ? now - prev : 0;
				s->quarantines[i] += out && !was_out[i];
				was_out[i] = out;
				/* "weighted down": at most 10% of the configured weight */
				if (i == s->lossy && s->lossy_down_ns < 0 &&
				    (out || (uint64_t)w * 10 <= s->configured[i]))
					s->lossy_down_ns = now - s->t0;
			}
			if (prev)
				s->total_ns += now - prev;
			prev = now;
			s->samples++;
			ipvs_table_free(t);
		}
		/* on time when we can; when late, the next period from now */
		next += SAMPLE_MS * 1000000ull;
		if (next < vt_now_ns())
			next = vt_now_ns() + SAMPLE_MS * 1000000ull;
		sleep_until(next);
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The nearest-rank percentile P of the N sorted values V. */
static double percentile(const double *v, unsigned int n, double p)
{
	unsigned int rank = (unsigned int)(p / 100 * n + 0.999999);

	return v[rank ? rank - 1 : 0];
}

/* The weights the controller gave each destination before the scene began. */
static int configured_weights(struct sampler *s)
{
	struct ipvs_table *t;
	int i, r;

	r = ipvs_dump(s->h, &t);
	if (r < 0)
		return r;
	for (i = 0; i < N_DESTS; i++) {
		int64_t w = weight_of(t, &s->reals[i]);

		s->configured[i] = w > 0 ? w : 1;
	}
	ipvs_table_free(t);
	return 0;
}

static void summarize(const struct sampler *s, double *times, unsigned int n, struct result *r)
{
	uint64_t clean_ns = 0;
	unsigned int n_clean = 0;
	uint64_t all_ns = 0;
	int i;

	qsort(times, n, sizeof(*times), cmp_double);
	r->p50_s = percentile(times, n, 50);
	r->p99_s = percentile(times, n, 99);
	r->max_s = times[n - 1];
	for (i = 0; i < N_DESTS; i++) {
		r->quarantines += s->quarantines[i];
		all_ns += s->out_ns[i];
		if (i != s->lossy) {
			clean_ns += s->out_ns[i];
			n_clean++;
		}
	}
	r->out_pct = s->total_ns ? 100.0 * all_ns / (N_DESTS * (double)s->total_ns) : 0;
	r->clean_out_pct = s->total_ns ? 100.0 * clean_ns / (n_clean * (double)s->total_ns) : 0;
	r->lossy_down_s = s->lossy_down_ns < 0 ? -1 : s->lossy_down_ns / 1e9;
	r->samples = s->samples;
}

static int run(const struct scene *sc, enum bench_controller c, unsigned int clients,
	       struct result *r)
{
	static double times[MAX_CLIENTS];
	struct sampler s = { .lossy = sc->lossy };
	struct vt_agent agent;
	struct vt_conn conn;
	uint64_t until, next;
	unsigned int i, n;
	pid_t pid;
	int err;

	memset(r, 0, sizeof(*r));
	r->suspicions = r->confirmed = -1;
	for (i = 0; i < N_DESTS; i++)
		config_addr_parse(bench_reals[i], &s.reals[i], NULL, 0);
	bench_fresh();
	pid = bench_start(c, &agent, ""); /* vigil as installed */
	if (pid < 0)
		return -1;
	for (i = 0; i < WARMUP; i++) /* clients were using the service before */
		vt_connect(BENCH_VIP, CAP_MS, &conn);
	err = ipvs_open(&s.h);
	if (!err)
		err = configured_weights(&s);
	if (!err && vt_sh("for d in %s; do %s %s $d %s >/dev/null || exit; done", sc->dests,
			  vt_lab(), sc->cmd, sc->args))
		err = -EIO;
	/* Time starts once the netem is on both ends: that is when the scene is. */
	s.t0 = vt_now_ns();
	if (!err && pthread_create(&s.thread, NULL, sample, &s))
		err = -EAGAIN;
	if (err) {
		fprintf(stderr, "bench: %s, %s: cannot set the scene up: %s\n", sc->name,
			bench_controller_names[c], strerror(-err));
		ipvs_close(s.h);
		bench_stop(c, pid, &agent);
		return err;
	}
	until = s.t0 + sc->min_run_s * 1000000000ull;
	next = s.t0;
	for (n = 0; n < MAX_CLIENTS && (n < clients || vt_now_ns() < until); n++) {
		sleep_until(next);
		next = vt_now_ns() + INTERVAL_MS * 1000000ull;
		vt_connect(BENCH_VIP, CAP_MS, &conn);
		if (!conn.err)
			r->ok++;
		else
			r->failed++;
		if (conn.err == ETIMEDOUT)
			r->timeouts++;
		times[n] = conn.seconds;
	}
	r->run_s = (vt_now_ns() - s.t0) / 1e9;
	atomic_store(&s.stop, true);
	pthread_join(s.thread, NULL);
	ipvs_close(s.h);
	if (c == BENCH_VIGILD)
		vigild_counts(r);
	bench_stop(c, pid, &agent);
	summarize(&s, times, n, r);
	return 0;
}

static void print_scene(const struct scene *sc, const struct result *r)
{
	size_t i;

	printf("\n%s: %s\n", sc->name, sc->what);
	printf("  %-42s %9s %7s %7s %7s %11s %6s %17s", "", "ok/fail", "p50 s", "p99 s", "max s",
	       "quarantines", "out", "own: susp/quar");
	if (sc->lossy >= 0)
		printf(" %9s %15s", "clean out", "d2 out after s");
	printf("\n");
	for (i = 0; i < N_COMPARED; i++) {
		char own[32] = "-";

		if (r[i].suspicions >= 0)
			snprintf(own, sizeof(own), "%d/%d", r[i].suspicions, r[i].confirmed);
		printf("  %-42s %5u/%-3u %7.3f %7.3f %7.3f %11u %5.1f%% %17s",
		       bench_controller_names[compared[i]], r[i].ok, r[i].failed, r[i].p50_s,
		       r[i].p99_s, r[i].max_s, r[i].quarantines, r[i].out_pct, own);
		if (sc->lossy >= 0 && r[i].lossy_down_s >= 0)
			printf(" %8.1f%% %15.2f", r[i].clean_out_pct, r[i].lossy_down_s);
		else if (sc->lossy >= 0)
			printf(" %8.1f%% %15s", r[i].clean_out_pct, "never");
		printf("\n");
	}
	fflush(stdout);
}

static const struct scene *scene_named(const char *name)
{
	size_t i;

	for (i = 0; i < N_SCENES; i++)
		if (!strcmp(scenes[i].name, name))
			return &scenes[i];
	return NULL;
}

static int usage(void)
{
	size_t i;

	fprintf(stderr,
		"usage: bench_precision [CLIENTS (1-%d, default %d)] [SCENE...]\n"
		"scenes (default: all):",
		MAX_CLIENTS, CLIENTS);
	for (i = 0; i < N_SCENES; i++)
		fprintf(stderr, " %s", scenes[i].name);
	fprintf(stderr, "\n");
	return 2;
}

int main(int argc, char **argv)
{
	const struct scene *chosen[N_SCENES];
	unsigned int clients = CLIENTS;
	size_t n_chosen = 0, i, j;
	uint64_t t_start = vt_now_ns();
	int a = 1;

	if (a < argc && argv[a][0] >= '0' && argv[a][0] <= '9') {
		char *end;
		unsigned long v = strtoul(argv[a++], &end, 10);

		if (*end || v < 1 || v > MAX_CLIENTS)
			return usage();
		clients = v;
	}
	for (; a < argc; a++) {
		const struct scene *sc = scene_named(argv[a]);

		if (!sc || n_chosen == N_SCENES)
			return usage();
		chosen[n_chosen++] = sc;
	}
	if (!n_chosen)
		for (i = 0; i < N_SCENES; i++)
			chosen[n_chosen++] = &scenes[i];

	printf("precision benchmark, kernel %s: 3 destinations behind one VIP, "
	       "%u sequential clients per scene and controller, one every %d ms at most, "
	       "each capped at %d s; IPVS read every %d ms\n",
	       vt_kernel(), clients, INTERVAL_MS, CAP_MS / 1000, SAMPLE_MS);
	fflush(stdout);
	bench_lab_up();
	for (i = 0; i < n_chosen; i++) {
		struct result r[N_COMPARED];

		for (j = 0; j < N_COMPARED; j++) {
			if (run(chosen[i], compared[j], clients, &r[j])) {
				bench_lab_down();
				return 1;
			}
			fprintf(stderr,
				"bench: %s, %s: %u ok, %u failed (%u timed out, the rest reset or "
				"refused) in %.1f s, %u quarantines, %.1f%% out, %u IPVS samples "
				"(%.0f s since start)\n",
				chosen[i]->name, bench_controller_names[compared[j]], r[j].ok,
				r[j].failed, r[j].timeouts, r[j].run_s, r[j].quarantines,
				r[j].out_pct, r[j].samples, (vt_now_ns() - t_start) / 1e9);
		}
		print_scene(chosen[i], r);
	}
	bench_lab_down();
	return 0;
}
