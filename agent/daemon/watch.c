// SPDX-License-Identifier: GPL-2.0-only
/*
 * Watching the connections: the BPF programs' events go to the self-check
 * (verify.h) and to the detector, its evidence to dispatch.h; the alarm
 * fires the detector's, the policies' and degraded mode's deadlines; the TCP
 * health the sockops program measures adjusts the weights of the
 * destinations in rotation (apply.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "activecheck.h"
#include "agent-internal.h"
#include "clock.h"
#include "degrade.h"
#include "kernelhz.h"
#include "log.h"
#include "verify.h"
#include "watch.h"

#define MAX_ATTEMPTS 65536 /* connection attempts the detector follows */
#define MAX_DESTS    16384 /* destinations whose RTT it remembers */

/* A tcpcheck or udpcheck ended: a probation probe (dispatch.h) or a check of degraded mode. */
static void on_probe_done(void *data, uint64_t token, bool passed, int err)
{
	struct agent *a = data;
	size_t svc = token >> 32, dest = token & ~DEGRADE_TOKEN_CHECK & 0xffffffff;

	if (svc >= a->rt->n_services || dest >= a->rt->services[svc].cs->n_dests)
		return;
	if (token & DEGRADE_TOKEN_CHECK)
		degrade_check_done(a, svc, dest, passed, err);
	else
		dispatch_probe_done(&a->dispatch, &a->rt->services[svc], dest, passed, err,
				    clock_now_ns());
	watch_rearm(a);
}

/*
 * A suspect's probe waits as long as a client's SYN would (the detector's
 * syn_timeout, from the destination's handshake RTT), at most the probation
 * timeout: a probe whose SYN was lost on a lossy path then fails fast, and
 * the next of confirm_tries goes out, instead of waiting for the kernel's
 * retransmit 1 s later while the destination stays out of rotation.
 */
static uint64_t confirm_timeout(struct agent *a, const struct runtime_service *s, size_t dest,
				uint64_t timeout)
{
	struct vigil_real vip, real;
	struct vigil_flow flow;
	uint64_t t;

	if (health_real_from_addr(&s->cs->vip, &vip) < 0 ||
	    health_real_from_addr(&s->cs->dests[dest].addr, &real) < 0)
		return timeout;
	memset(&flow, 0, sizeof(flow));
	flow.vaddr = vip.addr;
	flow.vport = vip.port;
	flow.family = vip.family;
	flow.protocol = s->cs->protocol;
	t = detector_syn_timeout(a->detector, &flow, &real);
	return t && t < timeout ? t : timeout;
}

/* dispatch's probe action: a probation or suspect's probe, straight to the destination */
static int start_probe(void *data, struct runtime_service *s, size_t dest)
{
	struct agent *a = data;
	uint64_t timeout = s->cs->policy.probation.timeout_ms * 1000000ull;

	if (s->policy.dests[dest].state == POLICY_SUSPECT)
		timeout = confirm_timeout(a, s, dest, timeout);

	return activecheck_start(a, s, dest, degrade_token(a, s, dest), timeout);
}

/*
 * An IPVS pick for a TCP service is an attempt: the denominator of the
 * policy's outliers. For a UDP service whose protocol answers, a request is:
 * its pick, or a UDP_SEND.
 */
static void count_attempt(struct agent *a, const struct vigil_event *e)
{
	struct runtime_service *s;
	ssize_t dest;

	if ((e->kind != VIGIL_EV_IPVS_PICK && e->kind != VIGIL_EV_UDP_SEND) || !e->real.family)
		return;
	s = runtime_find(a->rt, &e->flow, &e->real, &dest);
	if (!s || dest < 0)
		return;
	if (e->flow.protocol == IPPROTO_TCP ? e->kind == VIGIL_EV_IPVS_PICK
					    : s->timing.expect_reply)
		policy_on_attempt(&s->policy, dest, e->ts_ns);
}

static int on_event(const struct vigil_event *e, void *data)
{
	struct agent *a = data;
	struct evidence ev[DETECTOR_EVIDENCE_MAX];
	int i, n;

	verify_observe(a, e);
	count_attempt(a, e);
	/* the detector learns a handshake RTT from it: the SYN RTOs may move */
	if (e->kind == VIGIL_EV_STATE && e->state == TCP_ESTABLISHED)
		a->syn_rto_dirty = true;
	n = detector_on_event(a->detector, e, ev, DETECTOR_EVIDENCE_MAX);
	for (i = 0; i < n; i++)
		dispatch_evidence(&a->dispatch, &ev[i], clock_now_ns());
	return 0;
}

