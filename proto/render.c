// SPDX-License-Identifier: GPL-2.0-only
#include "render.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "reply.h"

void render_time(int64_t real_ns, char *buf, size_t size)
{
	time_t sec = real_ns / 1000000000;
	struct tm tm;

	gmtime_r(&sec, &tm);
	/* not strftime(): glibc's calls tzset(), which reads /etc/localtime */
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(real_ns / 1000000 % 1000));
}

const char *render_protocol(uint16_t protocol, char *buf, size_t size)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	}
	snprintf(buf, size, "proto-%u", protocol);
	return buf;
}

const char *render_forward(uint32_t fwd)
{
	static const char *const names[] = {
		[IPVS_FWD_MASQ] = "masq",     [IPVS_FWD_LOCAL] = "local",
		[IPVS_FWD_TUNNEL] = "tunnel", [IPVS_FWD_ROUTE] = "route",
		[IPVS_FWD_BYPASS] = "bypass",
	};

	return fwd < sizeof(names) / sizeof(names[0]) ? names[fwd] : "?";
}

void render_ipvs_version(uint32_t version, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u.%u", version >> 16, (version >> 8) & 0xff, version & 0xff);
}

static void kernel_addr(uint16_t af, const union ipvs_addr *addr, uint16_t port,
			struct config_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = af;
	ret->port = port;
	memcpy(ret->addr, addr, af == AF_INET6 ? 16 : 4);
}

static void ipvs_addr_format(uint16_t af, const union ipvs_addr *addr, uint16_t port, char *buf,
			     size_t size)
{
	struct config_addr a;

	kernel_addr(af, addr, port, &a);
	if (config_addr_format(&a, buf, size) < 0)
		snprintf(buf, size, "?");
}

static struct json_object *stats_json(const struct ipvs_stats *s)
{
	struct json_object *o = json_object_new_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= reply_add_u64(o, "conns", s->conns);
	r |= reply_add_u64(o, "inpkts", s->inpkts);
	r |= reply_add_u64(o, "outpkts", s->outpkts);
	r |= reply_add_u64(o, "inbytes", s->inbytes);
	r |= reply_add_u64(o, "outbytes", s->outbytes);
	r |= reply_add_u64(o, "cps", s->cps);
	r |= reply_add_u64(o, "inpps", s->inpps);
	r |= reply_add_u64(o, "outpps", s->outpps);
	r |= reply_add_u64(o, "inbps", s->inbps);
	r |= reply_add_u64(o, "outbps", s->outbps);
	return reply_finish(o, r);
}

/*
 * The scheduler's flags by the names ipvsadm gives them, which depend on the
 * scheduler: sh and mh name two of them, the others are flag-1..flag-3.
 */
static struct json_object *sched_flags_json(const struct ipvs_service *svc)
{
	static const char *const generic[] = { "flag-1", "flag-2", "flag-3" };
	static const uint32_t bits[] = { IPVS_SVC_F_SCHED1, IPVS_SVC_F_SCHED2, IPVS_SVC_F_SCHED3 };
	struct json_object *a = json_object_new_array();
	bool sh = !strcmp(svc->scheduler, "sh"), mh = !strcmp(svc->scheduler, "mh");
	char name[32];
	size_t i;
	int r = 0;

	for (i = 0; a && i < 3 && !r; i++) {
		if (!(svc->flags & bits[i]))
			continue;
		if ((sh || mh) && i < 2)
			snprintf(name, sizeof(name), "%s-%s", svc->scheduler,
				 i == 0 ? "fallback" : "port");
		else
			snprintf(name, sizeof(name), "%s", generic[i]);
		r = reply_append(a, json_object_new_string(name));
	}
	return reply_finish(a, r);
}

/* The service's key and settings, as the kernel or the config has them. */
static int service_fields(struct json_object *o, const struct ipvs_service *svc)
{
	char text[CONFIG_ADDR_STRLEN], proto[16];
	int r = 0;

	r |= reply_add_str(o, "family", svc->af == AF_INET6 ? "inet6" : "inet");
	if (svc->fwmark) {
		r |= reply_add_u64(o, "fwmark", svc->fwmark);
	} else {
		r |= reply_add_str(o, "protocol",
				   render_protocol(svc->protocol, proto, sizeof(proto)));
		ipvs_addr_format(svc->af, &svc->addr, svc->port, text, sizeof(text));
		r |= reply_add_str(o, "vip", text);
	}
	r |= reply_add_str(o, "scheduler", svc->scheduler);
	if (svc->flags & (IPVS_SVC_F_SCHED1 | IPVS_SVC_F_SCHED2 | IPVS_SVC_F_SCHED3))
		r |= reply_add(o, "sched_flags", sched_flags_json(svc));
	if (svc->flags & IPVS_SVC_F_PERSISTENT) {
		r |= reply_add_u64(o, "persistent", svc->timeout);
		r |= reply_add_u64(o, "netmask",
				   svc->af == AF_INET6 ? svc->netmask : ntohl(svc->netmask));
	}
	if (svc->pe_name[0])
		r |= reply_add_str(o, "pe", svc->pe_name);
	if (svc->flags & IPVS_SVC_F_ONEPACKET)
		r |= reply_add_bool(o, "ops", true);
	return r;
}

