// SPDX-License-Identifier: GPL-2.0-only
/*
 * Issue 13's figures, inside firetest: three DNS resolvers (the lab's) behind
 * one UDP VIP, clients that resolve like glibc (a new socket per query, 1 s
 * per try, 3 tries). Side by side: no agent; keepalived with DNS_CHECK (an
 * SOA query for the probe name every second to every resolver, connect_timeout
 * 1, a failed resolver removed, expire_nodest_conn=1 so that its clients'
 * retries are rescheduled), with its default retry 3 and with retry 0; and
 * vigild. Two scenes:
 *
 *  - silent: one resolver goes silent, then QUERIES queries: how many are
 *    answered, how many first tries time out, the latency an application
 *    sees (p50, p99, max), and the probe queries that reached the healthy
 *    resolvers (the resolvers count the queries for the probe name);
 *  - loss3: every resolver loses 3% of the packets each way, LOSS_QUERIES
 *    queries: resolvers taken out of rotation (polled from /proc/net/ip_vs
 *    every 20 ms), and for vigild its own quarantines and suspicions. False
 *    ejections, which must be 0, are the quarantines, as in bench_precision:
 *    for vigild its own count (a suspect is out for about a probe's RTT,
 *    seen in IPVS but released without a quarantine), for keepalived what
 *    IPVS shows.
 *
 *   bench_udp [QUERIES] [LOSS_QUERIES]
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dnsclient.h"
#include "vmtest.h"

#define VIP        "10.96.0.53:53"
#define PROBE_NAME "vigil-probe.example."
#define STATE_DIR  "/tmp/bench-udp-state"
#define CONFIG     "/tmp/bench-udp-vigild.yaml"
#define KA_CONFIG  "/tmp/bench-udp-keepalived.conf"
#define KA_LOG     "/tmp/bench-udp-keepalived.log"
#define POLL_MS    20

enum mode {
	M_NONE,
	M_KEEPALIVED,
	M_KEEPALIVED_RETRY0,
	M_VIGILD,
	M_N
};

static const char *const mode_names[M_N] = {
	"no agent",
	"keepalived DNS_CHECK, delay_loop 1",
	"keepalived DNS_CHECK, delay_loop 1, retry 0",
	"vigild",
};

static const char *const names[3] = { "d1", "d2", "d3" };
static const char *const reals[3] = { "10.100.1.2:53", "10.100.2.2:53", "10.100.3.2:53" };
/* /proc/net/ip_vs spells an address as hex: 10.100.N.2:53 is 0A64NN02:0035 */
static const char *const reals_hex[3] = { "0A640102:0035", "0A640202:0035", "0A640302:0035" };

/* Whether this vigild knows probation.dns_name; else it runs on its defaults. */
static bool vigild_has_dns_name = true;

struct silent_result {
	struct vt_dns_summary s;
	unsigned int probes_healthy, probes_silent;
};

struct loss_result {
	struct vt_dns_summary s;
	unsigned int ejections;            /* seen in IPVS */
	long long quarantines, suspicions; /* vigild's own count; -1: not vigild */
};

static void lab_up(void)
{
	int i;

	vt_sh("%s clean", vt_lab());
	for (i = 1; i <= 3; i++)
		vt_sh("%s dest d%d --v4 10.100.%d.2 --dns >/dev/null 2>&1", vt_lab(), i, i);
}

static void lab_down(void)
{
	vt_sh("ipvsadm -C; ip link del vigil0 2>/dev/null; %s clean", vt_lab());
}

/* No controller, IPVS empty, every resolver live, no query counted, the sysctls at their defaults.
 */
static void fresh(void)
{
	vt_sh("ipvsadm -C; ip link del vigil0 2>/dev/null; rm -rf %s", STATE_DIR);
	vt_sh("for d in d1 d2 d3; do %s live $d >/dev/null 2>&1; %s clear-queries $d; done",
	      vt_lab(), vt_lab());
	vt_sh(
	    "sysctl -qw net.ipv4.vs.expire_nodest_conn=0 net.ipv4.vs.expire_quiescent_template=0");
}

/* A route to the VIP for the local clients, which vigild makes itself. */
static void vip_route(void)
{
	vt_sh("ip link add vigil0 type dummy && ip link set vigil0 up && "
	      "ip route add 10.96.0.53/32 dev vigil0");
}