static void consume(struct agent *a)
{
	int r = probes_consume(a->probes);

	if (r < 0)
		log_error("cannot read connection events: %s", strerror(-r));
}

static void syn_rto_update(struct agent *a);

static int on_events(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct agent *a = data;

	consume(a);
	syn_rto_update(a);
	watch_rearm(a);
	return 0;
}

/* Non-urgent events wait in the ring buffer (see wakeup_flag in vigil.bpf.c). */
static int on_drain(struct loop *loop, void *data)
{
	return on_events(loop, -1, 0, data);
}

/* How often at most the ring buffer's overflows are told (they come in bursts). */
#define RESYNC_WARN_NS (10 * 1000000000ull)

/*
 * Events the ring buffer dropped may be the answers of the attempts in
 * flight, which would then look unanswered: syn-timeouts against healthy
 * destinations. So when a drop is seen, before any attempt is judged, every
 * attempt in flight is forgotten and the evidence held with them; the
 * attempts after it are judged afresh.
 */
static void resync_after_drops(struct agent *a, uint64_t now)
{
	uint64_t ctr[VIGIL_CTR_MAX], lost;
	size_t n;

	if (probes_counters(a->probes, ctr) < 0 || ctr[VIGIL_CTR_RINGBUF_DROPS] == a->drops_seen)
		return;
	lost = ctr[VIGIL_CTR_RINGBUF_DROPS] - a->drops_seen;
	a->drops_seen = ctr[VIGIL_CTR_RINGBUF_DROPS];
	n = detector_forget_attempts(a->detector);
	n += dispatch_forget_held(&a->dispatch);
	a->resyncs++;
	log_msg(now - a->resync_warned_ns >= RESYNC_WARN_NS || !a->resync_warned_ns ? LOG_WARNING
										    : LOG_DEBUG,
		"the ring buffer overflowed: %" PRIu64 " connection events lost; the %zu "
		"connection attempts in flight are not judged, since their answers may be "
		"among them (agent.ringbuf_size %" PRIu64 " bytes)",
		lost, n, (uint64_t)a->config->agent.ringbuf_size);
	if (now - a->resync_warned_ns >= RESYNC_WARN_NS || !a->resync_warned_ns)
		a->resync_warned_ns = now;
}

static int on_alarm(struct loop *loop, void *data)
{
	struct agent *a = data;
	struct evidence ev[64];
	uint64_t now;
	size_t i, n;

	/* an ESTABLISHED still in the ring buffer must not look like a missing one */
	if (a->probes)
		consume(a);
	now = clock_now_ns();
	/* a map read per due deadline, not per alarm of every kind */
	if (a->probes && a->detector && detector_next_deadline(a->detector) <= now)
		resync_after_drops(a, now);
	if (a->detector) {
		do {
			n = detector_expire(a->detector, now, ev, 64);
			for (i = 0; i < n; i++)
				dispatch_evidence(&a->dispatch, &ev[i], now);
		} while (n == 64);
	}
	dispatch_tick(&a->dispatch, now);
	degrade_tick(a, now);
	watch_rearm(a);
	return 0;
}

int watch_get_counters(struct agent *a, struct watch_counters *ret)
{
	uint64_t ctr[VIGIL_CTR_MAX];
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!a->probes)
		return -ENOTCONN;
	r = probes_counters(a->probes, ctr);
	if (r < 0)
		return r;
	ret->events = ctr[VIGIL_CTR_EVENTS];
	ret->ringbuf_drops = ctr[VIGIL_CTR_RINGBUF_DROPS];
	ret->flow_errors = ctr[VIGIL_CTR_FLOW_ERRORS];
	ret->flows_missing = ctr[VIGIL_CTR_FLOWS_MISSING];
	ret->health_errors = ctr[VIGIL_CTR_HEALTH_ERRORS];
	ret->missed = probes_missed(a->probes);
	ret->resyncs = a->resyncs;
	ret->bad_records = probes_bad_records(a->probes);
	return 0;
}

