/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigilctl's text output from the agent's JSON replies (proto/control.md).
 * `list` keeps ipvsadm -Ln's layout, so eyes and scripts used to it read it
 * at once, and adds vigil's columns on the right of each destination. Pure:
 * JSON in, text to a FILE out.
 */
#ifndef VIGIL_PROTO_FORMAT_H
#define VIGIL_PROTO_FORMAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#include "conntable.h"

/* What list shows besides the addresses and weights. */
enum format_view {
	FORMAT_VIEW_DEFAULT,
	FORMAT_VIEW_STATS, /* counters (vigilctl --stats) */
	FORMAT_VIEW_RATE,  /* rates (vigilctl --rate) */
	/* ipvsadm's other views: format_ipvsadm() only (vigil's table shows the default) */
	FORMAT_VIEW_THRESHOLDS, /* ipvsadm --thresholds */
	FORMAT_VIEW_PERSISTENT, /* ipvsadm --persistent-conn; with -c, format_conn*() too */
	FORMAT_VIEW_TUNNEL,     /* ipvsadm --tun-info */
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

/* How a list is written. Zeroed: ipvsadm -Ln's columns, vigil's added. */
struct format_options {
	enum format_view view;
	bool exact;          /* counters in full, not scaled to K, M, G, T (ipvsadm --exact) */
	format_name_fn name; /* NULL: addresses as they are (ipvsadm -n) */
	void *name_data;
	/* format_ipvsadm() only */
	bool nosort;      /* the kernel's order (ipvsadm --nosort), not ipvsadm's sort */
	bool one_service; /* as ipvsadm -L -t|-u|-f: without the version line */
	/* format_conn*() only */
	bool ipvsadm; /* ipvsadm -Lc's layout, without vigil's column */
};

/* A list reply as format_list's table, as O says; -EINVAL if it is not one. */
int format_list_with(FILE *out, struct json_object *list, const struct format_options *o);

/*
 * A list reply exactly as ipvsadm -L (with O's -n, --stats, --rate,
 * --thresholds, --persistent-conn, --tun-info, --exact, --nosort) prints
 * the kernel's table: what is not in the kernel left out,
 * no vigil column, sorted as ipvsadm sorts. -EINVAL if LIST is not a list
 * reply, -ENODATA if it has no kernel table (vigild could not dump it).
 */
int format_ipvsadm(FILE *out, struct json_object *list, const struct format_options *o);

/*
 * list -c: the connection table (proto/conntable.h) as ipvsadm -Lc prints
 * it, byte for byte with O's ipvsadm (and its -n, and its --persistent-conn
 * as O's view), or with vigil's column: the state vigild gives each
 * connection's destination.
 */

/*
 * The service of LIST (a list reply) that C is a connection of, or NULL. A
 * fwmark service's persistence template names its mark; any other
 * connection names the VIP it was for, not the mark: it is the VIP
 * service's of that protocol, address and port (else port 0), unless that
 * one lacks C's destination and a fwmark service of C's family has it (IPVS
 * looks a packet's mark up first).
 */
struct json_object *format_conn_service(struct json_object *list, const struct conntable_conn *c);

/* "IPVS connection entries" and the column names. */
void format_conn_title(FILE *out, const struct format_options *o);

/* C on a line of its own; SVC: its service (format_conn_service()), or NULL. */
void format_conn(FILE *out, const struct conntable_conn *c, struct json_object *svc,
		 const struct format_options *o);

/* C as JSON, addresses as numbers, with vigil's name of SVC and state of C's destination. */
struct json_object *format_conn_json(const struct conntable_conn *c, struct json_object *svc);

/*
 * "Timeout (tcp tcpfin udp): 900 120 300", as ipvsadm -L --timeout prints
 * the list reply's ipvs.timeout; -ENODATA if the reply has none.
 */
int format_timeout(FILE *out, struct json_object *list);

/* A status reply, one fact per line, in words; -EINVAL if it is not an object. */
int format_status(FILE *out, struct json_object *status);
/* One evidence or decision on one line. */
int format_event(FILE *out, struct json_object *event);
/* A counter as ipvsadm prints one: 9 columns, K/M/G/T past 10^8. */
void format_count(char *buf, size_t size, uint64_t n);
/* A counter as ipvsadm --exact prints one: in full, 9 columns or one more than its digits. */
void format_count_exact(char *buf, size_t size, uint64_t n);

#endif