static unsigned int probes_at(int i)
{
	char *out = vt_output("%s queries %s %s", vt_lab(), names[i], PROBE_NAME);
	unsigned int n = out ? strtoul(out, NULL, 10) : 0;

	free(out);
	return n;
}

/* RETRY: DNS_CHECK's retry, or -1 for keepalived's default (3). */
static int write_keepalived(int retry)
{
	FILE *f = fopen(KA_CONFIG, "w");
	int i;

	if (!f)
		return -errno;
	/* no inhibit_on_failure: a failed resolver is removed, so its clients' entries expire */
	fprintf(f, "global_defs {\n  router_id vigil_bench_udp\n}\n"
		   "virtual_server 10.96.0.53 53 {\n  delay_loop 1\n  lb_algo rr\n"
		   "  lb_kind NAT\n  protocol UDP\n");
	for (i = 0; i < 3; i++) {
		fprintf(f,
			"  real_server 10.100.%d.2 53 {\n    weight 1\n"
			"    DNS_CHECK {\n      type SOA\n      name " PROBE_NAME "\n"
			"      connect_timeout 1\n",
			i + 1);
		if (retry >= 0)
			fprintf(f, "      retry %d\n", retry);
		fprintf(f, "    }\n  }\n");
	}
	fprintf(f, "}\n");
	return fclose(f) ? -errno : 0;
}

static pid_t start_keepalived(int retry)
{
	pid_t pid;
	int i;

	vip_route();
	vt_sh("sysctl -qw net.ipv4.vs.expire_nodest_conn=1");
	if (write_keepalived(retry))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (!freopen(KA_LOG, "w", stderr) || !freopen("/dev/null", "w", stdout))
			_exit(127);
		execlp("keepalived", "keepalived", "--dont-fork", "--check", "-f", KA_CONFIG, "-p",
		       "/run/bench-udp-keepalived.pid", "-c", "/run/bench-udp-keepalived-check.pid",
		       (char *)NULL);
		_exit(127);
	}
	/* until it has programmed the service */
	for (i = 0; i < 100; i++) {
		char *out = vt_output("ipvsadm -Ln -u %s 2>/dev/null | grep -c Masq", VIP);
		bool ready = out && atoi(out) == 3;

		free(out);
		if (ready)
			break;
		usleep(100000);
	}
	sleep(2); /* and checked every resolver once */
	return pid;
}

static void write_vigild_config(bool dns_name)
{
	vt_write(CONFIG,
		 "agent: { state_dir: " STATE_DIR " }\n"
		 "defaults:\n"
		 "  scheduler: rr\n"
		 "%s"
		 "services:\n"
		 "  - name: dns\n"
		 "    vip: " VIP "\n"
		 "    protocol: udp\n"
		 "    destinations: [%s, %s, %s]\n",
		 dns_name ? "  probation: { dns_name: \"" PROBE_NAME "\" }\n" : "", reals[0],
		 reals[1], reals[2]);
}

/* vigil as installed, but for the name its DNS probes ask for (when it has the key). */
static pid_t start_vigild(struct vt_agent *agent)
{
	write_vigild_config(true);
	if (vt_sh("%s --check -c %s >/dev/null 2>&1", vt_vigild(), CONFIG)) {
		vigild_has_dns_name = false;
		write_vigild_config(false);
	}
	if (vt_agent_start(agent, CONFIG) || !vt_agent_wait(agent, "watching attached=", 1, 60000))
		return -1;
	return agent->pid;
}

/* The controller's pid (0: none), or -1. */
static pid_t start(enum mode m, struct vt_agent *agent)
{
	int i;

	switch (m) {
	case M_NONE:
		vip_route();
		if (vt_sh("ipvsadm -A -u %s -s rr", VIP))
			return -1;
		for (i = 0; i < 3; i++)
			if (vt_sh("ipvsadm -a -u %s -r %s -m", VIP, reals[i]))
				return -1;
		return 0;
	case M_KEEPALIVED:
		return start_keepalived(-1);
	case M_KEEPALIVED_RETRY0:
		return start_keepalived(0);
	case M_VIGILD:
		return start_vigild(agent);
	default:
		return -1;
	}
}