void watch_rearm(struct agent *a)
{
	uint64_t next = runtime_next_deadline(a->rt);
	size_t i;

	for (i = 0; i < a->n_fallback; i++) {
		uint64_t d = fallback_next_deadline(&a->fallback[i]);

		if (d < next)
			next = d;
	}
	if (a->detector) {
		uint64_t d = detector_next_deadline(a->detector);

		if (d < next)
			next = d;
	}
	if (a->alarm)
		loop_alarm_set(a->alarm, next == POLICY_NEVER ? 0 : next);
}

/* Health: the sockops counters of every destination, one read per update. */
struct health_snapshot {
	struct vigil_real *reals;
	struct vigil_health *health;
	size_t n, cap;
};

static int snapshot_add(const struct vigil_real *real, const struct vigil_health *h, void *data)
{
	struct health_snapshot *snap = data;

	if (snap->n == snap->cap) {
		size_t cap = snap->cap ? 2 * snap->cap : 64;
		struct vigil_real *r = realloc(snap->reals, cap * sizeof(*r));
		struct vigil_health *hh;

		if (!r)
			return -ENOMEM;
		snap->reals = r;
		hh = realloc(snap->health, cap * sizeof(*hh));
		if (!hh)
			return -ENOMEM;
		snap->health = hh;
		snap->cap = cap;
	}
	snap->reals[snap->n] = *real;
	snap->health[snap->n++] = *h;
	return 0;
}

static const struct vigil_health *snapshot_lookup(const struct vigil_real *real, void *data)
{
	const struct health_snapshot *snap = data;
	size_t i;

	for (i = 0; i < snap->n; i++)
		if (!memcmp(&snap->reals[i], real, sizeof(*real)))
			return &snap->health[i];
	return NULL;
}

static int on_health(struct loop *loop, void *data)
{
	struct agent *a = data;
	struct health_snapshot snap = { 0 };
	uint64_t now = clock_now_ns();
	uint64_t conns = 0;
	size_t i;
	int r;

	/* the establishments consumed by now have been counted by sockops */
	consume(a);
	r = probes_health_read(a->probes, snapshot_add, &snap);
	if (r < 0) {
		log_error("cannot read the TCP health of the destinations: %s", strerror(-r));
		goto out;
	}
	for (i = 0; i < snap.n; i++)
		conns += snap.health[i].conns;
	selfcheck_health_conns(&a->selfcheck, now, conns);
	verify_apply(a);
	/* silent: the configured weights (verify_apply reset them) */
	if (a->selfcheck.caps[DEGRADED_HEALTH].verdict == SELFCHECK_SILENT)
		goto out;
	for (i = 0; i < a->rt->n_services; i++) {
		struct runtime_service *s = &a->rt->services[i];

		if (!s->cs->policy.health.enabled)
			continue;
		if (health_update(s->health, now, snapshot_lookup, &snap) > 0)
			apply_service(&a->apply, s, 0);
	}
out:
	free(snap.reals);
	free(snap.health);
	watch_rearm(a);
	return 0;
}

static const struct detector_timing *timing_of(const struct vigil_flow *flow,
					       const struct vigil_real *real, void *data)
{
	struct agent *a = data;
	struct runtime_service *s = runtime_find(a->rt, flow, real, NULL);

	return s ? &s->timing : NULL;
}

/* Whether a service of C asks for a SYN RTO: the sockops program is needed for it. */
static bool syn_rto_wanted(const struct config *c)
{
	uint32_t i;

	for (i = 0; i < c->n_services; i++)
		if (c->services[i].policy.quarantine.syn_rto != CONFIG_SYN_RTO_OFF &&
		    c->services[i].protocol == IPPROTO_TCP && !c->services[i].fwmark)
			return true;
	return false;
}

/*
 * Gives service S the SYN RTO its measured RTTs ask for now (none while the
 * kernel cannot take one): its clients' sockets get it from the vips map,
 * and the detector's syn_timeout stays under it. FORCE: write the map entry
 * even if the value is unchanged (a new entry).
 */
