// SPDX-License-Identifier: GPL-2.0-only
/*
 * Issue 14's figures, inside firetest: established connections on a
 * destination that goes silent. The scene: 6 long-lived TCP connections
 * through the VIP (rr over the lab's d1, d2, d3), each sending a small
 * request every 100 ms and reading its echo; d3 goes silent. Side by side,
 * ROUNDS rounds each: no agent; keepalived (TCP_CHECK delay_loop 1,
 * inhibit_on_failure, expire_nodest_conn=1: weight 0 steers new connections
 * only); vigild, which resets its client's stalled sockets. Per arm, for
 * d3's connections: the time from the silence to the application's error
 * (capped at CAP seconds: without a reset the kernel gives up after
 * tcp_retries2, about 15 minutes), and from that error to the first echo
 * on a connection made again through the VIP; and the errors on d1's and
 * d2's connections, and for vigild its resets of healthy sockets, which
 * must both be 0.
 *
 * Then vigild's false ejections: every link loses 3% each way, every
 * destination healthy, the 6 connections busy for LOSS seconds: vigild's
 * quarantines and resets (both must be 0), and its suspicions.
 *
 *   bench_stall [-a none,keepalived,vigild] [-r ROUNDS] [-c CAP_S] [-l LOSS_S]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controller.h"
#include "echoclient.h"

#define CONNS      6
#define INTERVAL   100 /* ms between a connection's requests */
#define MAX_ROUNDS 50
#define NS         1000000000ull
#define VIGILCTL   VIGIL_BUILD_DIR "/cli/vigilctl"
#define D3         "10.100.3.2:8080"

enum arm {
	ARM_NONE,
	ARM_KEEPALIVED,
	ARM_VIGILD,
	ARM_N
};

static const char *const arm_keys[ARM_N] = { "none", "keepalived", "vigild" };
static const char *const arm_names[ARM_N] = {
	"no agent",
	"keepalived delay_loop 1, inhibit",
	"vigild",
};
static const enum bench_controller arm_controllers[ARM_N] = {
	BENCH_NONE,
	BENCH_KEEPALIVED_NODEST,
	BENCH_VIGILD,
};

struct arm_result {
	bool ran;
	unsigned int rounds, d3_conns, errored, reconnected;
	double err_s[MAX_ROUNDS * CONNS], reconnect_s[MAX_ROUNDS * CONNS];
	unsigned int healthy_conns, healthy_errors;
	long long healthy_resets, d3_resets; /* vigild's reset events; -1: not vigild */
	char mechanism[32];                  /* vigild's, from its status; "": none said */
};

struct loss_result {
	bool ran;
	unsigned int client_errors;
	uint64_t echoed;
	long long quarantines, suspicions, resets;
};

/* `vigilctl ARGS --json`, parsed; NULL (said on stderr) when it fails. */
static json_object *ctl_json(const char *args)
{
	char cmd[256], *out = NULL;
	json_object *o = NULL;
	size_t size = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), VIGILCTL " %s --json 2>&1", args);
	f = popen(cmd, "r");
	if (f && getdelim(&out, &size, '\0', f) > 0)
		o = json_tokener_parse(out);
	if (f)
		pclose(f);
	if (!o)
		fprintf(stderr, "bench_stall: vigilctl %s --json: %s\n", args,
			out ? out : "failed");
	free(out);
	return o;
}

