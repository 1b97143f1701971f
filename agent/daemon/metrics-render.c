// SPDX-License-Identifier: GPL-2.0-only
#include "metrics-render.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detector.h"

/* What C becomes in a label value; NULL: itself. */
static const char *escape_of(char c)
{
	return c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n" : NULL;
}

size_t metrics_escape(const char *value, char *buf, size_t size)
{
	size_t n = 0, written = 0;
	bool full = !size;
	const char *p;

	for (p = value; *p; p++) {
		const char *esc = escape_of(*p);
		size_t len = esc ? 2 : 1;

		/* an escape is written whole or not at all */
		if (!full && written + len < size) {
			memcpy(buf + written, esc ? esc : p, len);
			written += len;
		} else {
			full = true;
		}
		n += len;
	}
	if (size)
		buf[written] = '\0';
	return n;
}

/* Integers exactly (a counter past a million must not turn into 1e+06), the rest to 6 digits. */
static void value(FILE *f, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, " %.0f\n", v);
	else
		fprintf(f, " %.6g\n", v);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* SEP name="value", the value escaped. */
static void label(FILE *f, const char *sep, const char *name, const char *value)
{
	const char *p;

	fprintf(f, "%s%s=\"", sep, name);
	for (p = value; *p; p++) {
		if (escape_of(*p))
			fputs(escape_of(*p), f);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void counter(FILE *f, const char *name, const char *help, bool have, uint64_t v)
{
	family(f, name, "counter", help);
	if (have)
		fprintf(f, "%s %" PRIu64 "\n", name, v);
}

static void gauge(FILE *f, const char *name, const char *help, bool have, double v)
{
	family(f, name, "gauge", help);
	if (have) {
		fputs(name, f);
		value(f, v);
	}
}

/* A counter per value of one label, indexed 0..n-1 and named by NAME_OF. */
static void labelled_counter(FILE *f, const char *name, const char *help, const char *key,
			     const uint64_t *v, size_t n, const char *(*name_of)(int))
{
	size_t i;

	family(f, name, "counter", help);
	for (i = 0; i < n; i++) {
		fputs(name, f);
		label(f, "{", key, name_of(i));
		fprintf(f, "} %" PRIu64 "\n", v[i]);
	}
}

static const char *op_name(int i)
{
	return reconcile_op_name(i);
}

static const char *action_name(int i)
{
	return policy_action_name(i);
}

/* The labels that name a destination: service, vip, protocol, destination. */
static void dest_labels(FILE *f, const struct runtime_service *s, size_t j)
{
	char vip[ADDR_PORT_STRLEN], dest[ADDR_PORT_STRLEN];

	/* a fwmark service has no VIP: its mark stands in, as vigilctl names it */
	if (s->cs->fwmark)
		snprintf(vip, sizeof(vip), "fwmark/%u%s", s->cs->fwmark,
			 s->cs->vip.family == AF_INET6 ? "/inet6" : "");
	else if (config_addr_format(&s->cs->vip, vip, sizeof(vip)) < 0)
		snprintf(vip, sizeof(vip), "?");
	if (config_addr_format(&s->cs->dests[j].addr, dest, sizeof(dest)) < 0)
		snprintf(dest, sizeof(dest), "?");
	label(f, "{", "service", s->cs->name);
	label(f, ",", "vip", vip);
	label(f, ",", "protocol", config_protocol_name(s->cs->protocol));
	label(f, ",", "destination", dest);
}

enum dest_field {
	F_CONFIGURED,
	F_EFFECTIVE,
	F_SCORE,
	F_RTT,
	F_LOSS,
	F_QUARANTINES,
	F_RESETS,
};

/* Whether destination J of S has FIELD now, and its value. */
static bool dest_value(const struct runtime_service *s, size_t j, enum dest_field field,
		       double *ret)
{
	const struct health_dest_status *h =
	    s->health && j < health_count(s->health) ? health_dest(s->health, j) : NULL;

	switch (field) {
	case F_CONFIGURED:
		*ret = s->cs->dests[j].weight;
		return true;
	case F_EFFECTIVE:
		/* what vigild last programmed: unknown until it has */
		if (s->applied[j] == RUNTIME_UNKNOWN)
			return false;
		*ret = s->applied[j] == RUNTIME_REMOVED ? 0 : s->applied[j];
		return true;
	case F_SCORE:
		*ret = h ? h->score : 1.0;
		return true;
	case F_RTT:
		*ret = h && h->measured ? h->rtt_us / 1e6 : 0;
		return h && h->measured;
	case F_LOSS:
		*ret = h && h->measured ? h->loss : 0;
		return h && h->measured;
	case F_QUARANTINES:
		*ret = s->policy.dests[j].quarantines;
		return true;
	case F_RESETS:
		*ret = s->resets[j];
		return true;
	}
	return false;
}

static void per_dest(FILE *f, const struct runtime *rt, const char *name, const char *type,
		     const char *help, enum dest_field field)
{
	size_t i, j;
	double v;

	family(f, name, type, help);
	for (i = 0; rt && i < rt->n_services; i++) {
		const struct runtime_service *s = &rt->services[i];

		for (j = 0; j < s->cs->n_dests; j++) {
			if (!dest_value(s, j, field, &v))
				continue;
			fputs(name, f);
			dest_labels(f, s, j);
			fputc('}', f);
			value(f, v);
		}
	}
}

static void dest_states(FILE *f, const struct runtime *rt)
{
	size_t i, j;
	int state;

	family(f, "vigil_destination_state", "gauge",
	       "Policy state of a destination: 1 for the state it is in, 0 for the others.");
	for (i = 0; rt && i < rt->n_services; i++) {
		const struct runtime_service *s = &rt->services[i];

		for (j = 0; j < s->cs->n_dests; j++)
			for (state = POLICY_HEALTHY; state <= POLICY_SUSPECT; state++) {
				fputs("vigil_destination_state", f);
				dest_labels(f, s, j);
				label(f, ",", "state", policy_state_name(state));
				fprintf(f, "} %d\n", (int)s->policy.dests[j].state == state);
			}
	}
}

static void dest_evidence(FILE *f, const struct runtime *rt)
{
	/* probe-failed: degraded mode's own checks (fallback.h) */
	static const enum evidence_kind tcp[] = { EVIDENCE_RETRANS,      EVIDENCE_REFUSED,
						  EVIDENCE_GAVE_UP,      EVIDENCE_SYN_TIMEOUT,
						  EVIDENCE_PROBE_FAILED, EVIDENCE_STALL };
	static const enum evidence_kind udp[] = { EVIDENCE_UDP_ERROR, EVIDENCE_NO_REPLY,
						  EVIDENCE_PROBE_FAILED };
	size_t i, j, k;

	family(f, "vigil_destination_evidence_total", "counter",
	       "Evidence of failure seen against a destination since vigild started, by kind.");
	for (i = 0; rt && i < rt->n_services; i++) {
		const struct runtime_service *s = &rt->services[i];
		/* only the kinds the service's protocol can produce */
		bool is_udp = s->cs->protocol == IPPROTO_UDP;
		const enum evidence_kind *kinds = is_udp ? udp : tcp;
		size_t n = is_udp ? sizeof(udp) / sizeof(udp[0]) : sizeof(tcp) / sizeof(tcp[0]);

		for (j = 0; j < s->cs->n_dests; j++)
			for (k = 0; k < n; k++) {
				fputs("vigil_destination_evidence_total", f);
				dest_labels(f, s, j);
				label(f, ",", "kind", evidence_kind_name(kinds[k]));
				fprintf(f, "} %" PRIu64 "\n", s->evidence[j][kinds[k]]);
			}
	}
}

/* Per capability: its state (one of them 1), whether it was seen working, its silences. */
static void capabilities(FILE *f, const struct metrics_snapshot *m)
{
	size_t i;
	int state;

	family(f, "vigil_capability_state", "gauge",
	       "What a capability of the BPF programs is now: 1 for its state, 0 for the others "
	       "(silent: attached but found delivering nothing).");
	for (i = 0; i < DEGRADED_N_CAPS; i++)
		for (state = DEGRADED_ATTACHED; state <= DEGRADED_SILENT; state++) {
			fputs("vigil_capability_state", f);
			label(f, "{", "capability", degraded_cap_name(i));
			label(f, ",", "state", degraded_state_name(state));
			fprintf(f, "} %d\n", (int)m->degraded.caps[i].state == state);
		}
	family(f, "vigil_capability_verified", "gauge",
	       "1 once a capability attached has been seen delivering what it should.");
	for (i = 0; i < DEGRADED_N_CAPS; i++) {
		fputs("vigil_capability_verified", f);
		label(f, "{", "capability", degraded_cap_name(i));
		fprintf(f, "} %d\n", m->degraded.caps[i].verified);
	}
	family(f, "vigil_capability_silences_total", "counter",
	       "Times a capability attached was found delivering nothing (then: degraded mode).");
	for (i = 0; i < DEGRADED_N_CAPS; i++) {
		fputs("vigil_capability_silences_total", f);
		label(f, "{", "capability", degraded_cap_name(i));
		fprintf(f, "} %" PRIu64 "\n", m->silences[i]);
	}
}

int metrics_render(const struct metrics_snapshot *m, char **ret_text, size_t *ret_len)
{
	const struct runtime *rt = m->rt;
	char *text = NULL;
	size_t len = 0;
	bool failed;
	FILE *f;

	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;

	family(f, "vigil_build_info", "gauge", "vigild's version, as a label; the value is 1.");
	fputs("vigil_build_info", f);
	label(f, "{", "version", m->version);
	fputs("} 1\n", f);
	family(f, "vigil_start_time_seconds", "gauge",
	       "When vigild started, in seconds since the Unix epoch.");
	fprintf(f, "vigil_start_time_seconds %.3f\n", m->started_real_ns / 1e9);
	/* named as Prometheus and Alertmanager name theirs, so alerts written for them fit */
	gauge(f, "vigil_config_last_reload_successful",
	      "1 when the last reload of the configuration was taken (or none was asked for "
	      "since start), 0 when it was rejected and the one before still runs.",
	      true, m->reload_ok);
	family(f, "vigil_config_last_reload_success_timestamp_seconds", "gauge",
	       "When the configuration was last loaded successfully (at start, or by a "
	       "reload), in seconds since the Unix epoch.");
	fprintf(f, "vigil_config_last_reload_success_timestamp_seconds %.3f\n",
		m->reload_ok_real_ns / 1e9);
	gauge(f, "vigil_watching",
	      "1 when the BPF programs watch connections, 0 when they could not "
	      "be loaded (no detection then).",
	      true, m->watching);

	capabilities(f, m);

	counter(f, "vigil_events_total", "Connection events the BPF programs submitted.",
		m->have_counters, m->counters.events);
	counter(f, "vigil_ringbuf_drops_total",
		"Connection events lost because the ring buffer was full (agent.ringbuf_size).",
		m->have_counters, m->counters.ringbuf_drops);
	counter(f, "vigil_event_resyncs_total",
		"Times the attempts in flight were forgotten, unjudged, after the ring buffer "
		"overflowed.",
		m->have_counters, m->counters.resyncs);
	counter(f, "vigil_bpf_missed_total",
		"Runs of the BPF programs the kernel skipped (nested on a CPU): lost events.",
		m->have_counters, m->counters.missed);
	counter(f, "vigil_bad_records_total",
		"Ring-buffer records that did not decode (a BPF/userspace mismatch).",
		m->have_counters, m->counters.bad_records);
	counter(f, "vigil_flow_errors_total",
		"Connections the BPF side could not correlate with their real destination "
		"(agent.max_flows).",
		m->have_counters, m->counters.flow_errors);
	counter(f, "vigil_flows_missing_total",
		"State changes of connections to a VIP whose correlation entry was gone: evicted "
		"(agent.max_flows), or made before vigild ran.",
		m->have_counters, m->counters.flows_missing);
	counter(f, "vigil_health_errors_total",
		"Sockets whose TCP health sockops could not count (health map full).",
		m->have_counters, m->counters.health_errors);

	counter(f, "vigil_socket_reset_failures_total",
		"Stalled sockets vigild tried to reset and could not (the log says why).",
		m->watching, m->reset_failures);
	counter(f, "vigil_evidence_total",
		"Evidence of failure against a configured destination, all kinds.", true,
		m->evidence);
	labelled_counter(f, "vigil_decisions_total", "Quarantine policy decisions, by action.",
			 "action", m->decisions, METRICS_ACTIONS, action_name);
	labelled_counter(f, "vigil_netlink_operations_total",
			 "IPVS changes vigild sent over generic netlink, by operation.", "op",
			 m->netlink_ops, METRICS_OP_TYPES, op_name);
	labelled_counter(f, "vigil_netlink_errors_total",
			 "IPVS changes the kernel refused, by operation (the log says why).", "op",
			 m->netlink_errors, METRICS_OP_TYPES, op_name);
	counter(f, "vigil_reconciles_total",
		"Reconcile passes that compared IPVS with the configuration.", true, m->reconciles);
	counter(f, "vigil_reconciles_skipped_total",
		"Periodic reconcile passes skipped because IPVS had not changed.", true,
		m->reconciles_skipped);
	gauge(f, "vigil_reconcile_duration_seconds", "How long the last reconcile pass took.",
	      m->reconciles > 0, m->reconcile_seconds);
	gauge(f, "vigil_services", "Services in the configuration.", true, rt ? rt->n_services : 0);
	gauge(f, "vigil_owned_services", "Services in IPVS that vigild created and manages.", true,
	      m->owned);

	dest_states(f, rt);
	per_dest(f, rt, "vigil_destination_configured_weight", "gauge",
		 "Weight of a destination in the configuration.", F_CONFIGURED);
	per_dest(f, rt, "vigil_destination_effective_weight", "gauge",
		 "Weight vigild last programmed into IPVS (0 out of rotation).", F_EFFECTIVE);
	per_dest(f, rt, "vigil_destination_health_score", "gauge",
		 "TCP health score of a destination, 0.01 to 1 (1 unmeasured).", F_SCORE);
	per_dest(f, rt, "vigil_destination_rtt_seconds", "gauge",
		 "Mean smoothed RTT of a destination's connections in the last measured window.",
		 F_RTT);
	per_dest(f, rt, "vigil_destination_loss_ratio", "gauge",
		 "Segments retransmitted per segment sent in the last measured window.", F_LOSS);
	per_dest(f, rt, "vigil_destination_quarantines_total", "counter",
		 "Times a destination was quarantined (kept across restarts in the state file).",
		 F_QUARANTINES);
	per_dest(f, rt, "vigil_destination_socket_resets_total", "counter",
		 "Stalled client sockets to a destination quarantined for silence that vigild "
		 "reset.",
		 F_RESETS);
	dest_evidence(f, rt);

	failed = ferror(f);
	if (fclose(f) || failed) {
		free(text);
		return -ENOMEM;
	}
	*ret_text = text;
	*ret_len = len;
	return 0;
}
