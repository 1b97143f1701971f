/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one line `systemctl status vigild` shows (STATUS=, sd_notify(3)):
 * what vigild keeps, what it cannot see, and a rejected reload. Pure, so
 * the unit tests check the text.
 */
#ifndef VIGIL_DAEMON_STATUS_LINE_H
#define VIGIL_DAEMON_STATUS_LINE_H

#include <stddef.h>
#include <stdint.h>

#include "degraded.h"
#include "runtime.h"

#define STATUS_LINE_MAX 512

struct status_line {
	size_t services, dests, in_rotation; /* in_rotation: weight above 0 now */
	const struct degraded *degraded;     /* NULL: not watching because nothing is configured */
	const char *reload_error;            /* the last reload's rejection; NULL: taken */
};

/* The counts of RT (NULL: none) at NOW into RET, the rest of RET untouched. */
void status_line_count(const struct runtime *rt, uint64_t now_ns, struct status_line *ret);
/*
 * "2 services, 5 of 6 destinations in rotation", then "; degraded: " and the
 * capabilities not as asked for ("real_destination missing"), then "; last
 * reload rejected: " and why; "no services configured: ..." without any.
 * Cut to SIZE.
 */
void status_line_format(const struct status_line *st, char *buf, size_t size);

#endif
