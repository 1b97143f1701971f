/* SPDX-License-Identifier: GPL-2.0-only */
/* The metrics endpoint: its failures are logged, never fatal. */
#ifndef VIGIL_DAEMON_EXPORTER_H
#define VIGIL_DAEMON_EXPORTER_H

#include "agent-internal.h"

void exporter_start(struct agent *a);
/* After a reload: listens on agent.metrics if it changed (or failed before). */
void exporter_reload(struct agent *a);
void exporter_stop(struct agent *a);

#endif
