// SPDX-License-Identifier: GPL-2.0-only
/*
 * The metrics endpoint of agent.metrics: what a scrape shows (a snapshot of
 * the agent for metrics-render.c) and when vigild listens. Metrics are not
 * vigild's job, keeping IPVS right is: an address that cannot be bound is
 * logged as an error and vigild runs on without metrics. A reload that
 * changes agent.metrics moves the listener (nothing depends on where it was,
 * unlike the control socket vigilctl looks for); one that cannot be bound
 * leaves the old listener serving.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent-internal.h"
#include "clock.h"
#include "degrade.h"
#include "exporter.h"
#include "watch.h"
#include "log.h"
#include "metrics-render.h"

_Static_assert(APPLY_OP_TYPES == METRICS_OP_TYPES, "netlink counters: one per operation");
_Static_assert(DISPATCH_ACTIONS == METRICS_ACTIONS, "decision counters: one per action");

static int render(void *data, char **ret_text, size_t *ret_len)
{
	struct agent *a = data;
	struct metrics_snapshot m = {
		.version = VIGIL_VERSION,
		.started_real_ns = a->started_real_ns,
		.reload_ok = !a->supervisor.reload_failed,
		.reload_ok_real_ns = a->supervisor.reload_ok_real_ns,
		.watching = a->probes != NULL,
		.evidence = a->dispatch.evidence_count,
		.reset_failures = a->resets.failed,
		.reconciles = a->apply.stats.count,
		.reconciles_skipped = a->apply.stats.skipped_count,
		.reconcile_seconds = a->apply.stats.ms / 1e3,
		.owned = a->apply.state.n_owned,
		.rt = a->rt,
	};
	size_t i;

	degrade_current(a, &m.degraded);
	for (i = 0; i < DEGRADED_N_CAPS; i++)
		m.silences[i] = a->selfcheck.caps[i].silences;
	memcpy(m.decisions, a->dispatch.decisions, sizeof(m.decisions));
	memcpy(m.netlink_ops, a->apply.stats.netlink_ops, sizeof(m.netlink_ops));
	memcpy(m.netlink_errors, a->apply.stats.netlink_errors, sizeof(m.netlink_errors));
	m.have_counters = watch_get_counters(a, &m.counters) == 0;
	return metrics_render(&m, ret_text, ret_len);
}

static void log_failure(const struct config_addr *addr, int r, const char *then)
{
	char text[ADDR_PORT_STRLEN];

	config_addr_format(addr, text, sizeof(text));
	log_error("cannot serve metrics on %s: %s (%s)", text,
		  r == -EIO ? "libmicrohttpd did not start" : strerror(-r), then);
}

static void log_serving(const struct metrics *m)
{
	char text[ADDR_PORT_STRLEN];

	config_addr_format(metrics_address(m), text, sizeof(text));
	log_info("metrics url=http://%s/metrics", text);
}

void exporter_start(struct agent *a)
{
	int r;

	a->metrics_addr = a->config->agent.metrics;
	if (!a->metrics_addr.family)
		return;
	r = metrics_open(a->loop, &a->metrics_addr, render, a, &a->metrics);
	if (r)
		log_failure(&a->metrics_addr, r, "vigild runs on without metrics");
	else
		log_serving(a->metrics);
}

void exporter_reload(struct agent *a)
{
	const struct config_addr *want = &a->config->agent.metrics;
	char old[ADDR_PORT_STRLEN], then[ADDR_PORT_STRLEN + 32];
	struct metrics *m = NULL;
	int r;

	/* the same address: nothing to do, unless it could not be bound before */
	if (!memcmp(want, &a->metrics_addr, sizeof(*want)) && (a->metrics || !want->family))
		return;
	if (!want->family) {
		if (a->metrics)
			log_info("metrics url=off");
		metrics_close(a->metrics);
		a->metrics = NULL;
		a->metrics_addr = *want;
		return;
	}
	r = metrics_open(a->loop, want, render, a, &m);
	if (r == -EADDRINUSE && a->metrics) {
		/* the new address may overlap the old one (127.0.0.1:9712 -> 0.0.0.0:9712) */
		metrics_close(a->metrics);
		a->metrics = NULL;
		r = metrics_open(a->loop, want, render, a, &m);
	}
	if (r && a->metrics) {
		/* metrics_addr stays the old one: the next reload tries again */
		config_addr_format(metrics_address(a->metrics), old, sizeof(old));
		snprintf(then, sizeof(then), "metrics stay on %s", old);
		log_failure(want, r, then);
		return;
	}
	a->metrics_addr = *want;
	if (r) {
		log_failure(want, r, "vigild runs on without metrics");
		return;
	}
	metrics_close(a->metrics);
	a->metrics = m;
	log_serving(m);
}

void exporter_stop(struct agent *a)
{
	metrics_close(a->metrics);
	a->metrics = NULL;
}
