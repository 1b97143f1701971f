/* SPDX-License-Identifier: GPL-2.0-only */
/* Events from the BPF ring buffer: decoding and rendering. Pure functions. */
#ifndef VIGIL_AGENT_EVENT_H
#define VIGIL_AGENT_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <linux/types.h>
#include <netinet/in.h>
#include "vigil.h"

_Static_assert(sizeof(union vigil_addr) == 16, "vigil_addr layout");
_Static_assert(sizeof(struct vigil_flow) == 40, "vigil_flow layout");
_Static_assert(sizeof(struct vigil_real) == 20, "vigil_real layout");
_Static_assert(sizeof(struct vigil_event) == 72, "vigil_event layout");
_Static_assert(sizeof(struct vigil_vip) == 20, "vigil_vip layout");

/* "[ffff:...:ffff]:65535" and its terminating NUL */
#define ADDR_PORT_STRLEN (INET6_ADDRSTRLEN + 8)

/* Copies a ring-buffer record into *ret; -EINVAL if it is not a valid event. */
int event_decode(const void *data, size_t size, struct vigil_event *ret);

const char *event_kind_name(unsigned int kind);
const char *tcp_state_name(unsigned int state);
/* "ECONNREFUSED"; "errno N" (in buf) for a number libc has no name for. */
const char *event_error_name(unsigned int error, char *buf, size_t size);

/* "10.0.0.1:80" or "[fd00::1]:80" (config_addr_format); "-" for family 0. Returns buf. */
char *addr_port_format(unsigned int family, const union vigil_addr *addr, unsigned int port,
		       char *buf, size_t size);

/* Converts an event's CLOCK_MONOTONIC time to wall-clock time. */
struct timespec event_wall_time(uint64_t mono_ns, int64_t mono_to_real_ns);

/* One human-readable line, without newline. Returns the snprintf length. */
int event_format_text(const struct vigil_event *e, const struct timespec *wall, char *buf,
		      size_t size);

#endif
