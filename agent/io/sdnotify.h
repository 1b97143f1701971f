/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What vigild tells systemd, through libsystemd's sd_notify(3): readiness,
 * a status line, reloads, and the watchdog's keep-alive. Outside systemd
 * (no NOTIFY_SOCKET) every call does nothing and returns 0, so vigild runs
 * the same by hand, in a container or under another supervisor.
 */
#ifndef VIGIL_IO_SDNOTIFY_H
#define VIGIL_IO_SDNOTIFY_H

#include <stdint.h>

/* READY=1 with STATUS: start-up (or a reload) is done. */
int sdnotify_ready(const char *status);
/* STATUS=: one line for `systemctl status`. */
int sdnotify_status(const char *status);
/* RELOADING=1: the configuration is being loaded again; sdnotify_ready() ends it. */
int sdnotify_reloading(void);
/* STOPPING=1: vigild is exiting. */
int sdnotify_stopping(void);
/* WATCHDOG=1: the loop is alive. */
int sdnotify_watchdog(void);
/*
 * How often to send WATCHDOG=1, in ns: half of the WATCHDOG_USEC systemd
 * set for this process (WatchdogSec=), so one late tick is not fatal. 0:
 * no watchdog wanted.
 */
uint64_t sdnotify_watchdog_interval_ns(void);

#endif
