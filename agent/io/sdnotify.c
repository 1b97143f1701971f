// SPDX-License-Identifier: GPL-2.0-only
#include "sdnotify.h"

#include <time.h>
#include <systemd/sd-daemon.h>

/* sd_notify() is 0 without NOTIFY_SOCKET, positive when sent, -errno else: 0 or -errno here. */
static int sent(int r)
{
	return r < 0 ? r : 0;
}

int sdnotify_ready(const char *status)
{
	return sent(sd_notifyf(0, "READY=1\nSTATUS=%s", status));
}

int sdnotify_status(const char *status)
{
	return sent(sd_notifyf(0, "STATUS=%s", status));
}

int sdnotify_reloading(void)
{
	struct timespec ts;

	/* MONOTONIC_USEC: systemd 253 and later match it with the reload they asked for */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return sent(sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
			       (unsigned long long)ts.tv_sec * 1000000ull +
				   (unsigned long long)ts.tv_nsec / 1000));
}

int sdnotify_stopping(void)
{
	return sent(sd_notify(0, "STOPPING=1"));
}

int sdnotify_watchdog(void)
{
	return sent(sd_notify(0, "WATCHDOG=1"));
}

uint64_t sdnotify_watchdog_interval_ns(void)
{
	uint64_t usec = 0;

	/* also checks WATCHDOG_PID: a child that inherited the variable feeds nothing */
	if (sd_watchdog_enabled(0, &usec) <= 0 || !usec)
		return 0;
	return usec * 1000ull / 2;
}
