// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigild's start-up and shutdown: opens what the agent needs, one step per
 * line, registers the sinks that connect its modules (dispatch's actions and
 * followers, apply's IPVS-is-back), and runs the loop until SIGTERM.
 */
#include "vigild.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "clock.h"
#include "commands.h"
#include "exporter.h"
#include "log.h"
#include "resets.h"
#include "setup.h"
#include "supervisor.h"
#include "watch.h"

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int open_state(struct agent *a)
{
	const char *dir = a->config->agent.state_dir;
	char why[256] = "";
	int r;

	r = mkdir_p(dir);
	if (r) {
		log_error("cannot create the state directory %s: %s", dir, strerror(-r));
		return r;
	}
	snprintf(a->apply.state_path, sizeof(a->apply.state_path), "%s/state.json", dir);
	a->apply.state_missing = access(a->apply.state_path, F_OK) < 0 && errno == ENOENT;
	r = state_load(a->apply.state_path, &a->apply.state, why, sizeof(why));
	if (r)
		log_error("cannot read the state file %s: %s (move it away to start afresh; "
			  "vigild then adopts back the services at the VIPs routed through its "
			  "interface)",
			  a->apply.state_path, why[0] ? why : strerror(-r));
	else
		log_info("state file=%s owned=%zu", a->apply.state_path, a->apply.state.n_owned);
	return r;
}

static int open_ipvs(struct agent *a)
{
	struct ipvs_info info;
	int r = ipvs_open(&a->apply.ipvs);

	/* resolving the family needs no privilege; every IPVS command does */
	if (!r)
		r = ipvs_info(a->apply.ipvs, &info);
	if (!r)
		log_info("ipvs version=%u.%u.%u conn_tab_size=%u", info.version >> 16,
			 (info.version >> 8) & 0xff, info.version & 0xff, info.conn_tab_size);

	if (r == -EPROTONOSUPPORT || r == -ENOENT)
		log_error("IPVS is not available: the kernel has no IPVS netlink family "
			  "(is the ip_vs module loaded? modprobe ip_vs)");
	else if (r == -EPERM || r == -EACCES)
		log_error("not allowed to use IPVS: vigild needs root (CAP_NET_ADMIN)");
	else if (r)
		log_error("cannot open IPVS: %s", strerror(-r));
	return r;
}

/* The routing socket; vigil's interface comes with the first service (setup.h). */
static int open_hostnet(struct agent *a)
{
	int r = hostnet_open(&a->apply.hostnet);

	if (r)
		log_error("cannot open the routing netlink socket: %s", strerror(-r));
	return r;
}

/* dispatch's actions: IPVS through apply.h, then the state file */
static void apply_weights(void *data, struct runtime_service *s, uint64_t origin_ns)
{
	struct agent *a = data;

	apply_service(&a->apply, s, origin_ns);
}

static void save_state(void *data)
{
	struct agent *a = data;

	apply_save_state(&a->apply);
}

static void update_resets(void *data)
{
	resets_update(data);
}

static void ipvs_back(void *data)
{
	struct agent *a = data;

	setup_sysctls(a);
	watch_ipvs_back(a);
}

/* Who hears of what: the arrows of agent/README.md that are not calls. */
static void register_sinks(struct agent *a)
{
	a->apply.on_ipvs_back = ipvs_back;
	a->apply.data = a;
	a->dispatch.selfcheck = &a->selfcheck;
	a->dispatch.act.apply = apply_weights;
	a->dispatch.act.save = save_state;
	a->dispatch.act.resets = update_resets;
	a->dispatch.act.data = a;
	a->dispatch.notify.evidence = commands_evidence;
	a->dispatch.notify.decision = commands_decision;
	a->dispatch.notify.data = a;
	a->resets.notify = commands_reset;
	a->resets.notify_data = a;
}

static int on_signal(struct loop *loop, int signo, void *data)
{
	struct agent *a = data;
	char why[1024];

	if (signo == SIGHUP) {
		agent_reload(a, why, sizeof(why));
		return 0;
	}
	log_info("exiting signal=\"%s\" ipvs=left-as-it-is", strsignal(signo));
	supervisor_stopping(a);
	loop_exit(loop, 0);
	return 0;
}

static int open_runtime(struct agent *a)
{
	int r = runtime_new(a->config, NULL, clock_now_ns(), &a->rt);

	if (r)
		log_error("cannot set up the services: %s", strerror(-r));
	a->apply.config = a->config;
	a->apply.rt = a->dispatch.rt = a->rt;
	return r;
}

static void agent_free(struct agent *a)
{
	exporter_stop(a);
	commands_stop(a);
	resets_stop(a);
	watch_stop(a);
	runtime_free(a->rt);
	apply_close(&a->apply);
	config_free(a->config);
	loop_free(a->loop);
}

int vigild_run(const char *config_path)
{
	static const int signals[] = { SIGHUP, SIGINT, SIGTERM };
	struct agent a = { .config_path = config_path,
			   .started_ns = clock_now_ns(),
			   .started_real_ns = clock_now_ns() + clock_mono_to_real_ns() };
	struct config_error err;
	char text[1024];
	int r;

	r = config_load(config_path, &a.config, &err);
	if (r) {
		config_error_format(&err, text, sizeof(text));
		log_error("%s", text);
		return r;
	}
	/* the first load counts as a successful one, as Prometheus' own metric does */
	a.supervisor.reload_ok_real_ns = a.started_real_ns;
	a.loop = loop_new();
	if (!a.loop)
		return -errno;
	register_sinks(&a);
	r = loop_add_signals(a.loop, signals, 3, on_signal, &a, NULL);
	/* before IPVS is touched: a second vigild must not fight the first */
	if (!r)
		r = commands_start(&a);
	if (!r)
		r = open_ipvs(&a);
	if (!r)
		r = open_state(&a);
	if (!r)
		r = open_hostnet(&a);
	if (!r)
		r = open_runtime(&a);
	if (r)
		goto out;
	apply_restore_policies(&a.apply);
	log_info("started config=%s services=%u", config_path, a.config->n_services);
	r = setup_before_pass(&a);
	if (r)
		goto out;
	apply_pass(&a.apply, "start");
	r = setup_after_pass(&a, false);
	if (!r)
		exporter_start(&a);
	if (!r)
		r = agent_start_timer(&a);
	if (!r)
		supervisor_ready(&a);
	if (!r)
		r = loop_run(a.loop);
	if (r < 0)
		log_error("event loop failed: %s", strerror(-r));
out:
	agent_free(&a);
	return r;
}