static void syn_rto_set(struct agent *a, struct runtime_service *s, bool force)
{
	struct vigil_vip_conf conf = { 0 };
	struct vigil_vip vip;
	uint64_t ns = 0;
	int r;

	if (!a->syn_rto_why) {
		conf.syn_rto_jiffies = kernelhz_jiffies(runtime_syn_rto(s, a->detector), a->hz);
		/* what the kernel's timer will be, rounded to its jiffies */
		ns = conf.syn_rto_jiffies * 1000000000ull / a->hz;
	}
	if (!force && ns == s->timing.syn_rto_ns)
		return;
	runtime_vip(s, &vip);
	r = probes_vip_set(a->probes, &vip, &conf);
	if (r < 0) {
		log_error("cannot watch the VIP of service %s: %s", s->cs->name, strerror(-r));
		return;
	}
	if (ns != s->timing.syn_rto_ns)
		log_debug("service %s: SYN RTO %" PRIu64 " ms (%u jiffies)", s->cs->name,
			  ns / 1000000, conf.syn_rto_jiffies);
	s->timing.syn_rto_ns = ns;
}

/*
 * How often at most the SYN RTOs are computed again while RTTs are learned:
 * often enough that the first connections' RTTs shorten it at once (the
 * first clients of a service are the likeliest to meet a dead destination),
 * seldom enough that a connection storm does not walk every destination of
 * every service for each drain of the ring buffer.
 */
#define SYN_RTO_UPDATE_NS (200 * 1000000ull)

/* After the RTTs moved: every service's SYN RTO, written where it changed. */
static void syn_rto_update(struct agent *a)
{
	uint64_t now;
	size_t i;

	if (!a->probes || a->syn_rto_why || !a->syn_rto_dirty)
		return;
	now = clock_now_ns();
	if (now - a->syn_rto_at_ns < SYN_RTO_UPDATE_NS)
		return; /* the next drain or self-check comes back to it */
	a->syn_rto_dirty = false;
	a->syn_rto_at_ns = now;
	for (i = 0; i < a->rt->n_services; i++)
		if (!a->rt->services[i].key.fwmark)
			syn_rto_set(a, &a->rt->services[i], false);
}

/* Why no service can have a SYN RTO, or NULL. */
static const char *syn_rto_unavailable(const struct agent *a)
{
	if (!syn_rto_wanted(a->config))
		return "quarantine.syn_rto is off";
	if (!a->hz)
		return "kernel HZ unknown";
	if (!probes_sockops_attached(a->probes))
		return "the sockops program is not attached";
	return NULL;
}

/*
 * Says once whether the clients get a SYN RTO, and if they do not although a
 * service asks for it, why: they then wait the kernel's 1 s for their first
 * SYN retransmit, which is slower failover, not a failure.
 */
static void syn_rto_tell(const struct agent *a)
{
	if (!a->syn_rto_why)
		log_info("SYN RTO: set for the clients of the VIPs (HZ %u, from %s)", a->hz,
			 a->hz_source);
	else if (!syn_rto_wanted(a->config))
		return;
	else if (!a->hz)
		log_warning("SYN RTO: the clients' first SYN retransmit stays at the kernel's 1s: "
			    "its HZ is unknown (%s)",
			    a->hz_source);
	else
		log_warning("SYN RTO: the clients' first SYN retransmit stays at the kernel's 1s: "
			    "%s",
			    a->syn_rto_why);
}

/* The kernel's HZ is read once: it is the running kernel's. */
static void syn_rto_start(struct agent *a)
{
	struct utsname uts;

	if (kernelhz_read(KERNELHZ_BOOT_DIR, KERNELHZ_MODULES_DIR, KERNELHZ_PROC_CONFIG,
			  uname(&uts) == 0 ? uts.release : "?", &a->hz, a->hz_source,
			  sizeof(a->hz_source)) < 0)
		a->hz = 0;
	a->syn_rto_why = syn_rto_unavailable(a);
	syn_rto_tell(a);
}

/* every service the config can hold has its entry: none is left unwatched */
_Static_assert(CONFIG_MAX_SERVICES <= VIGIL_MAX_VIPS, "the vips map holds fewer than the config");

static void fwmark_of(const struct runtime_service *s, struct vigil_fwmark *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->fwmark = s->key.fwmark;
	ret->family = s->key.af == AF_INET6 ? VIGIL_AF_INET6 : VIGIL_AF_INET;
}

/* A fwmark service has no VIP to give a SYN RTO at: its mark is all there is to watch. */
static void watch_fwmark(struct agent *a, const struct runtime_service *s)
{
	struct vigil_fwmark m;
	int r;

	fwmark_of(s, &m);
	r = probes_fwmark_add(a->probes, &m);
	if (r < 0)
		log_error("cannot watch the firewall mark of service %s: %s", s->cs->name,
			  strerror(-r));
}