/*
 * A tunnel's encapsulation as the kernel keeps it. Kernels before 5.2 do
 * not report it: IPIP was their only one, and the type reads as 0, ipip.
 */
static struct json_object *tunnel_json(const struct ipvs_dest *d)
{
	static const char *const types[] = {
		[IPVS_TUN_IPIP] = "ipip",
		[IPVS_TUN_GUE] = "gue",
		[IPVS_TUN_GRE] = "gre",
	};
	struct json_object *o = json_object_new_object(), *flags = json_object_new_array();
	int r = 0;

	if (!o || !flags) {
		json_object_put(flags);
		return reply_finish(o, -ENOMEM);
	}
	r |= reply_add_str(
	    o, "type", d->tun_type < sizeof(types) / sizeof(types[0]) ? types[d->tun_type] : "?");
	r |= reply_add_u64(o, "port", d->tun_port);
	if (d->tun_flags & IPVS_TUN_F_CSUM)
		r |= reply_append(flags, json_object_new_string("csum"));
	if (d->tun_flags & IPVS_TUN_F_REMCSUM)
		r |= reply_append(flags, json_object_new_string("remcsum"));
	/* a flag IPVS added since: there, but without a name */
	if (d->tun_flags & ~(IPVS_TUN_F_CSUM | IPVS_TUN_F_REMCSUM))
		r |= reply_append(flags, json_object_new_string("?"));
	r |= reply_add_array(o, "flags", flags, r);
	return reply_finish(o, r);
}

static int kernel_dest_fields(struct json_object *o, const struct ipvs_dest *d)
{
	int r = 0;

	r |= reply_add_str(o, "forward", render_forward(d->fwd));
	/* the kernel keeps a type for every destination; only a tunnel's means anything */
	if (d->fwd == IPVS_FWD_TUNNEL)
		r |= reply_add(o, "tunnel", tunnel_json(d));
	r |= reply_add_u64(o, "weight", d->weight);
	r |= reply_add_u64(o, "u_threshold", d->u_threshold);
	r |= reply_add_u64(o, "l_threshold", d->l_threshold);
	r |= reply_add_u64(o, "active_conns", d->active_conns);
	r |= reply_add_u64(o, "inactive_conns", d->inactive_conns);
	r |= reply_add_u64(o, "persist_conns", d->persist_conns);
	r |= reply_add(o, "stats", stats_json(&d->stats));
	return r;
}

/*
 * Where the kernel's dump has D among KS's destinations: ipvsadm --nosort's
 * order, and the order ipvsadm's sort starts from (its comparison is not a
 * total order, so where it starts shows in where it ends).
 */
static int kernel_index(struct json_object *o, const struct ipvs_table_service *ks,
			const struct ipvs_dest *d)
{
	if (!ks || d < ks->dests || d >= ks->dests + ks->n_dests)
		return 0;
	return reply_add_u64(o, "kernel_index", (uint64_t)(d - ks->dests));
}

static struct json_object *kernel_dest_json(const struct ipvs_table_service *ks,
					    const struct ipvs_dest *d)
{
	struct json_object *o = json_object_new_object();
	char text[CONFIG_ADDR_STRLEN];
	int r = 0;

	if (!o)
		return NULL;
	ipvs_addr_format(d->af, &d->addr, d->port, text, sizeof(text));
	r |= reply_add_str(o, "address", text);
	r |= reply_add_bool(o, "managed", false);
	r |= reply_add_bool(o, "in_kernel", true);
	r |= kernel_index(o, ks, d);
	r |= kernel_dest_fields(o, d);
	return reply_finish(o, r);
}

static struct json_object *managed_dest_json(const struct ipvs_table_service *ks,
					     const struct render_dest *d)
{
	struct json_object *o = json_object_new_object();
	char text[CONFIG_ADDR_STRLEN];
	int r = 0;

	if (!o)
		return NULL;
	config_addr_format(d->addr, text, sizeof(text));
	r |= reply_add_str(o, "address", text);
	r |= reply_add_bool(o, "managed", true);
	r |= reply_add_str(o, "state", d->state);
	if (d->manual)
		r |= reply_add_bool(o, "manual", true);
	r |= reply_add_u64(o, "configured_weight", d->configured_weight);
	/* what vigild last programmed; unknown before its first pass */
	if (d->applied)
		r |= reply_add_u64(o, "effective_weight", d->effective_weight);
	else
		r |= reply_add_null(o, "effective_weight");
	r |= reply_add_u64(o, "desired_weight", d->desired_weight);
	r |= reply_add_double(o, "score", d->score, 2);
	if (d->measured) {
		r |= reply_add_double(o, "rtt_ms", d->rtt_ms, 3);
		r |= reply_add_double(o, "loss", d->loss, 4);
	}
	r |= reply_add_u64(o, "quarantines", d->quarantines);
	r |= reply_add_u64(o, "relapses", d->relapses);
	r |= reply_add_u64(o, "suspicions", d->suspicions);
	r |= reply_add_u64(o, "resets", d->resets);
	if (d->quarantined_until)
		r |= reply_add_u64(o, "remaining_ms", d->remaining_ms);
	r |= reply_add_bool(o, "in_kernel", d->kernel != NULL);
	if (d->kernel) {
		r |= kernel_index(o, ks, d->kernel);
		r |= kernel_dest_fields(o, d->kernel);
	}
	return reply_finish(o, r);
}

