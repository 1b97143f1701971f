/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigilctl's text output from the agent's JSON replies (proto/control.md).
 * `list` keeps ipvsadm -Ln's layout, so eyes and scripts used to it read it
 * at once, and adds vigil's columns on the right of each destination. Pure:
 * JSON in, text to a FILE out.
 */
#ifndef VIGIL_PROTO_FORMAT_H
#define VIGIL_PROTO_FORMAT_H

#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

/* What list shows besides the addresses and weights. */
enum format_view {
	FORMAT_VIEW_DEFAULT,
	FORMAT_VIEW_STATS, /* counters (vigilctl --stats) */
	FORMAT_VIEW_RATE,  /* rates (vigilctl --rate) */
};

/* A list reply as a table, addresses as they are (ipvsadm -n); -EINVAL if it is not one. */
int format_list(FILE *out, struct json_object *list, enum format_view view);

/*
 * Writes a name for ADDR_PORT ("10.0.0.1:80", "[fd00::1]:53") of PROTOCOL
 * ("tcp", "udp") into BUF; 0, or negative to keep the address as it is.
 */
typedef int (*format_name_fn)(const char *addr_port, const char *protocol, char *buf, size_t size,
			      void *data);

/* The same, with every address that NAME names written by its name (ipvsadm without -n). */
int format_list_named(FILE *out, struct json_object *list, enum format_view view,
		      format_name_fn name, void *data);
/* A status reply, one "key: value" line per fact. */
int format_status(FILE *out, struct json_object *status);
/* One evidence or decision on one line. */
int format_event(FILE *out, struct json_object *event);
/* A counter as ipvsadm prints one: 9 columns, K/M/G/T past 10^8. */
void format_count(char *buf, size_t size, uint64_t n);

#endif
