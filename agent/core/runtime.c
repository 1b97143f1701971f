// SPDX-License-Identifier: GPL-2.0-only
#include "runtime.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "desired.h"

#define NS_PER_MS 1000000ull
#define EMPTY     UINT32_MAX

/*
 * What a flow's VIP or a service's key have in common: the lookup key. A
 * fwmark service's has its mark, which no flow's has: its flows are found by
 * their real destination (find_marked()).
 */
struct vip_key {
	uint32_t fwmark;
	uint16_t af;
	uint16_t protocol;
	uint16_t port;
	uint8_t addr[16];
};

static struct vip_key key_of_service(const struct ipvs_service *svc)
{
	struct vip_key k;

	memset(&k, 0, sizeof(k));
	k.fwmark = svc->fwmark;
	k.af = svc->af;
	k.protocol = svc->protocol;
	k.port = svc->port;
	memcpy(k.addr, &svc->addr, svc->af == AF_INET6 ? 16 : 4);
	return k;
}

static struct vip_key key_of_flow(const struct vigil_flow *flow)
{
	struct vip_key k;

	memset(&k, 0, sizeof(k));
	k.af = flow->family == VIGIL_AF_INET6 ? AF_INET6 : AF_INET;
	k.protocol = flow->protocol;
	k.port = flow->vport;
	memcpy(k.addr, &flow->vaddr, flow->family == VIGIL_AF_INET6 ? 16 : 4);
	return k;
}

static size_t hash_bytes(const void *p, size_t n);

static size_t key_hash(const struct vip_key *k)
{
	return hash_bytes(k, sizeof(*k));
}

static struct runtime_service *lookup(const struct runtime *rt, const struct vip_key *k)
{
	size_t mask = rt->index_size - 1, i;

	for (i = key_hash(k) & mask; rt->index[i] != EMPTY; i = (i + 1) & mask) {
		struct runtime_service *s = &rt->services[rt->index[i]];
		struct vip_key have = key_of_service(&s->key);

		if (!memcmp(&have, k, sizeof(have)))
			return s;
	}
	return NULL;
}

/*
 * The destinations of the fwmark services, by what a flow's events carry:
 * the flow's family and protocol, and the real destination IPVS picked.
 */
struct marked_key {
	uint16_t af;
	uint16_t protocol;
	struct config_addr real;
};

static struct marked_key marked_key_of(uint16_t af, uint16_t protocol,
				       const struct config_addr *real)
{
	struct marked_key k;

	memset(&k, 0, sizeof(k));
	k.af = af;
	k.protocol = protocol;
	k.real = *real;
	return k;
}

static size_t hash_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return (size_t)h;
}

static struct marked_key marked_key_at(const struct runtime *rt, const struct runtime_marked *m)
{
	const struct runtime_service *s = &rt->services[m->svc];

	return marked_key_of(s->key.af, s->cs->protocol, &s->cs->dests[m->dest].addr);
}

/* The slot of K: its entry, or the empty slot where it would go. */
static size_t marked_slot(const struct runtime *rt, const struct marked_key *k)
{
	size_t mask = rt->marked_size - 1, i;

	for (i = hash_bytes(k, sizeof(*k)) & mask; rt->marked[i].svc != EMPTY; i = (i + 1) & mask) {
		struct marked_key have = marked_key_at(rt, &rt->marked[i]);

		if (!memcmp(&have, k, sizeof(have)))
			break;
	}
	return i;
}

/*
 * A fwmark service's flow: the client reached an address of its own
 * choosing, so the service is told by the real destination IPVS picked.
 * Two fwmark services of one family and protocol that share a destination
 * cannot be told apart: the first in the config has it (runtime_new()
 * reports the pair).
 */
static struct runtime_service *find_marked(const struct runtime *rt, const struct vigil_flow *flow,
					   const struct vigil_real *real, ssize_t *ret_dest)
{
	struct config_addr addr;
	struct marked_key k;
	size_t i;

	if (!rt->n_marked || !real || !real->family)
		return NULL;
	runtime_real_addr(real, &addr);
	k = marked_key_of(flow->family == VIGIL_AF_INET6 ? AF_INET6 : AF_INET, flow->protocol,
			  &addr);
	i = marked_slot(rt, &k);
	if (rt->marked[i].svc == EMPTY)
		return NULL;
	if (ret_dest)
		*ret_dest = rt->marked[i].dest;
	return &rt->services[rt->marked[i].svc];
}