static void stop(enum mode m, pid_t pid, struct vt_agent *agent)
{
	if (m == M_VIGILD) {
		vt_agent_stop(agent, SIGTERM);
	} else if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

static int warm_up(void)
{
	struct vt_dns_client c = { .server = VIP, .mode = VT_DNS_FRESH };
	struct vt_dns_summary s;

	/* clients were using the service before: the resolvers show their reply times */
	if (vt_dns_run(&c, 6, NULL, &s))
		return -1;
	return s.answered == 6 ? 0 : -1;
}

static int run_silent(enum mode m, unsigned int queries, struct silent_result *r)
{
	struct vt_dns_client c = { .server = VIP, .mode = VT_DNS_FRESH, .tag = "silent" };
	struct vt_agent agent;
	pid_t pid;
	int i;

	memset(r, 0, sizeof(*r));
	fresh();
	pid = start(m, &agent);
	if (pid < 0 || warm_up())
		return -1;
	vt_sh("for d in d1 d2 d3; do %s clear-queries $d; done", vt_lab());
	vt_sh("%s silent d2", vt_lab());
	if (vt_dns_run(&c, queries, NULL, &r->s))
		return -1;
	for (i = 0; i < 3; i++) {
		if (i == 1)
			r->probes_silent = probes_at(i);
		else
			r->probes_healthy += probes_at(i);
	}
	stop(m, pid, &agent);
	return 0;
}

/* Polls /proc/net/ip_vs for resolvers leaving rotation (absent, or weight 0). */
struct watch {
	pthread_t thread;
	volatile bool stop;
	unsigned int ejections;
};

/* Which of the three are in rotation now, as bits; -1 if the table cannot be read. */
static int in_rotation(void)
{
	char line[256], addr[64], fwd[16];
	bool in_service = false;
	int bits = 0, i, weight;
	FILE *f = fopen("/proc/net/ip_vs", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "UDP ", 4) || !strncmp(line, "TCP ", 4) ||
		    !strncmp(line, "FWM ", 4)) {
			/* 10.96.0.53:53 */
			in_service = strstr(line, "0A600035:0035") && !strncmp(line, "UDP ", 4);
			continue;
		}
		if (!in_service || sscanf(line, " -> %63s %15s %d", addr, fwd, &weight) != 3)
			continue;
		for (i = 0; i < 3; i++)
			if (!strcmp(addr, reals_hex[i]) && weight > 0)
				bits |= 1 << i;
	}
	fclose(f);
	return bits;
}

static void *watch_main(void *arg)
{
	struct watch *w = arg;
	int prev = 7, now, i;

	while (!w->stop) {
		now = in_rotation();
		if (now >= 0) {
			for (i = 0; i < 3; i++)
				if ((prev & 1 << i) && !(now & 1 << i))
					w->ejections++;
			prev = now;
		}
		usleep(POLL_MS * 1000);
	}
	return NULL;
}

/*
 * vigild's own counts of KEY (quarantines, suspicions) over the three, from
 * `vigilctl list --json`; -1 when it cannot be read (said on stderr).
 */
static long long vigild_count(const char *key)
{
	FILE *f = popen(VIGIL_BUILD_DIR "/cli/vigilctl list --json 2>&1", "r");
	json_object *list = NULL, *d;
	char *out = NULL;
	size_t size = 0;
	long long n = 0;
	const char *v;
	int i;

	if (f && getdelim(&out, &size, '\0', f) > 0)
		list = json_tokener_parse(out);
	if (f)
		pclose(f);
	if (!list) {
		fprintf(stderr, "bench_udp: vigilctl list --json: %s\n", out ? out : "failed");
		free(out);
		return -1;
	}
	for (i = 0; i < 3; i++) {
		d = vt_list_dest(list, "dns", reals[i]);
		v = d ? vt_str(d, key) : NULL;
		n += v ? atoll(v) : 0;
	}
	json_object_put(list);
	free(out);
	return n;
}

