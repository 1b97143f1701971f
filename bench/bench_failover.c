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

#include "vmtest.h"

#define VIP         "10.96.0.10:80"
#define CONFIG      "/tmp/bench-failover.yaml"
#define KA_CONFIG   "/tmp/bench-keepalived.conf"
#define STATE_DIR   "/tmp/bench-failover-state"
#define CAP_MS      10000
#define MAX_CLIENTS 100

static const char *const reals[] = { "10.100.1.2:8080", "10.100.2.2:8080", "10.100.3.2:8080" };

enum variant {
	NONE,
	KEEPALIVED,
	KEEPALIVED_NODEST,
	VIGILD,
	N_VARIANTS
};

static const char *const names[N_VARIANTS] = {
	"no agent",
	"keepalived, default sysctls",
	"keepalived, expire_nodest_conn=1",
	"vigild",
};

struct result {
	unsigned int ok, failed;
	double median_s, max_s, total_s;
	unsigned int probes_healthy, probes_failed;
};

static void fresh(void)
{
	const char *lab = vt_lab();

	vt_sh("pkill -x keepalived; ipvsadm -C; ip link del vigil0 2>/dev/null; rm -rf %s",
	      STATE_DIR);
	vt_sh("for d in d1 d2 d3; do %s live $d >/dev/null 2>&1; done", lab);
	vt_sh(
	    "sysctl -qw net.ipv4.vs.expire_nodest_conn=0 net.ipv4.vs.expire_quiescent_template=0");
}

/* A route to the VIP for the local clients, which vigild makes itself. */
static void vip_route(void)
{
	vt_sh("ip link add vigil0 type dummy && ip link set vigil0 up && "
	      "ip route add 10.96.0.10/32 dev vigil0");
}

static void write_keepalived(void)
{
	FILE *f = fopen(KA_CONFIG, "w");
	size_t i;

	fprintf(f, "global_defs {\n  router_id vigil_bench\n}\n"
		   "virtual_server 10.96.0.10 80 {\n  delay_loop 1\n  lb_algo rr\n"
		   "  lb_kind NAT\n  protocol TCP\n");
	for (i = 0; i < 3; i++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "%s", reals[i]);
		*strchr(addr, ':') = ' ';
		fprintf(f,
			"  real_server %s {\n    weight 1\n    inhibit_on_failure\n"
			"    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n",
			addr);
	}
	fprintf(f, "}\n");
	fclose(f);
}

/* Starts the controller of VARIANT; its pid (0: none), or -1. */
static pid_t start_controller(enum variant v, struct vt_agent *agent)
{
	pid_t pid;

	switch (v) {
	case NONE:
		vip_route();
		return vt_sh("ipvsadm -A -t %s -s rr && ipvsadm -a -t %s -r %s -m && "
			     "ipvsadm -a -t %s -r %s -m && ipvsadm -a -t %s -r %s -m",
			     VIP, VIP, reals[0], VIP, reals[1], VIP, reals[2])
			   ? -1
			   : 0;
	case KEEPALIVED:
	case KEEPALIVED_NODEST:
		vip_route();
		if (v == KEEPALIVED_NODEST)
			vt_sh("sysctl -qw net.ipv4.vs.expire_nodest_conn=1");
		write_keepalived();
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			freopen("/tmp/bench-keepalived.log", "w", stderr);
			freopen("/dev/null", "w", stdout);
			execlp("keepalived", "keepalived", "--dont-fork", "--check", "-f",
			       KA_CONFIG, "-p", "/run/bench-keepalived.pid", "-c",
			       "/run/bench-keepalived-check.pid", (char *)NULL);
			_exit(127);
		}
		/* until it has programmed the service */
		for (int i = 0; i < 100; i++) {
			char *out = vt_output("ipvsadm -Ln -t %s 2>/dev/null | grep -c Masq", VIP);
			bool ready = out && atoi(out) == 3;

			free(out);
			if (ready)
				break;
			usleep(100000);
		}
		sleep(2); /* and checked every destination once */
		return pid;
	case VIGILD:
		vt_write(CONFIG,
			 "agent: { state_dir: " STATE_DIR " }\n"
			 "defaults: { scheduler: rr, health: { enabled: false } }\n"
			 "services:\n  - name: web\n    vip: %s\n    destinations: [%s, %s, %s]\n",
			 VIP, reals[0], reals[1], reals[2]);
		if (vt_agent_start(agent, CONFIG) ||
		    !vt_agent_wait(agent, "watching attached=", 1, 60000))
			return -1;
		return agent->pid;
	default:
		return -1;
	}
}

