/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `vigilctl complete WHAT [ARG]`: the words a shell completion offers, one a
 * line, from a list reply (proto/control.md): the running agent's, or, when
 * none answers, one made from the configuration file. Pure: JSON and a
 * config in, lines out.
 */
#ifndef VIGIL_CLI_COMPLETE_H
#define VIGIL_CLI_COMPLETE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#include "config.h"

enum complete_what {
	COMPLETE_SERVICES, /* the names of vigil's services */
	COMPLETE_DESTS,    /* a service's destinations, as quarantine SERVICE DEST takes them */
	COMPLETE_VIPS,     /* VIP:PORT of the services of a protocol, as -t, -u take them */
	COMPLETE_FWMARKS,  /* the firewall marks, as -f takes them */
};

struct complete_query {
	enum complete_what what;
	const char *service; /* DESTS: a name, or a VIP as quarantine takes it */
	uint8_t protocol;    /* VIPS: IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP */
};

/*
 * "services", "dests SERVICE", "vips tcp|udp|sctp", "fwmarks" (ARG NULL
 * when not given). -EINVAL with the reason in WHY.
 */
int complete_query_parse(const char *what, const char *arg, struct complete_query *ret, char *why,
			 size_t why_size);

/*
 * Writes what Q asks for of LIST (a list reply), one a line, each once,
 * sorted. A word with a newline in it, which no line could hold, is left
 * out. 0, or -ENOMEM (then nothing is written).
 */
int complete_print(FILE *out, struct json_object *list, const struct complete_query *q);

/*
 * The list reply C's services would give, with only what complete_print()
 * reads of it: name, family, protocol and vip or fwmark, each destination's
 * address, all managed. NULL with errno = ENOMEM.
 */
struct json_object *complete_config_list(const struct config *c);

#endif