static long long num(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

/* vigild's reset events on d3 and on any other destination. */
static void count_resets(long long *ret_d3, long long *ret_others)
{
	FILE *f = popen(VIGILCTL " events --json 2>/dev/null", "r");
	char *line = NULL;
	size_t size = 0;
	json_object *e;
	const char *v;

	*ret_d3 = *ret_others = 0;
	if (!f) {
		*ret_d3 = *ret_others = -1;
		return;
	}
	while (getline(&line, &size, f) > 0) {
		e = json_tokener_parse(line);
		if (!e)
			continue;
		if ((v = vt_str(e, "event")) && !strcmp(v, "reset")) {
			v = vt_str(e, "real");
			if (v && !strcmp(v, D3))
				(*ret_d3)++;
			else
				(*ret_others)++;
		}
		json_object_put(e);
	}
	free(line);
	pclose(f);
}

/* Sums KEY over web's three destinations in `vigilctl list --json`; -1 if unreadable. */
static long long list_sum(const char *key)
{
	json_object *l = ctl_json("list");
	long long n = 0, v;
	int i;

	if (!l)
		return -1;
	for (i = 0; i < 3; i++) {
		v = num(vt_list_dest(l, "web", bench_reals[i]), key);
		n += v > 0 ? v : 0;
	}
	json_object_put(l);
	return n;
}

/* Every destination live and in rotation again (keepalived's check takes its second). */
static int settle(enum arm a)
{
	uint64_t deadline = vt_now_ns() + 15 * NS;
	int i, w;

	vt_sh("for d in d1 d2 d3; do %s live $d >/dev/null 2>&1; done", vt_lab());
	if (a == ARM_VIGILD)
		vt_sh(VIGILCTL " release web " D3 " >/dev/null 2>&1");
	for (i = 0; i < 3; i++) {
		while ((w = vt_ipvs_weight(BENCH_VIP, bench_reals[i])) <= 0 &&
		       vt_now_ns() < deadline)
			usleep(100000);
		if (w <= 0) {
			fprintf(stderr, "bench_stall: %s stays out of rotation\n", bench_reals[i]);
			return -1;
		}
	}
	return 0;
}

static int run_round(enum arm a, unsigned int cap_s, struct arm_result *r)
{
	static struct vt_echo e;
	struct vt_echo_conn c[CONNS];
	uint64_t t0, deadline;
	unsigned int i;
	bool done;

	if (settle(a) || vt_echo_open(&e, BENCH_VIP, CONNS, INTERVAL) || vt_echo_start(&e))
		return -1;
	usleep(1000000);
	vt_sh("%s silent d3", vt_lab());
	t0 = vt_now_ns();
	deadline = t0 + cap_s * NS;
	do {
		usleep(50000);
		vt_echo_snapshot(&e, c);
		done = true;
		for (i = 0; i < CONNS; i++)
			if (!strcmp(c[i].real, D3) && !c[i].reconnected_ns)
				done = false;
		/* 3 s at least: the healthy connections show that they stay */
	} while (vt_now_ns() < deadline && !(done && vt_now_ns() > t0 + 3 * NS));
	vt_echo_snapshot(&e, c);
	vt_echo_close(&e);
	vt_sh("%s live d3", vt_lab());
	for (i = 0; i < CONNS; i++) {
		if (strcmp(c[i].real, D3)) {
			r->healthy_conns++;
			r->healthy_errors += c[i].err != 0;
			continue;
		}
		r->d3_conns++;
		if (!c[i].err || c[i].err_ns < t0)
			continue;
		r->err_s[r->errored++] = (c[i].err_ns - t0) / 1e9;
		if (c[i].reconnected_ns)
			r->reconnect_s[r->reconnected++] =
			    (c[i].reconnected_ns - c[i].err_ns) / 1e9;
	}
	r->rounds++;
	fprintf(stderr,
		"%s, round %u: so far %u/%u of d3's connections errored, %u healthy errors\n",
		arm_names[a], r->rounds, r->errored, r->d3_conns, r->healthy_errors);
	return 0;
}

static int run_arm(enum arm a, unsigned int rounds, unsigned int cap_s, struct arm_result *r)
{
	struct vt_agent agent;
	unsigned int i;
	pid_t pid;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	r->healthy_resets = r->d3_resets = -1;
	bench_fresh();
	/* vigil as installed, but health weighting: rr, and nothing else moves weights */
	pid = bench_start(arm_controllers[a], &agent, "health: { enabled: false }");
	if (pid < 0)
		return -1;
	for (i = 0; i < rounds && !ret; i++)
		ret = run_round(a, cap_s, r);
	if (a == ARM_VIGILD) {
		json_object *st = ctl_json("status"), *resets;

		count_resets(&r->d3_resets, &r->healthy_resets);
		if (st && json_object_object_get_ex(st, "resets", &resets) &&
		    vt_str(resets, "mechanism"))
			snprintf(r->mechanism, sizeof(r->mechanism), "%s",
				 vt_str(resets, "mechanism"));
		json_object_put(st);
	}
	bench_stop(arm_controllers[a], pid, &agent);
	r->ran = true;
	return ret;
}

static int run_loss(unsigned int loss_s, struct loss_result *r)
{
	static struct vt_echo e;
	struct vt_echo_conn c[CONNS];
	struct vt_agent agent;
	json_object *st, *resets;
	long long d3;
	unsigned int i;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	bench_fresh();
	pid = bench_start(BENCH_VIGILD, &agent, "health: { enabled: false }");
	if (pid < 0)
		return -1;
	if (vt_echo_open(&e, BENCH_VIP, CONNS, INTERVAL) || vt_echo_start(&e)) {
		bench_stop(BENCH_VIGILD, pid, &agent);
		return -1;
	}
	vt_sh("for d in d1 d2 d3; do %s lossy $d 3 >/dev/null; done", vt_lab());
	sleep(loss_s);
	vt_echo_snapshot(&e, c);
	vt_echo_close(&e);
	for (i = 0; i < CONNS; i++) {
		r->client_errors += c[i].err != 0;
		r->echoed += c[i].echoed;
	}
	r->quarantines = list_sum("quarantines");
	r->suspicions = list_sum("suspicions");
	r->resets = -1;
	st = ctl_json("status");
	if (st && json_object_object_get_ex(st, "resets", &resets))
		r->resets = num(resets, "count");
	json_object_put(st);
	if (r->resets < 0) { /* a vigild without the status field: its events, then */
		count_resets(&d3, &r->resets);
		r->resets += d3;
	}
	vt_sh("for d in d1 d2 d3; do %s live $d >/dev/null; done", vt_lab());
	bench_stop(BENCH_VIGILD, pid, &agent);
	r->ran = true;
	return 0;
}

/* " median max" of v (n of them, sorted by the median), "(n/of)" when some had none. */
static void print_times(double *v, unsigned int n, unsigned int of)
{
	char buf[64];
	double median;
	int len;

	if (!n) {
		printf(" %-28s", "none");
		return;
	}
	/* vt_median() sorts v: only then is v[n - 1] the largest */
	median = vt_median(v, n);
	len = snprintf(buf, sizeof(buf), "%.3f %.3f", median, v[n - 1]);
	if (n < of)
		snprintf(buf + len, sizeof(buf) - len, " (%u/%u)", n, of);
	printf(" %-28s", buf);
}

static int parse_arms(const char *list, bool *ret)
{
	char buf[128], *tok, *save = NULL;
	int a;

	snprintf(buf, sizeof(buf), "%s", list);
	memset(ret, 0, ARM_N * sizeof(*ret));
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (a = 0; a < ARM_N && strcmp(tok, arm_keys[a]); a++)
			;
		if (a == ARM_N)
			return -EINVAL;
		ret[a] = true;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_stall [-a none,keepalived,vigild] [-r ROUNDS (1-%d)] "
		"[-c CAP_S] [-l LOSS_S (0: no loss run)]\n",
		MAX_ROUNDS);
}