static void stop_controller(enum variant v, pid_t pid, struct vt_agent *agent)
{
	if (v == VIGILD)
		vt_agent_stop(agent, SIGTERM);
	else if (pid > 0) {
		kill(pid, SIGTERM);
		vt_sh("sleep 0.5; pkill -x keepalived");
		waitpid(pid, NULL, 0);
	}
}

/* Connections made straight to a real address (not through the VIP): probes. */
static void count_probes(const struct vt_tracer *t, struct result *r)
{
	size_t i;

	for (i = 0; i < t->n_events; i++) {
		const char *kind = vt_str(t->events[i], "kind");
		const char *to = vt_str(t->events[i], "virtual");

		if (!kind || strcmp(kind, "connect") || !to)
			continue;
		if (!strcmp(to, reals[0]) || !strcmp(to, reals[2]))
			r->probes_healthy++;
		else if (!strcmp(to, reals[1]))
			r->probes_failed++;
	}
}

static int run_variant(enum variant v, unsigned int clients, struct result *r)
{
	double times[MAX_CLIENTS];
	struct vt_agent agent;
	struct vt_tracer t;
	struct vt_conn c;
	unsigned int i;
	uint64_t t0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	fresh();
	pid = start_controller(v, &agent);
	if (pid < 0)
		return -1;
	for (i = 0; i < 6; i++) /* clients were using the service before */
		vt_connect(VIP, CAP_MS, &c);
	if (vt_tracer_start(&t))
		return -1;
	vt_sh("%s silent d2", vt_lab());
	t0 = vt_now_ns();
	for (i = 0; i < clients; i++) {
		vt_connect(VIP, CAP_MS, &c);
		times[i] = c.seconds;
		if (c.err == 0)
			r->ok++;
		else
			r->failed++;
		if (c.seconds > r->max_s)
			r->max_s = c.seconds;
	}
	r->total_s = (vt_now_ns() - t0) / 1e9;
	r->median_s = vt_median(times, clients);
	vt_tracer_stop(&t);
	count_probes(&t, r);
	vt_tracer_free(&t);
	stop_controller(v, pid, &agent);
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

	fresh();
	if (start_controller(VIGILD, &agent) < 0)
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
	stop_controller(VIGILD, 0, &agent);
	return ms;
}

int main(int argc, char **argv)
{
	unsigned int clients = argc > 1 ? atoi(argv[1]) : 30;
	int rst_rounds = argc > 2 ? atoi(argv[2]) : 5, i;
	struct result r[N_VARIANTS];
	double rst[16];
	int n_rst = 0;

	if (clients < 1 || clients > MAX_CLIENTS || rst_rounds < 1 || rst_rounds > 16) {
		fprintf(stderr, "usage: bench_failover [CLIENTS (1-%d)] [RST_ROUNDS (1-16)]\n",
			MAX_CLIENTS);
		return 2;
	}
	vt_sh("%s clean", vt_lab());
	for (i = 1; i <= 3; i++)
		vt_sh("%s dest d%d --v4 10.100.%d.2 --port 8080 >/dev/null 2>&1", vt_lab(), i, i);
	for (i = 0; i < N_VARIANTS; i++) {
		if (run_variant(i, clients, &r[i])) {
			fprintf(stderr, "bench: %s failed\n", names[i]);
			return 1;
		}
		fprintf(stderr, "%s: %u ok, %u failed, median %.3f s, max %.3f s\n", names[i],
			r[i].ok, r[i].failed, r[i].median_s, r[i].max_s);
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
	for (i = 0; i < N_VARIANTS; i++)
		printf("  %-34s %5u/%-3u %9.3f %9.3f %9.2f  %u (%u)\n", names[i], r[i].ok,
		       r[i].failed, r[i].median_s, r[i].max_s, r[i].total_s, r[i].probes_healthy,
		       r[i].probes_failed);
	printf("  vigild: first RST of a refusing destination to its weight 0: median %.2f ms "
	       "of %d (target < 10 ms)\n",
	       n_rst ? vt_median(rst, n_rst) : -1, n_rst);
	vt_sh("pkill -x keepalived; ipvsadm -C; ip link del vigil0; %s clean", vt_lab());
	return 0;
}
