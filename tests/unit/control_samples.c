// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every kind of reply and event the control socket sends, rendered by
 * vigild's own renderers from the unit tests' fixtures, one per line as
 * "DEF<TAB>JSON", where DEF names the definition of proto/control.schema.json
 * that the JSON must match. tests/check-control-schema validates them, so a
 * field the code adds, renames or retypes without the schema fails ctest.
 * Not a Check suite: it judges nothing itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "render-state.h"

#include "fixture_render.h"
#include "fixture_services.h"

/* 2026-01-01T00:00:00Z in CLOCK_REALTIME, minus a monotonic 1.5 s */
#define MONO_TO_REAL (1767225600000000000ll - (int64_t)MS(1500))

static int failed;

/* The sample, or a complaint if the renderer returned none; O is put. */
static void emit(const char *def, struct json_object *o)
{
	if (!o) {
		fprintf(stderr, "control_samples: no %s: %s\n", def, strerror(errno));
		failed = 1;
		return;
	}
	printf("%s\t%s\n", def,
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void lists(void)
{
	struct ipvs_info info = { .version = 0x010201, .conn_tab_size = 4096 };
	struct ipvs_timeouts timeouts = { .tcp = 900, .tcp_fin = 120, .udp = 300 };
	struct ipvs_table *t;
	struct config_addr a[2] = {
		{ .family = AF_INET, .port = 8080 },
		{ .family = AF_INET, .port = 8080 },
	};
	struct render_dest d[2] = {
		{ .addr = &a[0],
		  .state = "healthy",
		  .configured_weight = 100,
		  .applied = true,
		  .effective_weight = 100,
		  .desired_weight = 100,
		  .score = 1.0 },
		{ .addr = &a[1],
		  .state = "quarantined",
		  .manual = true,
		  .configured_weight = 200,
		  .score = 0.5,
		  .measured = true,
		  .rtt_ms = 1.25,
		  .loss = 0.125,
		  .quarantines = 1,
		  .relapses = 2,
		  .suspicions = 3,
		  .resets = 4,
		  .quarantined_until = true,
		  .remaining_ms = 59000 },
	};
	struct render_service s = { .name = "web", .dests = d, .n_dests = 2 };

	/* vigilctl without vigild: the kernel's table, the timeouts alone, nothing */
	emit("reply-list", render_list(false, NULL, 0, kernel_table(), NULL, NULL));
	emit("reply-list", render_list(false, NULL, 0, NULL, NULL, &timeouts));
	emit("reply-list", render_list(false, NULL, 0, NULL, &info, NULL));
	emit("reply-list", render_list(false, NULL, 0, NULL, NULL, NULL));
	emit("reply-list", render_list(false, NULL, 0, ipvsadm_table(), &info, &timeouts));
	/* what vigild fills in, in the kernel and not, enforcing and a dry run */
	t = kernel_table();
	inet_pton(AF_INET, "10.100.1.2", a[0].addr);
	inet_pton(AF_INET, "10.100.2.2", a[1].addr);
	d[0].kernel = &t->services[0].dests[0];
	s.key = &t->services[0].svc;
	s.kernel = &t->services[0];
	emit("reply-list", render_list(true, &s, 1, t, &info, &timeouts));
	s.kernel = NULL;
	d[0].kernel = NULL;
	s.dry_run = true;
	emit("reply-list", render_list(true, &s, 1, t, NULL, NULL));
	emit("reply-list", render_list(true, &s, 1, NULL, NULL, NULL));
}

static void runtime_lists(struct runtime *rt)
{
	struct ipvs_info info = { .version = 0x010201, .conn_tab_size = 4096 };
	struct ipvs_timeouts timeouts = { .tcp = 900, .tcp_fin = 120, .udp = 300 };
	struct runtime_service *web = &rt->services[0];

	web->applied[0] = 100;
	web->applied[1] = 200;
	web->applied[2] = 0;
	/* a suspect is out of rotation while a probe judges it; no request makes one */
	web->policy.dests[0].state = POLICY_SUSPECT;
	emit("reply-list", render_list_runtime(rt, kernel_table(), 0, &info, &timeouts, MS(2000)));
	/* the dump failed: why */
	emit("reply-list", render_list_runtime(rt, NULL, -ENOMEM, NULL, NULL, MS(2000)));
	emit("reply-list", render_list_runtime(NULL, kernel_table(), 0, &info, NULL, MS(2000)));
}

static void statuses(struct runtime *rt)
{
	struct render_status st = {
		.version = "0.1.0",
		.kernel = "6.1.0-13-amd64",
		.machine = "x86_64",
		.config_path = "/etc/vigil/vigil.yaml",
		.control_path = "/run/vigil/vigil.sock",
		.metrics = "127.0.0.1:9712",
		.started_real_ns = 1767225600000000000ll,
		.uptime_ns = MS(61000),
		.ipvs_version = 0x010201,
		.watching = true,
		.attached = "fentry/tcp_connect",
		.sockops = true,
		.have_counters = true,
		.counters = { .events = 10, .ringbuf_drops = 2, .resyncs = 1, .flows_missing = 3 },
		.have_detector = true,
		.detector = { .attempts = 3, .dests = 4, .dests_forgotten = 1 },
		.syn_rto = true,
		.hz = 250,
		.hz_source = "/boot/config-6.1.0-13-amd64",
		.evidence = 5,
		.decisions = 1,
		.reset_mechanism = "inet_diag",
		.reset_why = "bpf_sock_destroy: the kernel has no such kfunc (6.5 and later)",
		.resets = 2,
		.reset_sweeps = 7,
		.reset_targets = 1,
		.reconcile_real_ns = 1767225660000000000ll,
		.reconcile_why = "periodic",
		.reconcile_ms = 1.25,
		.reconcile_ops = 3,
		.clients = 2,
		.subscribers = 1,
		.rt = rt,
	};
	struct degraded d;

	rt->services[0].timing.syn_rto_ns = MS(300);
	/* watching, each capability attached, one through a fallback */
	memset(&d, 0, sizeof(d));
	degraded_how(&d.caps[DEGRADED_EVENTS], "kprobe/tcp_connect");
	degraded_why(&d.caps[DEGRADED_EVENTS],
		     "fentry/tcp_connect: disabled by VIGIL_DISABLE_PROBES");
	d.caps[DEGRADED_EVENTS].verified = true;
	degraded_how(&d.caps[DEGRADED_CORRELATION], "fexit/ip_vs_conn_new");
	degraded_how(&d.caps[DEGRADED_HEALTH], "sockops");
	st.degraded = &d;
	emit("reply-status", render_status(&st));
	/* no degraded section, no mechanism chosen yet, metrics off */
	st.degraded = NULL;
	st.reset_mechanism = NULL;
	st.metrics = NULL;
	emit("reply-status", render_status(&st));

	/* health weighting off, and sockops missing */
	memset(&d, 0, sizeof(d));
	degraded_how(&d.caps[DEGRADED_EVENTS], "tp_btf/inet_sock_set_state");
	degraded_how(&d.caps[DEGRADED_CORRELATION], "fexit/ip_vs_conn_new");
	d.caps[DEGRADED_HEALTH].state = DEGRADED_OFF;
	st.degraded = &d;
	emit("reply-status", render_status(&st));
	d.caps[DEGRADED_HEALTH].state = DEGRADED_MISSING;
	degraded_why(&d.caps[DEGRADED_HEALTH], "sockops: no cgroup v2");
	emit("reply-status", render_status(&st));

	/* a capability attached but silent, the events unused */
	memset(&d, 0, sizeof(d));
	degraded_how(&d.caps[DEGRADED_EVENTS], "tp_btf/inet_sock_set_state");
	d.caps[DEGRADED_EVENTS].verified = true;
	d.caps[DEGRADED_EVENTS].state = DEGRADED_UNUSED;
	degraded_how(&d.caps[DEGRADED_CORRELATION], "kretprobe/ip_vs_conn_new");
	degraded_why(&d.caps[DEGRADED_CORRELATION],
		     "fexit/ip_vs_conn_new: not supported by this kernel (ENOTSUPP)");
	d.caps[DEGRADED_CORRELATION].state = DEGRADED_SILENT;
	snprintf(d.caps[DEGRADED_CORRELATION].silent, sizeof(d.caps[0].silent),
		 "3 connections to VIPs had no pick from ip_vs_conn_new within 500 ms");
	d.caps[DEGRADED_HEALTH].state = DEGRADED_OFF;
	st.fallback_ms = 500;
	st.fallback_dests = 3;
	st.fallback_udp = 1;
	emit("reply-status", render_status(&st));

	/* nothing attached: not watching, the SYN RTO not in force */
	degraded_all_missing(&d, "the kernel has no BTF");
	st.watching = false;
	st.attached = NULL;
	st.sockops = false;
	st.have_counters = false;
	st.have_detector = false;
	st.syn_rto = false;
	st.syn_rto_why = "connections are not watched";
	st.hz = 0;
	st.hz_source = "no /boot/config-6.1.0-13-amd64 nor readable /proc/config.gz";
	st.ipvs_version = 0;
	st.reconcile_real_ns = 0;
	st.fallback_dests = 0;
	emit("reply-status", render_status(&st));
	/* no runtime (no config loaded), no HZ source */
	st.rt = NULL;
	st.hz_source = NULL;
	emit("reply-status", render_status(&st));
}

static struct evidence evidence_fixture(enum evidence_kind kind)
{
	struct evidence ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.at_ns = MS(1500);
	ev.flow.family = VIGIL_AF_INET;
	ev.flow.protocol = IPPROTO_TCP;
	inet_pton(AF_INET, "10.1.1.1", &ev.flow.caddr.v4);
	ev.flow.cport = 40000;
	inet_pton(AF_INET, "10.96.0.1", &ev.flow.vaddr.v4);
	ev.flow.vport = 80;
	ev.real.family = VIGIL_AF_INET;
	inet_pton(AF_INET, "10.100.3.2", &ev.real.addr.v4);
	ev.real.port = 8080;
	if (kind == EVIDENCE_UDP_ERROR || kind == EVIDENCE_NO_REPLY) {
		ev.flow.protocol = IPPROTO_UDP;
		ev.flow.vport = 53;
		ev.real.port = 53;
	}
	if (kind == EVIDENCE_UDP_ERROR)
		ev.error = ECONNREFUSED;
	/* vigild's own check: no client behind it */
	if (kind == EVIDENCE_PROBE_FAILED) {
		ev.flow.cport = 0;
		memset(&ev.flow.caddr, 0, sizeof(ev.flow.caddr));
		ev.error = ETIMEDOUT;
	}
	return ev;
}

static struct json_object *decision(enum policy_action action, enum policy_state from,
				    enum policy_state to, int evidence, bool timed)
{
	struct policy_decision d = {
		.action = action,
		.dest = 2,
		.at_ns = MS(1500),
		.from = from,
		.to = to,
		.until_ns = timed ? MS(11500) : POLICY_NEVER,
		.duration_ns = timed ? MS(10000) : 0,
		.relapses = action == POLICY_ACT_PROBE_FAILED,
		.evidence = evidence,
	};
	struct config_addr real = { .family = AF_INET, .port = 8080 };
	struct evidence ev = evidence_fixture(evidence ? evidence : EVIDENCE_RETRANS);

	inet_pton(AF_INET, "10.100.3.2", real.addr);
	return render_decision(&d, "web", &real, evidence ? &ev : NULL, MONO_TO_REAL);
}

/*
 * Every kind of event, into RING of SIZE slots; returns how many. Every
 * evidence kind and every action the code has a name for, so that one it
 * adds is a sample the schema must know.
 */
static size_t events(struct json_object **ring, size_t size)
{
	/* the transitions of each action, as the policy makes them */
	static const struct {
		enum policy_action action;
		enum policy_state from, to;
		int evidence; /* and the evidence as its cause */
		bool timed;
	} decisions[] = {
		{ POLICY_ACT_QUARANTINE, POLICY_HEALTHY, POLICY_QUARANTINED, EVIDENCE_REFUSED,
		  true },
		{ POLICY_ACT_FAIL_OPEN, POLICY_HEALTHY, POLICY_HEALTHY, EVIDENCE_RETRANS, false },
		{ POLICY_ACT_PROBE, POLICY_QUARANTINED, POLICY_PROBATION, 0, false },
		{ POLICY_ACT_PROBE_FAILED, POLICY_PROBATION, POLICY_QUARANTINED, 0, true },
		{ POLICY_ACT_RELEASE_TO_RAMP, POLICY_PROBATION, POLICY_RAMPING, 0, false },
		{ POLICY_ACT_HEALTHY, POLICY_RAMPING, POLICY_HEALTHY, 0, false },
		{ POLICY_ACT_MANUAL_QUARANTINE, POLICY_HEALTHY, POLICY_QUARANTINED, 0, false },
		{ POLICY_ACT_MANUAL_RELEASE, POLICY_QUARANTINED, POLICY_RAMPING, 0, false },
		{ POLICY_ACT_SUSPECT, POLICY_HEALTHY, POLICY_SUSPECT, EVIDENCE_SYN_TIMEOUT, false },
		{ POLICY_ACT_CLEARED, POLICY_SUSPECT, POLICY_HEALTHY, 0, false },
	};
	struct evidence ev;
	size_t n = 0, i;
	int kind, action;

	for (kind = 1; strcmp(evidence_kind_name(kind), "unknown") && n < size; kind++) {
		ev = evidence_fixture(kind);
		ring[n++] = render_evidence(&ev, kind == EVIDENCE_NO_REPLY ? "dns" : "web",
					    MONO_TO_REAL, MS(1502));
	}
	for (action = 0; strcmp(policy_action_name(action), "unknown") && n < size; action++) {
		for (i = 0; i < sizeof(decisions) / sizeof(decisions[0]); i++)
			if ((int)decisions[i].action == action)
				break;
		/* an action added since: from and to as good as any */
		if (i == sizeof(decisions) / sizeof(decisions[0]))
			ring[n++] = decision(action, POLICY_HEALTHY, POLICY_HEALTHY, 0, false);
		else
			ring[n++] = decision(action, decisions[i].from, decisions[i].to,
					     decisions[i].evidence, decisions[i].timed);
	}
	/* degraded mode's check made it: a cause without a client */
	if (n < size)
		ring[n++] = decision(POLICY_ACT_QUARANTINE, POLICY_HEALTHY, POLICY_QUARANTINED,
				     EVIDENCE_PROBE_FAILED, false);
	ev = evidence_fixture(EVIDENCE_STALL);
	if (n + 2 <= size) {
		ring[n++] = render_reset(&ev.flow, &ev.real, MS(1234), 0, "web", "bpf_sock_destroy",
					 MS(1500), MONO_TO_REAL);
		ring[n++] = render_reset(&ev.flow, &ev.real, 0, -ENOENT, "web", "inet_diag",
					 MS(1500), MONO_TO_REAL);
	}
	return n;
}

static void events_replies(void)
{
	struct json_object *ring[32] = { NULL };
	size_t n = events(ring, 32), i;

	for (i = 0; i < n; i++)
		emit("event", json_object_get(ring[i]));
	/* the ring from its middle on, its empty slots skipped */
	emit("reply-events", render_events(ring, 32, 5, false));
	emit("reply-events", render_events(ring, 32, 0, true));
	for (i = 0; i < n; i++)
		json_object_put(ring[i]);
	memset(ring, 0, sizeof(ring));
	emit("reply-events", render_events(ring, 32, 0, false));
}

static void targets(struct runtime *rt)
{
	struct runtime_service *web = &rt->services[0];
	struct policy_decision d;

	/* timed, then until released; applied or not yet */
	if (policy_quarantine(&web->policy, 1, MS(1000), MS(60000), &d) != 1 ||
	    policy_quarantine(&web->policy, 2, MS(1000), 0, &d) != 1) {
		fprintf(stderr, "control_samples: cannot quarantine\n");
		failed = 1;
		return;
	}
	web->applied[1] = 0;
	emit("reply-quarantine", render_target(web, 1, true, MS(2000)));
	emit("reply-quarantine", render_target(web, 2, true, MS(2000)));
	/* past its end, not yet ended by the policy */
	emit("reply-quarantine", render_target(web, 1, true, MS(90000)));
	if (policy_release(&web->policy, 2, MS(3000), &d) != 1) {
		fprintf(stderr, "control_samples: cannot release\n");
		failed = 1;
		return;
	}
	emit("reply-release", render_target(web, 2, true, MS(3000)));
	/* in rotation already */
	emit("reply-release", render_target(web, 0, false, MS(3000)));
}

int main(void)
{
	struct config_error err;
	struct config *c = NULL;
	struct runtime *rt = NULL;

	/* not check_parse.h's parse(): Check's asserts work inside a suite only */
	if (config_parse(CONFIG, strlen(CONFIG), "t.yaml", &c, &err) ||
	    runtime_new(c, NULL, 1, &rt)) {
		fprintf(stderr, "control_samples: cannot make the runtime from the fixture\n");
		return 1;
	}
	lists();
	statuses(rt);
	events_replies();
	targets(rt);
	/* the runtime as targets() left it: quarantined, ramping */
	runtime_lists(rt);
	emit("reply-reload", render_reload("/etc/vigil/vigil.yaml", rt->n_services));
	runtime_free(rt);
	config_free(c);
	return failed;
}