int main(int argc, char **argv)
{
	static struct arm_result r[ARM_N];
	unsigned int rounds = 5, cap_s = 20, loss_s = 20;
	bool arms[ARM_N] = { true, true, true };
	struct loss_result lr = { 0 };
	int opt, a;

	while ((opt = getopt(argc, argv, "a:r:c:l:h")) != -1) {
		switch (opt) {
		case 'a':
			if (parse_arms(optarg, arms)) {
				usage();
				return 2;
			}
			break;
		case 'r':
			rounds = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			cap_s = strtoul(optarg, NULL, 10);
			break;
		case 'l':
			loss_s = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind != argc || rounds < 1 || rounds > MAX_ROUNDS || cap_s < 3 || cap_s > 600 ||
	    loss_s > 600) {
		usage();
		return 2;
	}
	bench_lab_up();
	for (a = 0; a < ARM_N; a++) {
		if (!arms[a])
			continue;
		if (run_arm(a, rounds, cap_s, &r[a]))
			fprintf(stderr,
				"bench_stall: %s: a round failed; its figures are partial\n",
				arm_names[a]);
	}
	if (arms[ARM_VIGILD] && loss_s && run_loss(loss_s, &lr))
		fprintf(stderr, "bench_stall: the loss run with vigild failed\n");
	bench_lab_down();

	printf("stall benchmark, kernel %s: %d connections through %s (rr over d1, d2, d3), a "
	       "request every %d ms each; d3 goes silent; %u rounds per arm, cap %u s\n",
	       vt_kernel(), CONNS, BENCH_VIP, INTERVAL, rounds, cap_s);
	printf("  %-34s %-8s %-28s %-28s %-15s %s\n", "", "d3 conns", "silence->error s (med max)",
	       "error->reconnect s (med max)", "healthy errors", "healthy resets");
	for (a = 0; a < ARM_N; a++) {
		char resets[24] = "-";

		if (!r[a].ran)
			continue;
		if (r[a].healthy_resets >= 0)
			snprintf(resets, sizeof(resets), "%lld", r[a].healthy_resets);
		printf("  %-34s %-8u", arm_names[a], r[a].d3_conns);
		print_times(r[a].err_s, r[a].errored, r[a].d3_conns);
		if (r[a].errored)
			print_times(r[a].reconnect_s, r[a].reconnected, r[a].errored);
		else
			printf(" %-28s", "-");
		printf(" %u/%-12u %s%s\n", r[a].healthy_errors, r[a].healthy_conns, resets,
		       r[a].healthy_errors || r[a].healthy_resets > 0 ? "  HEALTHY TOUCHED" : "");
		if (r[a].errored < r[a].d3_conns)
			printf("  %-34s %u of d3's connections saw no error within %u s\n", "",
			       r[a].d3_conns - r[a].errored, cap_s);
	}
	if (r[ARM_KEEPALIVED].ran)
		printf("  keepalived: TCP_CHECK every 1 s (connect_timeout 1, retry 1), "
		       "inhibit_on_failure (weight 0), expire_nodest_conn=1\n");
	if (r[ARM_VIGILD].ran)
		printf("  vigild: %lld resets of d3's sockets, by %s\n", r[ARM_VIGILD].d3_resets,
		       r[ARM_VIGILD].mechanism[0] ? r[ARM_VIGILD].mechanism
						  : "a mechanism its status does not name");
	if (lr.ran) {
		printf("vigild at 3%% loss on every link, all destinations healthy, %d busy "
		       "connections for %u s (quarantines and resets must be 0):\n",
		       CONNS, loss_s);
		printf("  quarantines %lld, resets %lld, suspicions %lld; client errors %u, %llu "
		       "echoes  %s\n",
		       lr.quarantines, lr.resets, lr.suspicions, lr.client_errors,
		       (unsigned long long)lr.echoed,
		       lr.quarantines || lr.resets || lr.client_errors ? "FALSE EJECTIONS" : "ok");
	}
	return 0;
}