void runtime_real_addr(const struct vigil_real *real, struct config_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = real->family == VIGIL_AF_INET6 ? AF_INET6 : AF_INET;
	ret->port = real->port;
	memcpy(ret->addr, &real->addr, real->family == VIGIL_AF_INET6 ? 16 : 4);
}

uint64_t runtime_syn_rto(const struct runtime_service *s, const struct detector *d)
{
	const struct config_quarantine *q = &s->cs->policy.quarantine;
	struct vigil_flow flow;
	struct vigil_real real;
	struct vigil_vip vip;
	uint64_t largest = 0;
	uint32_t i;

	/*
	 * sockops gives it to sockets that connect to a VIP, before their SYN
	 * exists; a fwmark service's packets are told by a mark set on the way
	 * out, after that.
	 */
	if (q->syn_rto == CONFIG_SYN_RTO_OFF || s->cs->protocol != IPPROTO_TCP || s->key.fwmark)
		return 0; /* off, no SYN to time, or no VIP to give it at */
	runtime_vip(s, &vip);
	memset(&flow, 0, sizeof(flow));
	flow.vaddr = vip.addr;
	flow.vport = vip.port;
	flow.family = vip.family;
	flow.protocol = vip.protocol;
	for (i = 0; i < s->cs->n_dests; i++) {
		const struct config_addr *a = &s->cs->dests[i].addr;
		uint64_t v;

		memset(&real, 0, sizeof(real));
		real.family = a->family == AF_INET6 ? VIGIL_AF_INET6 : VIGIL_AF_INET;
		real.port = a->port;
		memcpy(&real.addr, a->addr, a->family == AF_INET6 ? 16 : 4);
		v = detector_measured_syn_timeout(d, &flow, &real);
		if (v > largest)
			largest = v;
	}
	return detector_syn_rto(largest, q->syn_rto_min_ms * NS_PER_MS,
				q->syn_rto_max_ms * NS_PER_MS);
}

struct runtime_service *runtime_service_of(const struct runtime *rt, const struct ipvs_service *key)
{
	struct vip_key k = key_of_service(key);

	return lookup(rt, &k);
}

ssize_t runtime_dest_index(const struct runtime_service *s, const struct config_addr *addr)
{
	uint32_t i;

	for (i = 0; i < s->cs->n_dests; i++)
		if (!memcmp(&s->cs->dests[i].addr, addr, sizeof(*addr)))
			return i;
	return -1;
}

struct runtime_service *runtime_find(const struct runtime *rt, const struct vigil_flow *flow,
				     const struct vigil_real *real, ssize_t *ret_dest)
{
	struct vip_key k = key_of_flow(flow);
	struct runtime_service *s = lookup(rt, &k);
	struct config_addr addr;

	if (ret_dest)
		*ret_dest = -1;
	if (!s)
		return find_marked(rt, flow, real, ret_dest);
	if (!real || !ret_dest || !real->family)
		return s;
	runtime_real_addr(real, &addr);
	*ret_dest = runtime_dest_index(s, &addr);
	return s;
}

static void service_clear(struct runtime_service *s)
{
	policy_service_clear(&s->policy);
	health_free(s->health);
	free(s->applied);
	free(s->evidence);
	free(s->resets);
}

void runtime_free(struct runtime *rt)
{
	size_t i;

	if (!rt)
		return;
	for (i = 0; i < rt->n_services; i++)
		service_clear(&rt->services[i]);
	free(rt->services);
	free(rt->index);
	free(rt->marked);
	free(rt);
}

/* What the old runtime knew of this service's destinations, carried over. */
static int carry_over(struct runtime_service *s, struct runtime *old)
{
	struct vip_key k = key_of_service(&s->key);
	struct runtime_service *o = old ? lookup(old, &k) : NULL;
	uint32_t i;

	if (!o)
		return 0;
	for (i = 0; i < s->cs->n_dests; i++) {
		ssize_t j = runtime_dest_index(o, &s->cs->dests[i].addr);

		if (j < 0)
			continue;
		policy_dest_restore(&s->policy, i, &o->policy.dests[j]);
		s->applied[i] = o->applied[j];
		memcpy(s->evidence[i], o->evidence[j], sizeof(s->evidence[i]));
		s->resets[i] = o->resets[j];
	}
	/* the health windows move over; health_configure keeps those that stay */
	health_free(s->health);
	s->health = o->health;
	o->health = NULL;
	return health_configure(s->health, s->cs);
}