static void unwatch(struct agent *a, const struct runtime_service *s)
{
	struct vigil_fwmark m;
	struct vigil_vip vip;

	if (s->key.fwmark) {
		fwmark_of(s, &m);
		probes_fwmark_del(a->probes, &m);
		return;
	}
	runtime_vip(s, &vip);
	probes_vip_del(a->probes, &vip);
}

static void sync_vips(struct agent *a, const struct runtime *old)
{
	size_t i;

	for (i = 0; old && i < old->n_services; i++)
		if (!runtime_service_of(a->rt, &old->services[i].key))
			unwatch(a, &old->services[i]);
	/* with the SYN RTO its RTTs ask for (carried over a reload by the detector) */
	for (i = 0; i < a->rt->n_services; i++) {
		if (a->rt->services[i].key.fwmark)
			watch_fwmark(a, &a->rt->services[i]);
		else
			syn_rto_set(a, &a->rt->services[i], true);
	}
}

/* The smallest health interval of the services that weight by health; 0: none. */
static uint64_t health_interval_ns(const struct config *c)
{
	uint64_t ms = 0;
	uint32_t i;

	for (i = 0; i < c->n_services; i++) {
		const struct config_health *h = &c->services[i].policy.health;

		if (h->enabled && (!ms || h->interval_ms < ms))
			ms = h->interval_ms;
	}
	return ms * 1000000ull;
}

static void start_health(struct agent *a)
{
	uint64_t interval = health_interval_ns(a->config);
	int r;

	loop_remove(a->loop, a->health_timer);
	a->health_timer = NULL;
	if (!interval || !a->probes || !probes_sockops_attached(a->probes))
		return;
	/* each service's own interval is kept by health_update */
	r = loop_add_timer(a->loop, interval, on_health, a, &a->health_timer);
	if (r < 0)
		log_error("cannot start health weighting: %s", strerror(-r));
}

static int on_selfcheck(struct loop *loop, void *data)
{
	struct agent *a = data;
	uint64_t conns = 0;
	int r;

	/* IPVS first: every connection it counted has submitted its events by then */
	r = a->rt->n_services && selfcheck_ipvs_wanted(&a->selfcheck, clock_now_ns())
		? verify_watched_conns(a, &conns)
		: -ENOENT;
	consume(a);
	if (r == 0)
		selfcheck_ipvs_conns(&a->selfcheck, clock_now_ns(), conns);
	else if (r != -ENOENT)
		log_debug("selfcheck: cannot read the IPVS counters: %s", strerror(-r));
	/* drops are looked for here too: attempts in flight may wait for no deadline soon */
	if (a->detector)
		resync_after_drops(a, clock_now_ns());
	selfcheck_tick(&a->selfcheck, clock_now_ns(), verify_lost_since(a));
	verify_apply(a);
	/* RTTs learned since the last drain's update, when no event came after them */
	syn_rto_update(a);
	watch_rearm(a);
	return 0;
}

static uint32_t own_netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 ? (uint32_t)st.st_ino : 0;
}

void watch_ipvs_back(struct agent *a)
{
	int r = a->probes ? probes_ipvs_reattach(a->probes) : 0;

	if (r < 0)
		log_error("cannot attach kretprobe/ip_vs_conn_new to the new ip_vs module: %s",
			  strerror(-r));
	else if (r)
		log_info("attached kretprobe/ip_vs_conn_new to the new ip_vs module");
}

/*
 * A fwmark service's connections are told by their real destination (see
 * runtime_find()): a destination two of them share is judged in the first.
 */
static void tell_shared_destinations(const struct agent *a)
{
	const struct runtime *rt = a->rt;
	const struct runtime_service *first, *other;
	char dest[CONFIG_ADDR_STRLEN];

	if (!rt->n_shared)
		return;
	first = &rt->services[rt->shared[0].svc];
	other = &rt->services[rt->shared[1].svc];
	config_addr_format(&other->cs->dests[rt->shared[1].dest].addr, dest, sizeof(dest));
	log_warning("fwmark services %s and %s share destination %s (%zu shared in all): the "
		    "connections to it are judged in %s only, since a marked connection is told "
		    "by its real destination; give each service its own destinations",
		    first->cs->name, other->cs->name, dest, rt->n_shared, first->cs->name);
}