/* Whether the kernel's destination at A is one vigild manages in S. */
static bool managed_dest(const struct render_service *s, const struct config_addr *a)
{
	size_t j;

	for (j = 0; s && j < s->n_dests; j++)
		if (!memcmp(s->dests[j].addr, a, sizeof(*a)))
			return true;
	return false;
}

/*
 * S (vigild's, or NULL) merged with KS (the kernel's, or NULL; then an entry
 * of KERNEL); one of them is not NULL.
 */
static struct json_object *service_json(const struct render_service *s,
					const struct ipvs_table *kernel,
					const struct ipvs_table_service *ks)
{
	struct json_object *o = json_object_new_object(), *dests = json_object_new_array();
	const struct ipvs_service *svc = ks ? &ks->svc : s->key;
	size_t i, j;
	int r = 0;

	if (!o || !dests) {
		json_object_put(dests);
		return reply_finish(o, -ENOMEM);
	}
	if (s)
		r |= reply_add_str(o, "name", s->name);
	r |= reply_add_bool(o, "managed", s != NULL);
	if (s)
		r |= reply_add_bool(o, "enforce", !s->dry_run);
	r |= service_fields(o, svc);
	r |= reply_add_bool(o, "in_kernel", ks != NULL);
	if (ks && kernel && ks >= kernel->services && ks < kernel->services + kernel->n_services)
		r |= reply_add_u64(o, "kernel_index", (uint64_t)(ks - kernel->services));
	if (ks)
		r |= reply_add(o, "stats", stats_json(&ks->svc.stats));
	for (j = 0; s && j < s->n_dests && !r; j++)
		r |= reply_append(dests, managed_dest_json(ks, &s->dests[j]));
	/* what someone else added to the service, after vigil's own */
	for (i = 0; ks && i < ks->n_dests && !r; i++) {
		struct config_addr a;

		kernel_addr(ks->dests[i].af, &ks->dests[i].addr, ks->dests[i].port, &a);
		if (managed_dest(s, &a))
			continue;
		r |= reply_append(dests, kernel_dest_json(ks, &ks->dests[i]));
	}
	return reply_finish(o, reply_add_array(o, "destinations", dests, r));
}

static bool managed_service(const struct render_service *svcs, size_t n,
			    const struct ipvs_table_service *ks)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (svcs[i].kernel == ks)
			return true;
	return false;
}

/* {"version","size","timeout":{"tcp","tcp_fin","udp"}}, the parts known. */
static struct json_object *ipvs_json(const struct ipvs_info *info,
				     const struct ipvs_timeouts *timeouts)
{
	struct json_object *o = json_object_new_object(), *t;
	char version[16];
	int r = 0;

	if (!o)
		return NULL;
	if (info) {
		render_ipvs_version(info->version, version, sizeof(version));
		r |= reply_add_str(o, "version", version);
		r |= reply_add_u64(o, "size", info->conn_tab_size);
	}
	if (timeouts) {
		t = json_object_new_object();
		r |= t ? reply_add_u64(t, "tcp", timeouts->tcp) : -ENOMEM;
		r |= t ? reply_add_u64(t, "tcp_fin", timeouts->tcp_fin) : 0;
		r |= t ? reply_add_u64(t, "udp", timeouts->udp) : 0;
		r |= reply_add(o, "timeout", t);
	}
	return reply_finish(o, r);
}

struct json_object *render_list(bool agent, const struct render_service *svcs, size_t n_svcs,
				const struct ipvs_table *kernel, const struct ipvs_info *info,
				const struct ipvs_timeouts *timeouts)
{
	struct json_object *o = reply_new(), *list = json_object_new_array();
	size_t i;
	int r = 0;

	if (!o || !list) {
		json_object_put(list);
		return reply_finish(o, -ENOMEM);
	}
	if (info || timeouts)
		r |= reply_add(o, "ipvs", ipvs_json(info, timeouts));
	r |= reply_add_bool(o, "agent", agent);
	r |= reply_add_bool(o, "kernel", kernel != NULL);
	for (i = 0; i < n_svcs && !r; i++)
		r |= reply_append(list, service_json(&svcs[i], kernel, svcs[i].kernel));
	for (i = 0; kernel && i < kernel->n_services && !r; i++) {
		const struct ipvs_table_service *ks = &kernel->services[i];

		if (managed_service(svcs, n_svcs, ks))
			continue;
		r |= reply_append(list, service_json(NULL, kernel, ks));
	}
	return reply_finish(o, reply_add_array(o, "services", list, r));
}