static int service_init(struct runtime_service *s, const struct config_service *cs, uint64_t seed)
{
	const struct config_quarantine *q = &cs->policy.quarantine;
	struct policy_settings set;
	uint32_t i;
	int r;

	s->cs = cs;
	desired_service(cs, &s->key);
	s->timing.syn_timeout_min_ns = q->syn_timeout_min_ms * NS_PER_MS;
	s->timing.syn_timeout_max_ns = q->syn_timeout_max_ms * NS_PER_MS;
	s->timing.rtt_factor = q->syn_timeout_rtt_factor;
	s->timing.expect_reply = cs->protocol == IPPROTO_UDP && cs->policy.udp.expect_reply;
	s->timing.reply_timeout_min_ns = cs->policy.udp.reply_timeout_min_ms * NS_PER_MS;
	s->timing.reply_timeout_max_ns = cs->policy.udp.reply_timeout_max_ms * NS_PER_MS;
	policy_settings_from_config(&cs->policy, cs->protocol, &set);
	r = policy_service_init(&s->policy, &set, cs->n_dests, seed);
	if (r)
		return r;
	s->health = health_new();
	s->applied = malloc((cs->n_dests + 1) * sizeof(*s->applied));
	s->evidence = calloc(cs->n_dests + 1, sizeof(*s->evidence));
	s->resets = calloc(cs->n_dests + 1, sizeof(*s->resets));
	if (!s->health || !s->applied || !s->evidence || !s->resets)
		return -ENOMEM;
	for (i = 0; i < cs->n_dests; i++)
		s->applied[i] = RUNTIME_UNKNOWN;
	return health_configure(s->health, cs);
}

/* Indexes the destinations of the fwmark services; the first of a shared one keeps it. */
static int index_marked(struct runtime *rt)
{
	size_t i, n = 0, size = 16;
	uint32_t j;

	for (i = 0; i < rt->n_services; i++)
		if (rt->services[i].key.fwmark)
			n += rt->services[i].cs->n_dests;
	while (size < 2 * n)
		size *= 2;
	rt->marked_size = size;
	rt->marked = malloc(size * sizeof(*rt->marked));
	if (!rt->marked)
		return -ENOMEM;
	memset(rt->marked, 0xff, size * sizeof(*rt->marked));
	for (i = 0; i < rt->n_services; i++) {
		struct runtime_service *s = &rt->services[i];

		for (j = 0; s->key.fwmark && j < s->cs->n_dests; j++) {
			struct runtime_marked m = { (uint32_t)i, j };
			struct marked_key k = marked_key_at(rt, &m);
			size_t slot = marked_slot(rt, &k);

			if (rt->marked[slot].svc == EMPTY) {
				rt->marked[slot] = m;
				rt->n_marked++;
			} else if (!rt->n_shared++) {
				rt->shared[0] = rt->marked[slot];
				rt->shared[1] = m;
			}
		}
	}
	return 0;
}

int runtime_new(const struct config *config, struct runtime *old, uint64_t seed,
		struct runtime **ret)
{
	struct runtime *rt = calloc(1, sizeof(*rt));
	size_t i, size = 16;
	int r = -ENOMEM;

	if (!rt)
		return -ENOMEM;
	rt->config = config;
	while (size < 2 * (size_t)config->n_services)
		size *= 2;
	rt->index_size = size;
	rt->index = malloc(size * sizeof(*rt->index));
	rt->services = calloc(config->n_services + 1, sizeof(*rt->services));
	if (!rt->index || !rt->services)
		goto fail;
	memset(rt->index, 0xff, size * sizeof(*rt->index));
	for (i = 0; i < config->n_services; i++) {
		struct runtime_service *s = &rt->services[i];
		struct vip_key k;
		size_t slot;

		rt->n_services = i + 1;
		/* each service its own jitter sequence */
		r = service_init(s, &config->services[i], seed + 0x9e3779b97f4a7c15ull * (i + 1));
		if (r)
			goto fail;
		r = carry_over(s, old);
		if (r)
			goto fail;
		k = key_of_service(&s->key);
		for (slot = key_hash(&k) & (size - 1); rt->index[slot] != EMPTY;
		     slot = (slot + 1) & (size - 1))
			;
		rt->index[slot] = i;
	}
	r = index_marked(rt);
	if (r)
		goto fail;
	*ret = rt;
	return 0;
fail:
	runtime_free(rt);
	return r;
}

