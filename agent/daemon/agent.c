// SPDX-License-Identifier: GPL-2.0-only
#include "agent.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "exporter.h"
#include "log.h"
#include "resets.h"
#include "setup.h"
#include "supervisor.h"
#include "watch.h"

static int on_timer(struct loop *loop, void *data)
{
	struct agent *a = data;

	apply_pass(&a->apply, "periodic");
	/* services the last reload dropped may have been deleted only now */
	setup_after_pass(a, true);
	supervisor_status(a);
	return 0;
}

int agent_start_timer(struct agent *a)
{
	int r;

	loop_remove(a->loop, a->timer);
	a->timer = NULL;
	r = loop_add_timer(a->loop, a->config->agent.reconcile_interval_ms * 1000000ull, on_timer,
			   a, &a->timer);
	if (r)
		log_error("cannot start the reconcile timer: %s", strerror(-r));
	return r;
}

static bool same_string(const char *x, const char *y, const char *key)
{
	if (!strcmp(x, y))
		return true;
	log_warning("agent.%s changed from %s to %s: takes effect when vigild restarts", key, x, y);
	return false;
}

int agent_reload(struct agent *a, char *why, size_t why_size)
{
	struct config_error err;
	struct config *c = NULL, *old;
	struct runtime *rt = NULL, *old_rt;
	char text[1024];
	uint64_t old_interval = a->config->agent.reconcile_interval_ms;
	int r;

	supervisor_reloading(a);
	r = config_load(a->config_path, &c, &err);
	if (r) {
		config_error_format(&err, text, sizeof(text));
		log_error("reload rejected, the running configuration stays: %s", text);
		snprintf(why, why_size, "%s", text);
		supervisor_reloaded(a, text);
		return r;
	}
	/* where vigild keeps its state and routes is fixed while it runs */
	if (!same_string(a->config->agent.interface, c->agent.interface, "interface"))
		memcpy(c->agent.interface, a->config->agent.interface, sizeof(c->agent.interface));
	if (!same_string(a->config->agent.state_dir, c->agent.state_dir, "state_dir"))
		memcpy(c->agent.state_dir, a->config->agent.state_dir, sizeof(c->agent.state_dir));
	if (!same_string(a->config->agent.control_socket, c->agent.control_socket,
			 "control_socket"))
		memcpy(c->agent.control_socket, a->config->agent.control_socket,
		       sizeof(c->agent.control_socket));
	if (!same_string(a->config->agent.control_group, c->agent.control_group, "control_group"))
		memcpy(c->agent.control_group, a->config->agent.control_group,
		       sizeof(c->agent.control_group));
	r = runtime_new(c, a->rt, clock_now_ns(), &rt);
	if (r) {
		log_error("reload failed, the running configuration stays: %s", strerror(-r));
		snprintf(why, why_size, "%s: %s", a->config_path, strerror(-r));
		config_free(c);
		supervisor_reloaded(a, why);
		return r;
	}
	old_rt = a->rt;
	old = a->config;
	a->rt = a->apply.rt = a->dispatch.rt = rt;
	a->config = c;
	a->apply.config = c;
	if (a->setup.watching)
		watch_reload(a, old_rt);
	resets_update(a);
	exporter_reload(a);
	/* the old runtime points into the old config */
	runtime_free(old_rt);
	config_free(old);
	log_info("reloaded config=%s services=%u", a->config_path, c->n_services);
	if (c->agent.reconcile_interval_ms != old_interval)
		agent_start_timer(a);
	/* the first service sets the host up; the pass then routes its VIP */
	setup_before_pass(a);
	apply_pass(&a->apply, "reload");
	/* the last one gone: the pass deleted its IPVS service, now the rest goes */
	setup_after_pass(a, false);
	supervisor_reloaded(a, NULL);
	return 0;
}
