// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the programs deliver (the event stream, the counters, the health map,
 * the runs they skipped) and the VIP filter they read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "log.h"
#include "probes_private.h"

static int on_record(void *ctx, void *data, size_t size)
{
	struct probes *p = ctx;
	struct vigil_event e;

	if (event_decode(data, size, &e) < 0) {
		p->bad_records++;
		return 0;
	}
	return p->fn(&e, p->data);
}

int probes_ring_buffer_open(struct probes *p)
{
	p->rb = ring_buffer__new(bpf_map__fd(p->skel->maps.events), on_record, p, NULL);
	return p->rb ? 0 : -errno;
}

int probes_fd(const struct probes *p)
{
	return ring_buffer__epoll_fd(p->rb);
}

int probes_consume(struct probes *p)
{
	return ring_buffer__consume(p->rb);
}

int probes_counters(const struct probes *p, uint64_t ret[VIGIL_CTR_MAX])
{
	int fd = bpf_map__fd(p->skel->maps.counters);
	int cpus = libbpf_num_possible_cpus();
	uint64_t *values;
	uint32_t key;
	int i, r = 0;

	if (cpus < 0)
		return cpus;
	values = calloc(cpus, sizeof(*values));
	if (!values)
		return -ENOMEM;
	for (key = 0; key < VIGIL_CTR_MAX; key++) {
		ret[key] = 0;
		if (bpf_map_lookup_elem(fd, &key, values) < 0) {
			r = -errno;
			break;
		}
		for (i = 0; i < cpus; i++)
			ret[key] += values[i];
	}
	free(values);
	return r;
}

/*
 * A skipped run of a program that has twins lost nothing: a twin took the
 * hit (see vigil.bpf.c). Unless the programs cannot tell the contexts apart;
 * then the task programs act alone and their misses count.
 */
static bool miss_is_loss(const struct probes *p, const struct bpf_program *prog)
{
	const struct vigil_bpf *s = p->skel;
	/* the task programs of the hooks with twins */
	// clang-format off
	const struct bpf_program *task[] = {
		s->progs.tcp_connect_fentry,
		s->progs.udp_sendmsg_fentry,
		s->progs.udpv6_sendmsg_fentry,
		s->progs.inet_sock_set_state,
		s->progs.tcp_retransmit_skb,
		s->progs.tcp_receive_reset,
		s->progs.inet_sk_error_report,
		s->progs.ip_vs_conn_new_fexit,
	};
	// clang-format on
	const char *name = bpf_program__name(prog);
	size_t i, len = strlen(name);

	if ((len > 4 && !strcmp(name + len - 4, "_irq")) ||
	    (len > 7 && !strcmp(name + len - 7, "_backup")))
		return false;
	for (i = 0; i < sizeof(task) / sizeof(task[0]); i++)
		if (prog == task[i])
			return s->bss->context_unknown;
	return true;
}

uint64_t probes_missed(const struct probes *p)
{
	struct bpf_program *prog;
	uint64_t missed = 0;

	bpf_object__for_each_program(prog, p->skel->obj)
	{
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		int fd = bpf_program__fd(prog);

		memset(&info, 0, sizeof(info));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) < 0 || !info.recursion_misses)
			continue;
		if (!miss_is_loss(p, prog)) {
			log_debug("%s skipped %llu nested runs, its twin took them",
				  bpf_program__name(prog),
				  (unsigned long long)info.recursion_misses);
			continue;
		}
		log_warning("%s skipped %llu nested runs: their events are lost",
			    bpf_program__name(prog), (unsigned long long)info.recursion_misses);
		missed += info.recursion_misses;
	}
	return missed;
}

uint64_t probes_bad_records(const struct probes *p)
{
	return p->bad_records;
}

const char *probes_attached(const struct probes *p)
{
	return p->attached;
}

int probes_vip_set(struct probes *p, const struct vigil_vip *vip, const struct vigil_vip_conf *conf)
{
	struct vigil_vip_conf none = { 0 };

	if (bpf_map__update_elem(p->skel->maps.vips, vip, sizeof(*vip), conf ? conf : &none,
				 sizeof(*conf), BPF_ANY))
		return -errno;
	return 0;
}

int probes_vip_add(struct probes *p, const struct vigil_vip *vip)
{
	return probes_vip_set(p, vip, NULL);
}

int probes_vip_del(struct probes *p, const struct vigil_vip *vip)
{
	if (bpf_map__delete_elem(p->skel->maps.vips, vip, sizeof(*vip), 0) && errno != ENOENT)
		return -errno;
	return 0;
}

int probes_fwmark_add(struct probes *p, const struct vigil_fwmark *fwmark)
{
	uint32_t unused = 0;

	if (bpf_map__update_elem(p->skel->maps.fwmarks, fwmark, sizeof(*fwmark), &unused,
				 sizeof(unused), BPF_ANY))
		return -errno;
	return 0;
}

int probes_fwmark_del(struct probes *p, const struct vigil_fwmark *fwmark)
{
	if (bpf_map__delete_elem(p->skel->maps.fwmarks, fwmark, sizeof(*fwmark), 0) &&
	    errno != ENOENT)
		return -errno;
	return 0;
}

/* Sums one destination's per-CPU counters. */
static void health_sum(const struct vigil_health *cpu, int cpus, struct vigil_health *ret)
{
	int i;

	memset(ret, 0, sizeof(*ret));
	for (i = 0; i < cpus; i++) {
		ret->conns += cpu[i].conns;
		ret->rtt_samples += cpu[i].rtt_samples;
		ret->rtt_sum_us += cpu[i].rtt_sum_us;
		ret->retrans += cpu[i].retrans;
		ret->lost += cpu[i].lost;
		ret->data_segs += cpu[i].data_segs;
		if (cpu[i].rtt_min_us && (!ret->rtt_min_us || cpu[i].rtt_min_us < ret->rtt_min_us))
			ret->rtt_min_us = cpu[i].rtt_min_us;
	}
}

int probes_health_read(const struct probes *p, probes_health_fn fn, void *data)
{
	const struct bpf_map *map = p->skel->maps.health;
	int fd = bpf_map__fd(map), cpus = libbpf_num_possible_cpus(), n = 0, r = 0;
	/* bounds the walk: a key deleted under it makes the kernel start over */
	unsigned int left = 2 * bpf_map__max_entries(map);
	struct vigil_real key, next;
	struct vigil_health *values, sum;
	const void *prev = NULL;

	if (cpus < 0)
		return cpus;
	/* vigil_health is a multiple of 8 bytes: per-CPU values are packed */
	values = calloc(cpus, sizeof(*values));
	if (!values)
		return -ENOMEM;
	while (left-- > 0) {
		if (bpf_map_get_next_key(fd, prev, &next) < 0) {
			if (errno != ENOENT)
				r = -errno;
			break;
		}
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, values) < 0) {
			if (errno == ENOENT)
				continue; /* evicted meanwhile */
			r = -errno;
			break;
		}
		health_sum(values, cpus, &sum);
		r = fn(&key, &sum, data);
		if (r < 0)
			break;
		r = 0;
		n++;
	}
	free(values);
	return r < 0 ? r : n;
}