void runtime_count_evidence(struct runtime_service *s, size_t dest, enum evidence_kind kind)
{
	if (dest < s->cs->n_dests && (unsigned int)kind < RUNTIME_EVIDENCE_KINDS)
		s->evidence[dest][kind]++;
}

bool runtime_reset_wanted(const struct runtime_service *s, size_t dest)
{
	const struct config_quarantine *q = &s->cs->policy.quarantine;
	const struct policy_dest *d;

	if (dest >= s->cs->n_dests || !q->enforce || q->reset_established != CONFIG_RESET_STALLED)
		return false;
	d = &s->policy.dests[dest];
	return d->silent && (d->state == POLICY_QUARANTINED || d->state == POLICY_PROBATION);
}

bool runtime_schedulable(const struct runtime_service *s)
{
	size_t i;

	for (i = 0; i < s->cs->n_dests; i++)
		if (s->applied[i] && s->applied[i] != RUNTIME_UNKNOWN &&
		    s->applied[i] != RUNTIME_REMOVED)
			return true;
	return false;
}

uint32_t runtime_weight(const struct runtime_service *s, size_t dest, uint64_t now_ns)
{
	const struct health_dest_status *hd = health_dest(s->health, dest);
	struct weight_inputs in = {
		.configured = s->cs->dests[dest].weight,
		.health = hd && s->cs->policy.health.enabled,
		.health_weighted = hd ? hd->effective : 0,
		.ramp = policy_weight_factor(&s->policy, dest, now_ns),
		/*
		 * A suspect only at weight 0: removing it would expire its
		 * connections (expire_nodest_conn), in-flight replies and
		 * established streams with them, on evidence that may be one
		 * lost packet. A confirmed quarantine takes the action.
		 */
		.remove = s->cs->policy.quarantine.action == CONFIG_QUARANTINE_REMOVE &&
			  s->policy.dests[dest].state != POLICY_SUSPECT,
		.dry_run = !s->cs->policy.quarantine.enforce,
		.manual = s->policy.dests[dest].manual,
	};

	return weight_effective(&in);
}

/* What desired.c's callbacks read: the services being built, and the time. */
struct weigh {
	const struct runtime_service *services;
	uint64_t now_ns;
};

/* desired.c leaves a removed destination out of the table. */
static uint32_t omit_removed(uint32_t w)
{
	return w == RUNTIME_REMOVED ? DESIRED_OMIT : w;
}

static uint32_t desired_of(const void *ctx, size_t svc, size_t dest)
{
	const struct weigh *w = ctx;

	return omit_removed(runtime_weight(&w->services[svc], dest, w->now_ns));
}

static uint32_t applied_of(const void *ctx, size_t svc, size_t dest)
{
	const struct weigh *w = ctx;

	return omit_removed(w->services[svc].applied[dest]);
}

int runtime_desired(const struct runtime *rt, uint64_t now_ns, struct ipvs_table **ret)
{
	struct weigh w = { rt->services, now_ns };

	return desired_build_weighted(rt->config->services, rt->n_services, desired_of, &w, ret);
}

int runtime_desired_service(const struct runtime_service *s, uint64_t now_ns,
			    struct ipvs_table **ret)
{
	struct weigh w = { s, now_ns };

	return desired_build_weighted(s->cs, 1, desired_of, &w, ret);
}

int runtime_applied_service(const struct runtime_service *s, struct ipvs_table **ret)
{
	struct weigh w = { s, 0 };
	uint32_t i;

	for (i = 0; i < s->cs->n_dests; i++)
		if (s->applied[i] == RUNTIME_UNKNOWN)
			return -ENODATA;
	return desired_build_weighted(s->cs, 1, applied_of, &w, ret);
}

uint64_t runtime_next_deadline(const struct runtime *rt)
{
	uint64_t next = POLICY_NEVER;
	size_t i;

	for (i = 0; i < rt->n_services; i++) {
		uint64_t d = policy_next_deadline(&rt->services[i].policy);

		if (d < next)
			next = d;
	}
	return next;
}

void runtime_vip(const struct runtime_service *s, struct vigil_vip *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = s->key.af == AF_INET6 ? VIGIL_AF_INET6 : VIGIL_AF_INET;
	ret->protocol = s->cs->protocol; /* a fwmark service's key has none */
	ret->port = s->key.port;
	memcpy(&ret->addr, &s->key.addr, s->key.af == AF_INET6 ? 16 : 4);
}
