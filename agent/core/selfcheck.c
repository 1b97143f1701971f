// SPDX-License-Identifier: GPL-2.0-only
#include "selfcheck.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MS 1000000ull

void selfcheck_init(struct selfcheck *sc, uint64_t now_ns)
{
	size_t i;

	memset(sc, 0, sizeof(*sc));
	for (i = 0; i < DEGRADED_N_CAPS; i++)
		sc->caps[i].since_ns = now_ns;
}

static void set_verdict(struct selfcheck *sc, enum degraded_cap cap, enum selfcheck_verdict v,
			uint64_t now_ns)
{
	struct selfcheck_cap *c = &sc->caps[cap];

	if (c->verdict == v)
		return;
	c->verdict = v;
	c->since_ns = now_ns;
	if (v == SELFCHECK_SILENT)
		c->silences++;
	else
		c->why[0] = '\0';
	sc->changed |= 1u << cap;
}

static void met(struct selfcheck *sc, enum degraded_cap cap, uint64_t now_ns)
{
	struct selfcheck_cap *c = &sc->caps[cap];

	c->met++;
	c->misses = 0;
	set_verdict(sc, cap, SELFCHECK_WORKS, now_ns);
}

/* N expectations unmet; WHY (printf-style) says what did not arrive. */
static void unmet(struct selfcheck *sc, enum degraded_cap cap, uint64_t now_ns, uint64_t n,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void unmet(struct selfcheck *sc, enum degraded_cap cap, uint64_t now_ns, uint64_t n,
		  const char *fmt, ...)
{
	struct selfcheck_cap *c = &sc->caps[cap];
	va_list ap;

	if (!n)
		return;
	c->unmet += n;
	/* a quorum is all that counts */
	c->misses += n < SELFCHECK_QUORUM ? (unsigned int)n : SELFCHECK_QUORUM;
	if (c->misses < SELFCHECK_QUORUM || c->verdict == SELFCHECK_SILENT)
		return;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	set_verdict(sc, cap, SELFCHECK_SILENT, now_ns);
}

static void wait_add(struct selfcheck_wait *w, uint64_t ts_ns)
{
	if (!w->n++)
		w->first_ns = ts_ns;
}

void selfcheck_connect(struct selfcheck *sc, uint64_t ts_ns)
{
	wait_add(&sc->connects, ts_ns);
}

void selfcheck_pick(struct selfcheck *sc, uint64_t ts_ns, bool tcp, bool task)
{
	sc->last_pick_ns = ts_ns;
	/* a pick answers every connect before it: they come in order */
	sc->connects.n = 0;
	met(sc, DEGRADED_CORRELATION, ts_ns);
	if (tcp && task)
		wait_add(&sc->picks, ts_ns);
}

void selfcheck_event(struct selfcheck *sc, uint64_t ts_ns)
{
	sc->picks.n = 0;
	met(sc, DEGRADED_EVENTS, ts_ns);
}

void selfcheck_established(struct selfcheck *sc, uint64_t ts_ns)
{
	selfcheck_event(sc, ts_ns);
	sc->established++;
}

void selfcheck_udp_reply(struct selfcheck *sc, uint64_t ts_ns)
{
	sc->udp_replies = true;
	selfcheck_event(sc, ts_ns);
}

void selfcheck_ipvs_conns(struct selfcheck *sc, uint64_t now_ns, uint64_t conns)
{
	uint64_t gained = conns - sc->ipvs_conns, lag = SELFCHECK_IPVS_LAG_MS * MS;
	/* the connections gained were made since then: was any picked? */
	bool picked = sc->last_pick_ns && sc->last_pick_ns + lag >= sc->ipvs_read_ns;

	/* counters that went back belong to services made anew: start over */
	if (sc->have_ipvs && conns >= sc->ipvs_conns && gained && !picked)
		unmet(sc, DEGRADED_CORRELATION, now_ns, gained,
		      "IPVS counted %llu new connection%s to the watched services and "
		      "ip_vs_conn_new reported no pick",
		      (unsigned long long)gained, gained == 1 ? "" : "s");
	sc->have_ipvs = true;
	sc->ipvs_conns = conns;
	sc->ipvs_read_ns = now_ns;
}

void selfcheck_ipvs_forget(struct selfcheck *sc)
{
	sc->have_ipvs = false;
}

bool selfcheck_ipvs_wanted(const struct selfcheck *sc, uint64_t now_ns)
{
	return !sc->last_pick_ns || sc->last_pick_ns + SELFCHECK_IPVS_LAG_MS * MS < now_ns;
}

void selfcheck_health_conns(struct selfcheck *sc, uint64_t now_ns, uint64_t conns)
{
	uint64_t established = sc->established;

	sc->established = 0;
	if (!sc->have_health || conns < sc->health_conns) {
		/* the first read, or entries evicted: nothing to compare with */
		sc->have_health = true;
		sc->health_conns = conns;
		return;
	}
	if (conns > sc->health_conns)
		met(sc, DEGRADED_HEALTH, now_ns);
	else if (established)
		unmet(sc, DEGRADED_HEALTH, now_ns, established,
		      "%llu connection%s established through VIPs and the sockops program counted "
		      "none",
		      (unsigned long long)established, established == 1 ? " was" : "s were");
	sc->health_conns = conns;
}

void selfcheck_tick(struct selfcheck *sc, uint64_t now_ns, bool lossy)
{
	struct selfcheck_wait *c = &sc->connects, *p = &sc->picks;

	if (lossy) {
		c->n = p->n = 0;
		return;
	}
	if (c->n && now_ns - c->first_ns >= SELFCHECK_PICK_GRACE_MS * MS) {
		unmet(sc, DEGRADED_CORRELATION, now_ns, c->n,
		      "%u connection%s to VIPs had no pick from ip_vs_conn_new within %d ms", c->n,
		      c->n == 1 ? "" : "s", SELFCHECK_PICK_GRACE_MS);
		c->n = 0;
	}
	if (p->n && now_ns - p->first_ns >= SELFCHECK_EVENT_GRACE_MS * MS) {
		unmet(sc, DEGRADED_EVENTS, now_ns, p->n,
		      "%u connection%s that IPVS picked had no state change, retransmit or reset "
		      "within %d ms",
		      p->n, p->n == 1 ? "" : "s", SELFCHECK_EVENT_GRACE_MS);
		p->n = 0;
	}
}

unsigned int selfcheck_changes(struct selfcheck *sc)
{
	unsigned int changed = sc->changed;

	sc->changed = 0;
	return changed;
}

enum selfcheck_gate selfcheck_gate(const struct selfcheck *sc, enum evidence_kind kind)
{
	if (kind == EVIDENCE_NO_REPLY && !sc->udp_replies)
		return SELFCHECK_HOLD;
	if (kind != EVIDENCE_SYN_TIMEOUT && kind != EVIDENCE_NO_REPLY)
		return SELFCHECK_PASS;
	switch (sc->caps[DEGRADED_EVENTS].verdict) {
	case SELFCHECK_WORKS:
		return SELFCHECK_PASS;
	case SELFCHECK_SILENT:
		return SELFCHECK_DROP;
	default:
		return SELFCHECK_HOLD;
	}
}

const char *selfcheck_verdict_name(enum selfcheck_verdict v)
{
	static const char *const names[] = {
		[SELFCHECK_UNVERIFIED] = "unverified",
		[SELFCHECK_WORKS] = "works",
		[SELFCHECK_SILENT] = "silent",
	};

	return (unsigned int)v <= SELFCHECK_SILENT ? names[v] : "unknown";
}

void selfcheck_overlay(const struct selfcheck *sc, struct degraded *d)
{
	size_t i;

	for (i = 0; i < DEGRADED_N_CAPS; i++) {
		const struct selfcheck_cap *c = &sc->caps[i];
		struct degraded_status *s = &d->caps[i];

		if (s->state != DEGRADED_ATTACHED)
			continue;
		s->verified = c->verdict == SELFCHECK_WORKS;
		if (c->verdict == SELFCHECK_SILENT) {
			s->state = DEGRADED_SILENT;
			snprintf(s->silent, sizeof(s->silent), "%s", c->why);
		}
	}
	/* as for a missing capability: the other is then of no use */
	if (d->caps[DEGRADED_CORRELATION].state == DEGRADED_SILENT &&
	    d->caps[DEGRADED_EVENTS].state == DEGRADED_ATTACHED)
		d->caps[DEGRADED_EVENTS].state = DEGRADED_UNUSED;
	if (d->caps[DEGRADED_EVENTS].state == DEGRADED_SILENT &&
	    d->caps[DEGRADED_CORRELATION].state == DEGRADED_ATTACHED)
		d->caps[DEGRADED_CORRELATION].state = DEGRADED_UNUSED;
}
