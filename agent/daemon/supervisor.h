/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What systemd, vigild's supervisor (Type=notify), is told: READY once the
 * first reconcile pass is done and watching started; a STATUS line kept
 * current (status-line.h); RELOADING and READY around a reload; WATCHDOG
 * from a timer of the event loop, so a loop that hangs is restarted; and
 * STOPPING on exit. Outside systemd all of it is a no-op (sdnotify.h). It
 * also keeps the last reload's verdict, which the metrics show.
 */
#ifndef VIGIL_DAEMON_SUPERVISOR_H
#define VIGIL_DAEMON_SUPERVISOR_H

#include "agent-internal.h"

/* Start-up is done: READY=1 with the status line, and the watchdog's timer. */
void supervisor_ready(struct agent *a);
/* The status line again, sent when it changed. */
void supervisor_status(struct agent *a);
/* A reload begins. */
void supervisor_reloading(struct agent *a);
/* A reload ended: taken (WHY NULL), or rejected because of WHY (FILE:LINE:COL: message). */
void supervisor_reloaded(struct agent *a, const char *why);
/* vigild exits. */
void supervisor_stopping(struct agent *a);

#endif
