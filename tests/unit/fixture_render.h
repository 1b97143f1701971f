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
	svcs[2].svc.flags = IPVS_SVC_F_SCHED1 | IPVS_SVC_F_SCHED2;
	svcs[2].dests = &dests[4];
	svcs[2].n_dests = 1;
	dests[4] = (struct ipvs_dest){ .af = AF_INET, .port = 0, .weight = 1 };
	v4(&dests[4].addr, "10.255.0.5");

	t.services = svcs;
	t.n_services = 3;
	t.n_dests = 5;
	return &t;
}

static inline void v6(union ipvs_addr *a, const char *text)
{
	inet_pton(AF_INET6, text, a->v6);
}

static inline void dest(struct ipvs_dest *d, uint16_t af, const char *addr, uint16_t port,
			uint32_t fwd, uint32_t weight)
{
	memset(d, 0, sizeof(*d));
	d->af = af;
	if (af == AF_INET6)
		v6(&d->addr, addr);
	else
		v4(&d->addr, addr);
	d->port = port;
	d->fwd = fwd;
	d->weight = weight;
}

/*
 * A table for ipvsadm's layout, in an order a kernel might dump it: what
 * ipvsadm prints differently (SCTP, IPv6, fwmarks past 2^31, scheduler
 * flags, persistence masks, every forwarding method, counters past 10^8,
 * thresholds, persistence templates, a GUE and an IPIP tunnel),
 * and VIPs and destinations (10.x, 100.x, 192.x) that ipvsadm's sort,
 * comparing addresses as signed differences, puts in a circle.
 */
