/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's IPVS table check_render and check_render_state lay out, and
 * their ways of reading the JSON and comparing it with a golden file.
 */
#ifndef VIGIL_TESTS_FIXTURE_RENDER_H
#define VIGIL_TESTS_FIXTURE_RENDER_H

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <json-c/json.h>

#include "ipvs.h"

static inline struct json_object *at(struct json_object *o, const char *path)
{
	char buf[256], *save = NULL, *part;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, ".", &save); part && o; part = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, atoi(part));
		else if (!json_object_object_get_ex(o, part, &o))
			return NULL;
	}
	return o;
}

static inline const char *str(struct json_object *o, const char *path)
{
	struct json_object *v = at(o, path);

	ck_assert_msg(v != NULL, "no %s", path);
	return json_object_get_string(v);
}

static inline void v4(union ipvs_addr *a, const char *text)
{
	inet_pton(AF_INET, text, &a->v4);
}

static inline void set_stats(struct ipvs_stats *s, uint64_t base)
{
	s->conns = base + 1;
	s->inpkts = base + 2;
	s->outpkts = base + 3;
	s->inbytes = base + 4;
	s->outbytes = base + 5;
	s->cps = 1;
	s->inpps = 2;
	s->outpps = 3;
	s->inbps = 4;
	s->outbps = 5;
}

/* web (two of its destinations and a stranger's), a service vigil does not own, a fwmark one */
static inline struct ipvs_table *kernel_table(void)
{
	static struct ipvs_table_service svcs[3];
	static struct ipvs_dest dests[5];
	static struct ipvs_table t;

	memset(svcs, 0, sizeof(svcs));
	memset(dests, 0, sizeof(dests));
	svcs[0].svc.af = AF_INET;
	svcs[0].svc.protocol = IPPROTO_TCP;
	v4(&svcs[0].svc.addr, "10.96.0.1");
	svcs[0].svc.port = 80;
	strcpy(svcs[0].svc.scheduler, "wrr");
	set_stats(&svcs[0].svc.stats, 1000);
	svcs[0].dests = dests;
	svcs[0].n_dests = 3;
	dests[0] = (struct ipvs_dest){
		.af = AF_INET, .port = 8080, .weight = 100, .active_conns = 3, .inactive_conns = 7
	};
	v4(&dests[0].addr, "10.100.1.2");
	set_stats(&dests[0].stats, 123456789);
	dests[1] = (struct ipvs_dest){ .af = AF_INET, .port = 8080, .weight = 0 };
	v4(&dests[1].addr, "10.100.3.2");
	dests[2] =
	    (struct ipvs_dest){ .af = AF_INET, .port = 8080, .weight = 5, .fwd = IPVS_FWD_ROUTE };
	v4(&dests[2].addr, "10.100.9.9");

	svcs[1].svc.af = AF_INET;
	svcs[1].svc.protocol = IPPROTO_TCP;
	v4(&svcs[1].svc.addr, "10.0.0.9");
	svcs[1].svc.port = 443;
	strcpy(svcs[1].svc.scheduler, "rr");
	svcs[1].svc.flags = IPVS_SVC_F_PERSISTENT;
	svcs[1].svc.timeout = 300;
	svcs[1].svc.netmask = htonl(0xffffffff);
	svcs[1].dests = &dests[3];
	svcs[1].n_dests = 1;
	dests[3] =
	    (struct ipvs_dest){ .af = AF_INET, .port = 443, .weight = 1, .fwd = IPVS_FWD_TUNNEL };
	v4(&dests[3].addr, "192.168.7.1");

	svcs[2].svc.af = AF_INET;
	svcs[2].svc.fwmark = 256;
	strcpy(svcs[2].svc.scheduler, "sh");
	svcs[2].dests = &dests[4];
	svcs[2].n_dests = 1;
	dests[4] = (struct ipvs_dest){ .af = AF_INET, .port = 0, .weight = 1 };
	v4(&dests[4].addr, "10.255.0.5");

	t.services = svcs;
	t.n_services = 3;
	t.n_dests = 5;
	return &t;
}

#endif