int watch_start(struct agent *a)
{
	struct probes_opts opts = {
		.netns_ino = own_netns_ino(),
		.ringbuf_bytes = a->config->agent.ringbuf_size,
		.max_flows = a->config->agent.max_flows,
		/* health weighting, and the SYN RTO it sets at TIMEOUT_INIT */
		.sockops = health_interval_ns(a->config) != 0 || syn_rto_wanted(a->config),
	};
	struct utsname uts;
	int r;

	tell_shared_destinations(a);
	selfcheck_init(&a->selfcheck, clock_now_ns());
	snprintf(a->kernel, sizeof(a->kernel), "%s", uname(&uts) == 0 ? uts.release : "?");
	a->tcpcheck = tcpcheck_new(a->loop, on_probe_done, a);
	a->udpcheck = udpcheck_new(a->loop, on_probe_done, a);
	a->dispatch.act.probe = start_probe;
	a->detector = detector_new(MAX_ATTEMPTS, MAX_DESTS, timing_of, a);
	if (!a->tcpcheck || !a->udpcheck || !a->detector)
		return -ENOMEM;
	r = loop_add_alarm(a->loop, on_alarm, a, &a->alarm);
	if (r < 0)
		return r;
	r = probes_open(&opts, on_event, a, &a->probes, &a->degraded);
	if (r < 0) {
		/* IPVS is programmed all the same; vigild checks the destinations itself */
		a->probes = NULL;
		r = degrade_start(a);
		if (r < 0)
			log_error("cannot start degraded mode's active checks: %s", strerror(-r));
		degrade_log(a);
		watch_rearm(a);
		return 0;
	}
	a->passive = true;
	/* the VIPs first: until they are in the map, nothing is watched */
	syn_rto_start(a);
	sync_vips(a, NULL);
	log_info("watching attached=\"%s\"", probes_attached(a->probes));
	degrade_log(a);
	r = loop_add_io(a->loop, probes_fd(a->probes), EPOLLIN, on_events, a, &a->events);
	if (!r)
		r = loop_add_timer(a->loop, PROBES_DRAIN_INTERVAL_MS * 1000000ull, on_drain, a,
				   &a->drain);
	if (!r)
		r = loop_add_timer(a->loop, SELFCHECK_INTERVAL_MS * 1000000ull, on_selfcheck, a,
				   &a->selfcheck_timer);
	if (r < 0)
		return r;
	start_health(a);
	watch_rearm(a);
	return 0;
}

void watch_reload(struct agent *a, const struct runtime *old)
{
	int r;

	tell_shared_destinations(a);
	/* probes in flight carry indexes of the old runtime: ask them again */
	tcpcheck_free(a->tcpcheck);
	a->tcpcheck = tcpcheck_new(a->loop, on_probe_done, a);
	udpcheck_free(a->udpcheck);
	a->udpcheck = udpcheck_new(a->loop, on_probe_done, a);
	if (a->probes) {
		/* a service may have switched it on or off; HZ is that of the same kernel */
		const char *why = a->syn_rto_why;

		a->syn_rto_why = syn_rto_unavailable(a);
		if (why != a->syn_rto_why)
			syn_rto_tell(a);
		sync_vips(a, old);
	}
	/* other services, other counters */
	selfcheck_ipvs_forget(&a->selfcheck);
	r = degrade_start(a);
	if (r < 0)
		log_error("cannot restart degraded mode's active checks: %s", strerror(-r));
	start_health(a);
	watch_rearm(a);
}

void watch_stop(struct agent *a)
{
	struct loop_source **sources[] = { &a->events, &a->alarm, &a->drain, &a->health_timer,
					   &a->selfcheck_timer };
	size_t i;

	/* the last service gone: watching may start again with the next one */
	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		loop_remove(a->loop, *sources[i]);
		*sources[i] = NULL;
	}
	a->passive = false;
	a->syn_rto_why = NULL;
	/* the next programs' counters start at 0 again */
	a->drops_seen = 0;
	a->lost_mark = 0;
	tcpcheck_free(a->tcpcheck);
	a->tcpcheck = NULL;
	udpcheck_free(a->udpcheck);
	a->udpcheck = NULL;
	detector_free(a->detector);
	a->detector = NULL;
	probes_free(a->probes);
	a->probes = NULL;
	degrade_stop(a);
}
