/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which services of a list reply to show, as ipvsadm picks one: -t|-u
 * VIP:PORT, -f FWMARK, or (vigil's own) a service's name. vigilctl filters
 * the reply itself, so the protocol has no filter and a list without the
 * agent filters alike. Pure: text and JSON in, a verdict out.
 */
#ifndef VIGIL_PROTO_FILTER_H
#define VIGIL_PROTO_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "config.h"

enum filter_kind {
	FILTER_NONE,
	FILTER_VIP,    /* -t, -u, --sctp-service */
	FILTER_FWMARK, /* -f (with -6: the IPv6 one) */
	FILTER_NAME,   /* a service name, or [tcp/|udp/]VIP:PORT as quarantine takes */
};

struct filter {
	enum filter_kind kind;
	const char *option;     /* as given: "-t", "--udp-service", "-f"; NULL for a name */
	const char *text;       /* its argument as given */
	uint8_t protocol;       /* FILTER_VIP: IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP */
	struct config_addr vip; /* FILTER_VIP: its port 0 when none was given, as ipvsadm */
	uint32_t fwmark;        /* FILTER_FWMARK */
	bool ipv6;              /* FILTER_FWMARK: the IPv6 service (ipvsadm's -6) */
};

/*
 * An address with an optional port, as ipvsadm's -t takes one: "10.0.0.1",
 * "10.0.0.1:80", "[fd00::1]:80", "fd00::1"; the port 0..65535 and 0 when
 * absent. Numbers only: host and port names are not resolved. -EINVAL with
 * the reason in WHY.
 */
int filter_addr_parse(const char *text, struct config_addr *ret, char *why, size_t why_size);

/* FILTER_VIP from -t TEXT (OPTION as given); -EINVAL with the reason in WHY. */
int filter_vip(struct filter *f, const char *option, const char *text, uint8_t protocol, char *why,
	       size_t why_size);
/* FILTER_FWMARK from -f TEXT: 1..4294967295, in decimal as ipvsadm takes it. */
int filter_fwmark(struct filter *f, const char *option, const char *text, char *why,
		  size_t why_size);
/* FILTER_NAME. */
void filter_name(struct filter *f, const char *text);

/* "-t 10.0.0.1:80", "-f 7 -6", "web": the filter as the user gave it. */
void filter_describe(const struct filter *f, char *buf, size_t size);

/* Whether SVC, one service of a list reply, is one F picks (FILTER_NONE: all). */
bool filter_match(const struct filter *f, struct json_object *svc);

/*
 * Whether any of LIST's services is one F picks; when none is, WHY says so
 * as filter_list() does. LIST is left as it is.
 */
bool filter_any(struct json_object *list, const struct filter *f, char *why, size_t why_size);

/*
 * Leaves in LIST's services those F picks; the number left. When none is
 * left, WHY says which filter matched nothing (and a hint, such as -6).
 */
size_t filter_list(struct json_object *list, const struct filter *f, char *why, size_t why_size);

#endif
