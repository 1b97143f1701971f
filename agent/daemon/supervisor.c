// SPDX-License-Identifier: GPL-2.0-only
#include "supervisor.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "degrade.h"
#include "log.h"
#include "sdnotify.h"
#include "status-line.h"

static void status_text(struct agent *a, char *buf, size_t size)
{
	struct status_line st = { 0 };
	struct degraded d;

	status_line_count(a->rt, clock_now_ns(), &st);
	/* no service, nothing watched: that is as asked for, not degraded */
	if (a->setup.watching) {
		degrade_current(a, &d);
		st.degraded = &d;
	}
	st.reload_error = a->supervisor.reload_failed ? a->supervisor.reload_error : NULL;
	status_line_format(&st, buf, size);
}

void supervisor_status(struct agent *a)
{
	char text[sizeof(a->supervisor.status)];
	int r;

	status_text(a, text, sizeof(text));
	if (!strcmp(text, a->supervisor.status))
		return;
	r = sdnotify_status(text);
	if (r < 0)
		log_debug("cannot tell systemd the status: %s", strerror(-r));
	snprintf(a->supervisor.status, sizeof(a->supervisor.status), "%s", text);
}

static int on_watchdog(struct loop *loop, void *data)
{
	struct agent *a = data;
	int r = sdnotify_watchdog();

	if (r < 0)
		log_warning("cannot feed systemd's watchdog: %s", strerror(-r));
	supervisor_status(a);
	return 0;
}

void supervisor_ready(struct agent *a)
{
	uint64_t interval = sdnotify_watchdog_interval_ns();
	int r;

	status_text(a, a->supervisor.status, sizeof(a->supervisor.status));
	r = sdnotify_ready(a->supervisor.status);
	if (r < 0)
		log_warning("cannot tell systemd that vigild is ready: %s", strerror(-r));
	if (!interval)
		return;
	/* a timer of the loop: a handler that blocks starves it, and systemd restarts vigild */
	r = loop_add_timer(a->loop, interval, on_watchdog, a, &a->supervisor.watchdog);
	if (r < 0)
		log_error("cannot start feeding systemd's watchdog (it will restart vigild): %s",
			  strerror(-r));
	else
		log_info("watchdog interval_ms=%llu", (unsigned long long)(interval / 1000000));
}

void supervisor_reloading(struct agent *a)
{
	int r = sdnotify_reloading();

	if (r < 0)
		log_debug("cannot tell systemd of the reload: %s", strerror(-r));
}

void supervisor_reloaded(struct agent *a, const char *why)
{
	int r;

	a->supervisor.reload_failed = why != NULL;
	if (why)
		snprintf(a->supervisor.reload_error, sizeof(a->supervisor.reload_error), "%s", why);
	else
		a->supervisor.reload_ok_real_ns = clock_now_ns() + clock_mono_to_real_ns();
	/* READY ends the RELOADING, whatever the verdict: vigild runs either way */
	status_text(a, a->supervisor.status, sizeof(a->supervisor.status));
	r = sdnotify_ready(a->supervisor.status);
	if (r < 0)
		log_debug("cannot tell systemd the reload is done: %s", strerror(-r));
}

void supervisor_stopping(struct agent *a)
{
	sdnotify_stopping();
}