static inline struct ipvs_table *ipvsadm_table(void)
{
	static struct ipvs_table_service svcs[8];
	static struct ipvs_dest dests[14];
	static struct ipvs_table t;
	struct ipvs_service *s;
	size_t n = 0;

	memset(svcs, 0, sizeof(svcs));
	/* 0: TCP 192.168.0.1:80, destinations in a circle, big counters */
	s = &svcs[0].svc;
	s->af = AF_INET;
	s->protocol = IPPROTO_TCP;
	v4(&s->addr, "192.168.0.1");
	s->port = 80;
	strcpy(s->scheduler, "wlc");
	set_stats(&s->stats, 123456789012ull);
	s->stats.inbytes = 999999999999999ull;
	s->stats.outbytes = 100000000000000ull;
	s->stats.cps = 123456789;
	s->stats.inbps = 1234567890;
	svcs[0].dests = &dests[n];
	dest(&dests[n++], AF_INET, "10.0.0.3", 80, IPVS_FWD_ROUTE, 1);
	dest(&dests[n], AF_INET, "192.168.10.1", 80, IPVS_FWD_MASQ, 100);
	dests[n].active_conns = 5;
	dests[n].inactive_conns = 12;
	dests[n].persist_conns = 4;
	dests[n].u_threshold = 1000;
	dests[n].l_threshold = 750;
	set_stats(&dests[n].stats, 99999990);
	dests[n].stats.cps = 123456789;
	dests[n].stats.inpps = 100000000;
	dests[n++].stats.inbps = 100000000;
	dest(&dests[n], AF_INET, "100.64.0.2", 80, IPVS_FWD_TUNNEL, 3);
	dests[n].tun_type = IPVS_TUN_GUE;
	dests[n].tun_port = 6080;
	dests[n++].tun_flags = IPVS_TUN_F_CSUM;
	dest(&dests[n++], AF_INET, "10.0.0.2", 8080, IPVS_FWD_LOCAL, 0);
	svcs[0].n_dests = 4;

	/* 1: UDP 10.0.0.1:53, one packet scheduling */
	s = &svcs[1].svc;
	s->af = AF_INET;
	s->protocol = IPPROTO_UDP;
	v4(&s->addr, "10.0.0.1");
	s->port = 53;
	strcpy(s->scheduler, "rr");
	s->flags = IPVS_SVC_F_ONEPACKET;
	svcs[1].dests = &dests[n];
	dest(&dests[n], AF_INET, "10.1.0.2", 53, IPVS_FWD_MASQ, 1);
	dests[n++].u_threshold = 4294967295u; /* ipvsadm's %-10u at its widest */
	dest(&dests[n++], AF_INET, "10.1.0.1", 53, IPVS_FWD_MASQ, 1);
	svcs[1].n_dests = 2;

	/* 2: TCP [fd00::10]:443, mh with both flags, persistent per /64, a persistence engine */
	s = &svcs[2].svc;
	s->af = AF_INET6;
	s->protocol = IPPROTO_TCP;
	v6(&s->addr, "fd00::10");
	s->port = 443;
	strcpy(s->scheduler, "mh");
	strcpy(s->pe_name, "sip");
	s->flags = IPVS_SVC_F_SCHED1 | IPVS_SVC_F_SCHED2 | IPVS_SVC_F_PERSISTENT;
	s->timeout = 3600;
	s->netmask = 64;
	svcs[2].dests = &dests[n];
	dest(&dests[n++], AF_INET6, "fd00::2", 443, IPVS_FWD_MASQ, 2);
	dest(&dests[n++], AF_INET6, "fd00:0:0:1::1", 8443, IPVS_FWD_MASQ, 1);
	dest(&dests[n++], AF_INET6, "fd00::1", 443, IPVS_FWD_ROUTE, 1);
	svcs[2].n_dests = 3;

	/* 3: TCP 100.64.0.10:443, sh with a flag ipvsadm has no name for, persistent per /24 */
	s = &svcs[3].svc;
	s->af = AF_INET;
	s->protocol = IPPROTO_TCP;
	v4(&s->addr, "100.64.0.10");
	s->port = 443;
	strcpy(s->scheduler, "sh");
	s->flags = IPVS_SVC_F_SCHED2 | IPVS_SVC_F_SCHED3 | IPVS_SVC_F_PERSISTENT;
	s->timeout = 300;
	s->netmask = htonl(0xffffff00);

	/* 4: FWM 256 */
	s = &svcs[4].svc;
	s->af = AF_INET;
	s->fwmark = 256;
	strcpy(s->scheduler, "wrr");
	svcs[4].dests = &dests[n];
	dest(&dests[n++], AF_INET, "10.2.0.1", 0, IPVS_FWD_ROUTE, 7);
	svcs[4].n_dests = 1;

	/* 5: FWM 3000000000 IPv6: ipvsadm 1.31 prints it negative */
	s = &svcs[5].svc;
	s->af = AF_INET6;
	s->fwmark = 3000000000u;
	strcpy(s->scheduler, "rr");
	s->flags = IPVS_SVC_F_PERSISTENT;
	s->timeout = 60;
	s->netmask = 128;
	svcs[5].dests = &dests[n];
	dest(&dests[n++], AF_INET6, "fd00::5", 0, IPVS_FWD_TUNNEL, 1);
	svcs[5].n_dests = 1;

	/* 6: SCTP 10.0.0.9:9, no destination */
	s = &svcs[6].svc;
	s->af = AF_INET;
	s->protocol = IPPROTO_SCTP;
	v4(&s->addr, "10.0.0.9");
	s->port = 9;
	strcpy(s->scheduler, "rr");

	/* 7: TCP 10.0.0.1:80, after 100.x and before 192.x in ipvsadm's circle */
	s = &svcs[7].svc;
	s->af = AF_INET;
	s->protocol = IPPROTO_TCP;
	v4(&s->addr, "10.0.0.1");
	s->port = 80;
	strcpy(s->scheduler, "rr");
	svcs[7].dests = &dests[n];
	dest(&dests[n++], AF_INET, "10.0.0.7", 80, IPVS_FWD_MASQ, 1);
	svcs[7].n_dests = 1;

	t.services = svcs;
	t.n_services = 8;
	t.n_dests = n;
	return &t;
}

#endif
