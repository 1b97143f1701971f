/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What vigil's table (format.c), ipvsadm's (format-ipvsadm.c) and the status
 * (format-status.c) share: reading the JSON leniently (a missing key reads
 * as the default), and ipvsadm's way with service names and flags.
 */
#ifndef VIGIL_PROTO_FORMAT_INTERNAL_H
#define VIGIL_PROTO_FORMAT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#include "format.h"

struct json_object *format_get(struct json_object *o, const char *key);
const char *format_get_str(struct json_object *o, const char *key, const char *dflt);
uint64_t format_get_u64(struct json_object *o, const char *key);
bool format_get_bool(struct json_object *o, const char *key);

/* ADDR_PORT through O's resolver into BUF, or ADDR_PORT itself. */
const char *format_named(const struct format_options *o, const char *addr_port,
			 const char *protocol, char *buf, size_t size);

/*
 * "TCP  10.96.0.1:80", "SCTP 10.0.0.1:9", "FWM  256 IPv6", as ipvsadm names
 * a service; IPVSADM: its fwmark as ipvsadm prints it, signed.
 */
void format_service_name(struct json_object *svc, const struct format_options *o, bool ipvsadm,
			 char *buf, size_t size);

/*
 * What ipvsadm writes after the scheduler: " (sh-port)", " persistent 300
 * mask 255.255.255.0 pe sip", " ops". IPVSADM: only the scheduler flags
 * ipvsadm has a name for, under that scheduler.
 */
void format_service_flags(FILE *out, struct json_object *svc, bool ipvsadm);

/* "Masq", "Route", ... from the reply's "masq", "route". */
const char *format_forward_name(const char *fwd);

/* A counter, scaled or EXACT, as ipvsadm's print_largenum(). */
void format_print_count(FILE *out, uint64_t n, bool exact);

#endif
