// SPDX-License-Identifier: GPL-2.0-only
#include "controller.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONFIG    "/tmp/bench-vigild.yaml"
#define KA_CONFIG "/tmp/bench-keepalived.conf"

const char *const bench_controller_names[BENCH_N_CONTROLLERS] = {
	"no agent",
	"keepalived, default sysctls",
	"keepalived, expire_nodest_conn=1",
	"keepalived, retry 0, expire_nodest_conn=1",
	"vigild",
};

const char *const bench_reals[3] = { "10.100.1.2:8080", "10.100.2.2:8080", "10.100.3.2:8080" };

void bench_lab_up(void)
{
	int i;

	vt_sh("%s clean", vt_lab());
	for (i = 1; i <= 3; i++)
		vt_sh("%s dest d%d --v4 10.100.%d.2 --port 8080 >/dev/null 2>&1", vt_lab(), i, i);
}

void bench_lab_down(void)
{
	vt_sh("pkill -x keepalived; ipvsadm -C; ip link del vigil0; %s clean", vt_lab());
}

void bench_fresh(void)
{
	vt_sh("pkill -x keepalived; ipvsadm -C; ip link del vigil0 2>/dev/null; rm -rf %s",
	      BENCH_STATE_DIR);
	vt_sh("for d in d1 d2 d3; do %s live $d >/dev/null 2>&1; done", vt_lab());
	vt_sh(
	    "sysctl -qw net.ipv4.vs.expire_nodest_conn=0 net.ipv4.vs.expire_quiescent_template=0");
}

/* A route to the VIP for the local clients, which vigild makes itself. */
static void vip_route(void)
{
	vt_sh("ip link add vigil0 type dummy && ip link set vigil0 up && "
	      "ip route add 10.96.0.10/32 dev vigil0");
}

/* RETRY: TCP_CHECK's retry, or -1 for keepalived's default (1). */
static void write_keepalived(int retry)
{
	FILE *f = fopen(KA_CONFIG, "w");
	size_t i;

	fprintf(f, "global_defs {\n  router_id vigil_bench\n}\n"
		   "virtual_server 10.96.0.10 80 {\n  delay_loop 1\n  lb_algo rr\n"
		   "  lb_kind NAT\n  protocol TCP\n");
	for (i = 0; i < 3; i++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "%s", bench_reals[i]);
		*strchr(addr, ':') = ' ';
		fprintf(f,
			"  real_server %s {\n    weight 1\n    inhibit_on_failure\n"
			"    TCP_CHECK {\n      connect_timeout 1\n",
			addr);
		if (retry >= 0)
			fprintf(f, "      retry %d\n", retry);
		fprintf(f, "    }\n  }\n");
	}
	fprintf(f, "}\n");
	fclose(f);
}

static pid_t start_keepalived(bool nodest, int retry)
{
	pid_t pid;
	int i;

	vip_route();
	if (nodest)
		vt_sh("sysctl -qw net.ipv4.vs.expire_nodest_conn=1");
	write_keepalived(retry);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		/* its log to a file; without one it would still run, so go on */
		if (!freopen("/tmp/bench-keepalived.log", "w", stderr) ||
		    !freopen("/dev/null", "w", stdout))
			perror("bench: redirecting keepalived's output");
		execlp("keepalived", "keepalived", "--dont-fork", "--check", "-f", KA_CONFIG, "-p",
		       "/run/bench-keepalived.pid", "-c", "/run/bench-keepalived-check.pid",
		       (char *)NULL);
		_exit(127);
	}
	/* until it has programmed the service */
	for (i = 0; i < 100; i++) {
		char *out = vt_output("ipvsadm -Ln -t %s 2>/dev/null | grep -c Masq", BENCH_VIP);
		bool ready = out && atoi(out) == 3;

		free(out);
		if (ready)
			break;
		usleep(100000);
	}
	sleep(2); /* and checked every destination once */
	return pid;
}

pid_t bench_start(enum bench_controller c, struct vt_agent *agent, const char *defaults)
{
	switch (c) {
	case BENCH_NONE:
		vip_route();
		return vt_sh("ipvsadm -A -t %s -s rr && ipvsadm -a -t %s -r %s -m && "
			     "ipvsadm -a -t %s -r %s -m && ipvsadm -a -t %s -r %s -m",
			     BENCH_VIP, BENCH_VIP, bench_reals[0], BENCH_VIP, bench_reals[1],
			     BENCH_VIP, bench_reals[2])
			   ? -1
			   : 0;
	case BENCH_KEEPALIVED:
		return start_keepalived(false, -1);
	case BENCH_KEEPALIVED_NODEST:
		return start_keepalived(true, -1);
	case BENCH_KEEPALIVED_RETRY0:
		return start_keepalived(true, 0);
	case BENCH_VIGILD:
		vt_write(CONFIG,
			 "agent: { state_dir: " BENCH_STATE_DIR " }\n"
			 "defaults: { scheduler: rr%s%s }\n"
			 "services:\n  - name: web\n    vip: %s\n    destinations: [%s, %s, %s]\n",
			 *defaults ? ", " : "", defaults, BENCH_VIP, bench_reals[0], bench_reals[1],
			 bench_reals[2]);
		if (vt_agent_start(agent, CONFIG) ||
		    !vt_agent_wait(agent, "watching attached=", 1, 60000))
			return -1;
		return agent->pid;
	default:
		return -1;
	}
}

void bench_stop(enum bench_controller c, pid_t pid, struct vt_agent *agent)
{
	if (c == BENCH_VIGILD)
		vt_agent_stop(agent, SIGTERM);
	else if (pid > 0) {
		kill(pid, SIGTERM);
		vt_sh("sleep 0.5; pkill -x keepalived");
		waitpid(pid, NULL, 0);
	}
}
