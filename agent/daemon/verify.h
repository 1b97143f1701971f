/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigild acting on its check of its own pipeline (selfcheck.h): feeding it
 * what the events prove and what IPVS counts, and, when a capability is
 * found silent or working again, saying so once, holding or releasing the
 * evidence that depends on it, resetting health weights, and starting or
 * stopping degraded mode's checks.
 */
#ifndef VIGIL_DAEMON_VERIFY_H
#define VIGIL_DAEMON_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "agent-internal.h"

/* What the event proves of the pipeline. */
void verify_observe(struct agent *a, const struct vigil_event *e);
/* Acts on the verdicts the self-check changed; the caller rearms the alarm. */
void verify_apply(struct agent *a);
/* New connections to the watched services as IPVS counts them. */
int verify_watched_conns(struct agent *a, uint64_t *ret);
/* Whether the kernel side lost events or correlation entries since the last call. */
bool verify_lost_since(struct agent *a);

#endif