static int run_loss(enum mode m, unsigned int queries, struct loss_result *r)
{
	struct vt_dns_client c = { .server = VIP, .mode = VT_DNS_FRESH, .tag = "loss" };
	struct vt_agent agent;
	struct watch w = { 0 };
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->quarantines = r->suspicions = -1;
	fresh();
	pid = start(m, &agent);
	if (pid < 0 || warm_up())
		return -1;
	vt_sh("for d in d1 d2 d3; do %s lossy $d 3 >/dev/null; done", vt_lab());
	if (pthread_create(&w.thread, NULL, watch_main, &w))
		return -1;
	vt_dns_run(&c, queries, NULL, &r->s);
	usleep(1500000); /* what the last queries set off: suspicions, checks */
	w.stop = true;
	pthread_join(w.thread, NULL);
	r->ejections = w.ejections;
	if (m == M_VIGILD) {
		r->quarantines = vigild_count("quarantines");
		r->suspicions = vigild_count("suspicions");
	}
	vt_sh("for d in d1 d2 d3; do %s live $d >/dev/null; done", vt_lab());
	stop(m, pid, &agent);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int queries = argc > 1 ? atoi(argv[1]) : 60;
	unsigned int loss_queries = argc > 2 ? atoi(argv[2]) : 90;
	struct silent_result sr[M_N];
	struct loss_result lr[M_N];
	int m;

	if (queries < 1 || queries > 10000 || loss_queries < 1 || loss_queries > 10000) {
		fprintf(stderr, "usage: bench_udp [QUERIES (1-10000)] [LOSS_QUERIES (1-10000)]\n");
		return 2;
	}
	lab_up();
	for (m = 0; m < M_N; m++) {
		if (run_silent(m, queries, &sr[m])) {
			fprintf(stderr, "bench_udp: silent scene with %s failed\n", mode_names[m]);
			return 1;
		}
		vt_dns_print(stderr, mode_names[m], &sr[m].s);
	}
	for (m = 0; m < M_N; m++) {
		if (run_loss(m, loss_queries, &lr[m])) {
			fprintf(stderr, "bench_udp: loss3 scene with %s failed\n", mode_names[m]);
			return 1;
		}
		fprintf(stderr, "%s at 3%% loss: %u ejections\n", mode_names[m], lr[m].ejections);
	}

	printf("UDP benchmark, kernel %s: 3 resolvers behind %s (rr), stub-resolver clients "
	       "(a new socket per query, 1 s per try, 3 tries)\n",
	       vt_kernel(), VIP);
	printf("scene silent: d2 goes silent, then %u queries\n", queries);
	printf("  %-44s %9s %11s %8s %8s %8s  %s\n", "", "answered", "1st-try t/o", "p50 ms",
	       "p99 ms", "max ms", "probes to healthy (to silent)");
	for (m = 0; m < M_N; m++)
		printf("  %-44s %5u/%-3u %11u %8.1f %8.1f %8.1f  %u (%u)\n", mode_names[m],
		       sr[m].s.answered, sr[m].s.queries, sr[m].s.first_try_timeouts,
		       sr[m].s.p50_ms, sr[m].s.p99_ms, sr[m].s.max_ms, sr[m].probes_healthy,
		       sr[m].probes_silent);
	printf("scene loss3: every resolver loses 3%% each way, %u queries (false ejections must "
	       "be 0)\n",
	       loss_queries);
	printf("  %-44s %9s %11s %8s %10s  %s\n", "", "answered", "1st-try t/o", "p99 ms",
	       "ejections", "quarantines/suspicions");
	for (m = 0; m < M_N; m++) {
		char own[32] = "-";

		if (lr[m].quarantines >= 0)
			snprintf(own, sizeof(own), "%lld/%lld", lr[m].quarantines,
				 lr[m].suspicions);
		printf("  %-44s %5u/%-3u %11u %8.1f %10u  %-11s %s\n", mode_names[m],
		       lr[m].s.answered, lr[m].s.queries, lr[m].s.first_try_timeouts,
		       lr[m].s.p99_ms, lr[m].ejections, own,
		       (lr[m].quarantines < 0 ? lr[m].ejections > 0 : lr[m].quarantines > 0)
			   ? "FALSE EJECTIONS"
			   : "ok");
	}
	printf("  probes count the queries for %s the resolvers received%s\n", PROBE_NAME,
	       vigild_has_dns_name ? ""
				   : "; this vigild has no probation.dns_name, so its probes "
				     "(if any) are not counted");
	lab_down();
	return 0;
}
