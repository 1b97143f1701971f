// SPDX-License-Identifier: GPL-2.0-only
#include "resets.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"

#define SWEEP_NS (RESETS_SWEEP_MS * 1000000ull)

static void on_result(const struct sockreset_result *res, void *data)
{
	char client[ADDR_PORT_STRLEN], vip[ADDR_PORT_STRLEN], real[ADDR_PORT_STRLEN];
	struct agent *a = data;
	struct runtime_service *s;
	ssize_t dest = -1;

	s = runtime_find(a->rt, &res->flow, &res->real, &dest);
	addr_port_format(res->flow.family, &res->flow.caddr, res->flow.cport, client,
			 sizeof(client));
	addr_port_format(res->flow.family, &res->flow.vaddr, res->flow.vport, vip, sizeof(vip));
	addr_port_format(res->real.family, &res->real.addr, res->real.port, real, sizeof(real));
	if (res->error) {
		a->resets.failed++;
		log_warning(
		    "cannot reset the socket of client %s to %s (real %s) of service %s: %s",
		    client, vip, real, s ? s->cs->name : "?", strerror(-res->error));
	} else {
		a->resets.count++;
		if (s && dest >= 0)
			s->resets[dest]++;
		log_notice("reset service=%s real=%s client=%s vip=%s stalled_ms=%llu mechanism=%s",
			   s ? s->cs->name : "?", real, client, vip,
			   (unsigned long long)(res->stalled_ns / 1000000),
			   sockreset_mechanism_name(sockreset_mechanism(a->resets.sr)));
	}
	if (s && a->resets.notify)
		a->resets.notify(a->resets.notify_data, s, res,
				 sockreset_mechanism_name(sockreset_mechanism(a->resets.sr)));
}

static int on_alarm(struct loop *loop, void *data)
{
	struct agent *a = data;
	int r;

	(void)loop;
	r = sockreset_sweep(a->resets.sr, on_result, a);
	a->resets.sweeps++;
	if (r < 0 && !a->resets.sweep_failed)
		log_warning("cannot look for stalled sockets to reset: %s", strerror(-r));
	/* said once per run of failures, not every RESETS_SWEEP_MS */
	a->resets.sweep_failed = r < 0;
	if (a->resets.n_targets)
		loop_alarm_set(a->resets.alarm, clock_now_ns() + SWEEP_NS);
	return 0;
}

static bool known(const struct sockreset_target *t, const struct sockreset_target *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!memcmp(&set[i], t, sizeof(*t)))
			return true;
	return false;
}

void resets_update(struct agent *a)
{
	struct sockreset_target *t = NULL;
	size_t i, j, n = 0, max = 0;
	bool added = false;
	int r;

	if (!a->resets.sr || sockreset_mechanism(a->resets.sr) == SOCKRESET_NONE)
		return;
	for (i = 0; i < a->rt->n_services; i++)
		max += a->rt->services[i].cs->n_dests;
	if (max) {
		t = calloc(max, sizeof(*t));
		if (!t) {
			log_error("cannot list the destinations whose stalled sockets to reset: %s",
				  strerror(ENOMEM));
			return;
		}
	}
	for (i = 0; i < a->rt->n_services; i++) {
		const struct runtime_service *s = &a->rt->services[i];

		for (j = 0; j < s->cs->n_dests; j++) {
			if (!runtime_reset_wanted(s, j) ||
			    health_real_from_addr(&s->cs->dests[j].addr, &t[n].real) < 0)
				continue;
			t[n].protocol = s->cs->protocol;
			added |= !known(&t[n], a->resets.targets, a->resets.n_targets);
			n++;
		}
	}
	if (n == a->resets.n_targets && !added) {
		free(t);
		return;
	}
	r = sockreset_set_targets(a->resets.sr, t, n);
	if (r < 0) {
		log_error("cannot set the destinations whose stalled sockets to reset: %s",
			  strerror(-r));
		free(t);
		return;
	}
	free(a->resets.targets);
	a->resets.targets = t;
	a->resets.n_targets = n;
	/* a new target's sockets at once; the others at the next sweep */
	if (added)
		loop_alarm_set(a->resets.alarm, clock_now_ns());
	else if (!n)
		loop_alarm_set(a->resets.alarm, 0);
}

int resets_start(struct agent *a)
{
	const char *force = getenv(SOCKRESET_MECHANISM_ENV);
	enum sockreset_mechanism m;
	const char *why;
	int r;

	if (force && *force)
		log_warning("%s=%s: a testing aid, not for production", SOCKRESET_MECHANISM_ENV,
			    force);
	if (!a->probes) {
		log_warning("resets mechanism=none why=\"connections are not watched: no socket "
			    "to a quarantined destination will be reset\"");
		return 0;
	}
	a->resets.sr = sockreset_new(a->probes, a->hz, force && *force ? force : NULL);
	if (!a->resets.sr)
		return -errno;
	m = sockreset_mechanism(a->resets.sr);
	why = sockreset_why(a->resets.sr);
	if (m == SOCKRESET_NONE)
		log_warning("resets mechanism=none why=\"%s\": stalled sockets to a quarantined "
			    "destination are left to the kernel (tcp_retries2)",
			    why);
	else
		log_info("resets mechanism=%s%s%s%s", sockreset_mechanism_name(m),
			 *why ? " why=\"" : "", why, *why ? "\"" : "");
	r = loop_add_alarm(a->loop, on_alarm, a, &a->resets.alarm);
	if (r < 0)
		return r;
	resets_update(a);
	return 0;
}

void resets_stop(struct agent *a)
{
	if (a->resets.alarm)
		loop_remove(a->loop, a->resets.alarm);
	a->resets.alarm = NULL;
	sockreset_free(a->resets.sr);
	a->resets.sr = NULL;
	free(a->resets.targets);
	a->resets.targets = NULL;
	a->resets.n_targets = 0;
}
