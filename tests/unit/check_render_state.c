// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check_main.h"
#include "render-state.h"

#include "check_golden.h"
#include "fixture_render.h"
#include "fixture_services.h"

START_TEST(list_merges_runtime_and_kernel)
{
	struct config *c = parse(CONFIG);
	struct ipvs_info info = { .version = 0x010201, .conn_tab_size = 4096 };
	struct ipvs_timeouts timeouts = { .tcp = 900, .tcp_fin = 120, .udp = 300 };
	struct policy_decision d;
	struct runtime *rt = NULL;
	struct runtime_service *web;
	struct json_object *o;
	char *text;

	ck_assert_int_eq(runtime_new(c, NULL, 1, &rt), 0);
	web = &rt->services[0];
	ck_assert_int_eq(policy_quarantine(&web->policy, 2, MS(1000), MS(60000), &d), 1);
	web->applied[0] = 100;
	web->applied[1] = 200;
	web->applied[2] = 0;
	o = render_list_runtime(rt, kernel_table(), 0, &info, &timeouts, MS(2000));
	ck_assert_ptr_nonnull(o);

	ck_assert_str_eq(str(o, "ok"), "true");
	ck_assert_str_eq(str(o, "ipvs.version"), "1.2.1");
	ck_assert_int_eq(json_object_array_length(at(o, "services")), 4);
	ck_assert_str_eq(str(o, "services.0.name"), "web");
	ck_assert_str_eq(str(o, "services.0.vip"), "10.96.0.1:80");
	ck_assert_str_eq(str(o, "services.0.stats.conns"), "1001");
	/* configured, then what someone else added */
	ck_assert_int_eq(json_object_array_length(at(o, "services.0.destinations")), 4);
	ck_assert_str_eq(str(o, "services.0.destinations.0.state"), "healthy");
	ck_assert_str_eq(str(o, "services.0.destinations.0.active_conns"), "3");
	ck_assert_str_eq(str(o, "services.0.destinations.1.configured_weight"), "200");
	ck_assert_str_eq(str(o, "services.0.destinations.1.in_kernel"), "false");
	ck_assert_str_eq(str(o, "services.0.destinations.2.state"), "quarantined");
	ck_assert_str_eq(str(o, "services.0.destinations.2.manual"), "true");
	ck_assert_str_eq(str(o, "services.0.destinations.2.quarantines"), "1");
	ck_assert_str_eq(str(o, "services.0.destinations.2.effective_weight"), "0");
	ck_assert_str_eq(str(o, "services.0.destinations.2.remaining_ms"), "59000");
	ck_assert_str_eq(str(o, "services.0.destinations.3.address"), "10.100.9.9:8080");
	ck_assert_str_eq(str(o, "services.0.destinations.3.managed"), "false");
	ck_assert_str_eq(str(o, "services.0.destinations.3.forward"), "route");
	/* dns is not in the kernel (yet): its weights are unknown */
	ck_assert_str_eq(str(o, "services.1.vip"), "[fd00::53]:53");
	ck_assert_str_eq(str(o, "services.1.in_kernel"), "false");
	ck_assert_ptr_null(at(o, "services.1.destinations.0.effective_weight"));
	ck_assert_str_eq(str(o, "services.2.managed"), "false");
	ck_assert_str_eq(str(o, "services.2.persistent"), "300");
	ck_assert_str_eq(str(o, "services.3.fwmark"), "256");

	text = strdup(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	strcat(text = realloc(text, strlen(text) + 2), "\n");
	check_golden("list.json", text);
	free(text);
	json_object_put(o);
	/* no dump: the kernel's columns are empty, and the reply says why */
	o = render_list_runtime(rt, NULL, -EPERM, &info, &timeouts, MS(2000));
	ck_assert_str_eq(str(o, "kernel"), "false");
	ck_assert_str_eq(str(o, "kernel_error"), "Operation not permitted");
	ck_assert_str_eq(str(o, "services.0.in_kernel"), "false");
	json_object_put(o);
	runtime_free(rt);
	config_free(c);
}
END_TEST

static struct evidence evidence_fixture(void)
{
	struct evidence ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EVIDENCE_RETRANS;
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
	return ev;
}

START_TEST(evidence_carries_the_client)
{
	struct evidence ev = evidence_fixture();
	/* 2026-01-01T00:00:00Z in CLOCK_REALTIME, minus the monotonic 1.5 s */
	struct json_object *o =
	    render_evidence(&ev, "web", 1767225600000000000ll - MS(1500), MS(1502));

	ck_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			 "{\"event\":\"evidence\",\"time\":\"2026-01-01T00:00:00.000Z\","
			 "\"kind\":\"retrans\",\"service\":\"web\",\"real\":\"10.100.3.2:8080\","
			 "\"protocol\":\"tcp\",\"client\":\"10.1.1.1:40000\","
			 "\"vip\":\"10.96.0.1:80\",\"age_ms\":2.00}");
	json_object_put(o);
}
END_TEST

START_TEST(resets_name_the_socket_and_how_long_it_stalled)
{
	struct evidence ev = evidence_fixture();
	struct json_object *o;

	o = render_reset(&ev.flow, &ev.real, MS(1234) + 999, 0, "web", "bpf_sock_destroy", MS(1500),
			 1767225600000000000ll - MS(1500));
	ck_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			 "{\"event\":\"reset\",\"time\":\"2026-01-01T00:00:00.000Z\","
			 "\"service\":\"web\",\"real\":\"10.100.3.2:8080\","
			 "\"protocol\":\"tcp\",\"client\":\"10.1.1.1:40000\","
			 "\"vip\":\"10.96.0.1:80\",\"stalled_ms\":1234,"
			 "\"mechanism\":\"bpf_sock_destroy\"}");
	json_object_put(o);
	/* one that could not be reset says why */
	o = render_reset(&ev.flow, &ev.real, 0, -ENOENT, "web", "inet_diag", MS(1500), 0);
	ck_assert_str_eq(str(o, "error"), "ENOENT");
	ck_assert_str_eq(str(o, "mechanism"), "inet_diag");
	json_object_put(o);
}
END_TEST

START_TEST(decisions_say_why_and_for_how_long)
{
	struct evidence ev = evidence_fixture();
	struct policy_decision d = {
		.action = POLICY_ACT_QUARANTINE,
		.dest = 2,
		.at_ns = MS(1500),
		.from = POLICY_HEALTHY,
		.to = POLICY_QUARANTINED,
		.until_ns = MS(11500),
		.duration_ns = MS(10000),
		.relapses = 0,
		.evidence = EVIDENCE_RETRANS,
	};
	struct config_addr real = { .family = AF_INET, .port = 8080 };
	struct json_object *o;

	inet_pton(AF_INET, "10.100.3.2", real.addr);
	o = render_decision(&d, "web", &real, &ev, 1767225600000000000ll - MS(1500));
	ck_assert_str_eq(
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	    "{\"event\":\"decision\",\"time\":\"2026-01-01T00:00:00.000Z\","
	    "\"action\":\"quarantine\",\"service\":\"web\",\"real\":\"10.100.3.2:8080\","
	    "\"from\":\"healthy\",\"to\":\"quarantined\",\"for_ms\":10000,"
	    "\"relapses\":0,\"evidence\":\"retrans\",\"protocol\":\"tcp\","
	    "\"client\":\"10.1.1.1:40000\",\"vip\":\"10.96.0.1:80\"}");
	json_object_put(o);
	/* the operator's, until released: no cause, no end */
	d.action = POLICY_ACT_MANUAL_QUARANTINE;
	d.until_ns = POLICY_NEVER;
	d.evidence = 0;
	o = render_decision(&d, "web", &real, NULL, 0);
	ck_assert_ptr_null(at(o, "client"));
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string(o), "\"for_ms\": null"));
	json_object_put(o);
}
END_TEST

START_TEST(status_counts_and_probes)
{
	struct config *c = parse(CONFIG);
	struct runtime *rt = NULL;
	struct policy_decision d;
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
		.have_counters = true,
		.counters = { .events = 10, .ringbuf_drops = 2 },
		.evidence = 5,
		.decisions = 1,
		.reconcile_real_ns = 1767225660000000000ll,
		.reconcile_why = "periodic",
		.reconcile_ms = 1.25,
		.reconcile_ops = 3,
		.syn_rto = true,
		.hz = 250,
		.hz_source = "/boot/config-6.1.0-13-amd64",
	};
	struct degraded d_ok = { 0 };
	struct json_object *o, *v;
	char *text;

	ck_assert_int_eq(runtime_new(c, NULL, 1, &rt), 0);
	ck_assert_int_eq(policy_quarantine(&rt->services[0].policy, 1, MS(1), 0, &d), 1);
	rt->services[0].timing.syn_rto_ns = MS(300);
	st.rt = rt;
	o = render_status(&st);
	/* per TCP service; dns is UDP: no SYN */
	ck_assert_str_eq(str(o, "syn_rto.in_force"), "true");
	ck_assert_str_eq(str(o, "syn_rto.hz"), "250");
	ck_assert_str_eq(str(o, "syn_rto.hz_from"), "/boot/config-6.1.0-13-amd64");
	ck_assert_str_eq(str(o, "syn_rto.service_ms.web"), "300");
	ck_assert_ptr_null(at(o, "syn_rto.service_ms.dns"));
	ck_assert_ptr_null(at(o, "syn_rto.why"));
	ck_assert_str_eq(str(o, "kernel"), "6.1.0-13-amd64");
	ck_assert_str_eq(str(o, "metrics"), "127.0.0.1:9712");
	ck_assert_str_eq(str(o, "started"), "2026-01-01T00:00:00.000Z");
	ck_assert_str_eq(str(o, "uptime_s"), "61");
	ck_assert_str_eq(str(o, "ipvs_version"), "1.2.1");
	ck_assert_str_eq(str(o, "probes.attached"), "fentry/tcp_connect");
	ck_assert_str_eq(str(o, "probes.ringbuf_drops"), "2");
	ck_assert_str_eq(str(o, "detection.evidence"), "5");
	ck_assert_ptr_null(at(o, "detection.attempts"));
	ck_assert_str_eq(str(o, "last_reconcile.time"), "2026-01-01T00:01:00.000Z");
	ck_assert_str_eq(str(o, "last_reconcile.duration_ms"), "1.2");
	ck_assert_str_eq(str(o, "last_reconcile.ops"), "3");
	ck_assert_str_eq(str(o, "services.services"), "2");
	ck_assert_str_eq(str(o, "services.destinations"), "5");
	ck_assert_str_eq(str(o, "services.healthy"), "4");
	ck_assert_str_eq(str(o, "services.quarantined"), "1");
	ck_assert_str_eq(str(o, "services.manual"), "1");
	/* watching, but no mechanism chosen yet is said as none */
	ck_assert_str_eq(str(o, "resets.mechanism"), "none");
	json_object_put(o);
	st.reset_mechanism = "inet_diag";
	st.reset_why = "bpf_sock_destroy: the kernel has no such kfunc (6.5 and later)";
	st.resets = 2;
	st.reset_sweeps = 7;
	st.reset_targets = 1;
	o = render_status(&st);
	ck_assert_str_eq(str(o, "resets.mechanism"), "inet_diag");
	ck_assert_str_eq(str(o, "resets.why"),
			 "bpf_sock_destroy: the kernel has no such kfunc (6.5 and later)");
	ck_assert_str_eq(str(o, "resets.count"), "2");
	ck_assert_str_eq(str(o, "resets.failed"), "0");
	ck_assert_str_eq(str(o, "resets.sweeps"), "7");
	ck_assert_str_eq(str(o, "resets.targets"), "1");
	json_object_put(o);

	/* all of it, what works included, for vigilctl's words of it (check_format) */
	degraded_how(&d_ok.caps[DEGRADED_EVENTS], "kprobe/tcp_connect");
	degraded_why(&d_ok.caps[DEGRADED_EVENTS],
		     "fentry/tcp_connect: disabled by VIGIL_DISABLE_PROBES");
	d_ok.caps[DEGRADED_EVENTS].verified = true;
	degraded_how(&d_ok.caps[DEGRADED_CORRELATION], "fexit/ip_vs_conn_new");
	degraded_how(&d_ok.caps[DEGRADED_HEALTH], "sockops");
	st.degraded = &d_ok;
	st.have_detector = true;
	st.detector = (struct detector_stats){ .attempts = 3, .dests = 4, .dests_forgotten = 1 };
	o = render_status(&st);
	text = strdup(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	strcat(text = realloc(text, strlen(text) + 2), "\n");
	check_golden("status-watching.json", text);
	free(text);
	json_object_put(o);
	st.degraded = NULL;
	st.have_detector = false;
	st.reset_mechanism = NULL;
	/* not watching: no probe details at all */
	st.watching = false;
	st.have_counters = false;
	o = render_status(&st);
	ck_assert_ptr_null(at(o, "probes.attached"));
	ck_assert_ptr_null(at(o, "probes.events"));
	json_object_put(o);
	/* metrics off: null, not missing, so a test can tell the two apart */
	st.metrics = NULL;
	o = render_status(&st);
	ck_assert(json_object_object_get_ex(o, "metrics", &v) && v == NULL);
	json_object_put(o);
	runtime_free(rt);
	config_free(c);
}
END_TEST

/* What a kernel without BTF for ip_vs and without kprobes gives (see probes.c). */
static void no_ipvs_btf(struct degraded *d)
{
	memset(d, 0, sizeof(*d));
	d->caps[DEGRADED_EVENTS].state = DEGRADED_UNUSED;
	degraded_how(&d->caps[DEGRADED_EVENTS], "fentry/tcp_connect");
	degraded_how(&d->caps[DEGRADED_EVENTS], "tp_btf/inet_sock_set_state");
	d->caps[DEGRADED_CORRELATION].state = DEGRADED_MISSING;
	degraded_why(&d->caps[DEGRADED_CORRELATION],
		     "fexit/ip_vs_conn_new: no BTF for module ip_vs");
	degraded_why(&d->caps[DEGRADED_CORRELATION],
		     "kretprobe/ip_vs_conn_new: kprobes disabled (EOPNOTSUPP)");
	d->caps[DEGRADED_HEALTH].state = DEGRADED_MISSING;
	degraded_why(&d->caps[DEGRADED_HEALTH],
		     "sockops: needs the real destination, which is missing");
}

START_TEST(status_says_what_is_missing_and_what_instead)
{
	struct degraded d;
	struct render_status st = {
		.version = "0.1.0",
		.kernel = "6.1.0-13-amd64",
		.machine = "x86_64",
		.config_path = "/etc/vigil/vigil.yaml",
		.control_path = "/run/vigil/vigil.sock",
		.started_real_ns = 1767225600000000000ll,
		.uptime_ns = MS(61000),
		.degraded = &d,
		.fallback_ms = 2000,
		.fallback_dests = 5,
		.syn_rto_why = "kernel HZ unknown",
		.hz_source = "no /boot/config-6.1.0-13-amd64 nor readable /proc/config.gz",
	};
	struct json_object *o;
	char *text;

	no_ipvs_btf(&d);
	o = render_status(&st);
	ck_assert_str_eq(str(o, "degraded.active"), "true");
	ck_assert_str_eq(str(o, "degraded.connection_events.works"), "false");
	ck_assert_str_eq(str(o, "degraded.connection_events.state"), "unused");
	ck_assert_str_eq(str(o, "degraded.connection_events.attached"),
			 "fentry/tcp_connect tp_btf/inet_sock_set_state");
	ck_assert_str_eq(str(o, "degraded.real_destination.state"), "missing");
	ck_assert_str_eq(str(o, "degraded.real_destination.missing"),
			 "fexit/ip_vs_conn_new: no BTF for module ip_vs; "
			 "kretprobe/ip_vs_conn_new: kprobes disabled (EOPNOTSUPP)");
	ck_assert_str_eq(str(o, "degraded.real_destination.instead"),
			 "active TCP checks of 5 destinations every 2s");
	ck_assert_str_eq(str(o, "degraded.connection_events.instead"),
			 "active TCP checks of 5 destinations every 2s");
	ck_assert_str_eq(str(o, "degraded.health_metrics.instead"), "configured weights");
	ck_assert_ptr_null(at(o, "degraded.real_destination.attached"));
	text = strdup(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	strcat(text = realloc(text, strlen(text) + 2), "\n");
	check_golden("status-degraded.json", text);
	free(text);
	json_object_put(o);

	/* no service a TCP connect can check: say that nothing replaces detection */
	st.fallback_dests = 0;
	o = render_status(&st);
	ck_assert_ptr_nonnull(strstr(str(o, "degraded.real_destination.instead"), "nothing"));
	json_object_put(o);
	/* no degraded section when the caller has none */
	st.degraded = NULL;
	o = render_status(&st);
	ck_assert_ptr_null(at(o, "degraded"));
	json_object_put(o);
}
END_TEST

START_TEST(status_reports_fallbacks_that_work_without_degrading)
{
	struct degraded d = { 0 };
	struct render_status st = {
		.version = "0.1.0",
		.kernel = "7.2.0-1-amd64",
		.machine = "x86_64",
		.config_path = "/etc/vigil/vigil.yaml",
		.control_path = "/run/vigil/vigil.sock",
		.watching = true,
		.attached = "kprobe/tcp_connect fexit/ip_vs_conn_new",
		.degraded = &d,
	};
	struct json_object *o;

	degraded_how(&d.caps[DEGRADED_EVENTS], "kprobe/tcp_connect");
	degraded_why(&d.caps[DEGRADED_EVENTS],
		     "fentry/tcp_connect: disabled by VIGIL_DISABLE_PROBES");
	degraded_how(&d.caps[DEGRADED_CORRELATION], "fexit/ip_vs_conn_new");
	d.caps[DEGRADED_HEALTH].state = DEGRADED_OFF;
	ck_assert(degraded_watching(&d));
	o = render_status(&st);
	ck_assert_str_eq(str(o, "degraded.active"), "false");
	ck_assert_str_eq(str(o, "degraded.connection_events.works"), "true");
	ck_assert_str_eq(str(o, "degraded.connection_events.attached"), "kprobe/tcp_connect");
	ck_assert_str_eq(str(o, "degraded.connection_events.fell_back"),
			 "fentry/tcp_connect: disabled by VIGIL_DISABLE_PROBES");
	ck_assert_ptr_null(at(o, "degraded.connection_events.instead"));
	ck_assert_ptr_null(at(o, "degraded.connection_events.missing"));
	ck_assert_str_eq(str(o, "degraded.health_metrics.state"), "off");
	ck_assert_ptr_null(at(o, "degraded.health_metrics.instead"));
	json_object_put(o);

	/* only sockops missing: detection unaffected, configured weights */
	d.caps[DEGRADED_HEALTH].state = DEGRADED_MISSING;
	degraded_why(&d.caps[DEGRADED_HEALTH], "sockops: no cgroup v2");
	ck_assert(degraded_watching(&d));
	o = render_status(&st);
	ck_assert_str_eq(str(o, "degraded.active"), "true");
	ck_assert_str_eq(str(o, "degraded.health_metrics.works"), "false");
	ck_assert_str_eq(str(o, "degraded.health_metrics.missing"), "sockops: no cgroup v2");
	ck_assert_str_eq(str(o, "degraded.health_metrics.instead"), "configured weights");
	json_object_put(o);
}
END_TEST

START_TEST(degraded_summary_is_one_line)
{
	struct degraded d;
	char text[2048];

	no_ipvs_btf(&d);
	ck_assert(!degraded_watching(&d));
	degraded_summary(&d, true, 2000, 1, 0, text, sizeof(text));
	ck_assert_str_eq(
	    text, "connection events unused (fentry/tcp_connect tp_btf/inet_sock_set_state "
		  "attached), instead active TCP checks of 1 destination every 2s; "
		  "real destination missing (fexit/ip_vs_conn_new: no BTF for module ip_vs; "
		  "kretprobe/ip_vs_conn_new: kprobes disabled (EOPNOTSUPP)), instead active "
		  "TCP checks of 1 destination every 2s; health metrics missing (sockops: "
		  "needs the real destination, which is missing), instead configured weights");
	ck_assert_ptr_null(strchr(text, '\n'));
	/* UDP services are checked by udpcheck: the words say which kind */
	ck_assert_str_eq(degraded_instead(&d, DEGRADED_CORRELATION, 2000, 3, 3, text, sizeof(text)),
			 "active UDP checks of 3 destinations every 2s");
	ck_assert_str_eq(degraded_instead(&d, DEGRADED_CORRELATION, 2000, 3, 1, text, sizeof(text)),
			 "active TCP and UDP checks of 3 destinations every 2s");
	ck_assert_str_eq(degraded_instead(&d, DEGRADED_CORRELATION, 2000, 0, 0, text, sizeof(text)),
			 "nothing: no service can be checked (UDP services need probation.probe "
			 "dns, udp or tcp)");
	/* nothing could load at all: the one cause for each */
	degraded_all_missing(&d, "the kernel has no BTF");
	degraded_summary(&d, false, 0, 0, 0, text, sizeof(text));
	ck_assert_str_eq(text,
			 "connection events missing (the kernel has no BTF); real destination "
			 "missing (the kernel has no BTF); health metrics missing (the kernel "
			 "has no BTF)");
	/* a buffer too small is cut, not overrun */
	degraded_summary(&d, false, 0, 0, 0, text, 16);
	ck_assert_uint_eq(strlen(text), 15);
}
END_TEST

/* Attached but found silent (selfcheck.h): said in status, with what replaces it. */
START_TEST(status_says_what_is_silent)
{
	struct degraded d;
	struct render_status st = {
		.version = "0.1.0",
		.kernel = "7.2.13+deb14-amd64",
		.machine = "x86_64",
		.config_path = "/etc/vigil/vigil.yaml",
		.control_path = "/run/vigil/vigil.sock",
		.degraded = &d,
		.fallback_ms = 500,
		.fallback_dests = 3,
	};
	struct json_object *o;
	char text[2048];

	memset(&d, 0, sizeof(d));
	snprintf(d.caps[DEGRADED_EVENTS].how, sizeof(d.caps[0].how), "tp_btf/inet_sock_set_state");
	d.caps[DEGRADED_EVENTS].verified = true;
	d.caps[DEGRADED_EVENTS].state = DEGRADED_UNUSED;
	snprintf(d.caps[DEGRADED_CORRELATION].how, sizeof(d.caps[0].how),
		 "kretprobe/ip_vs_conn_new");
	snprintf(d.caps[DEGRADED_CORRELATION].why, sizeof(d.caps[0].why),
		 "fexit/ip_vs_conn_new: not supported by this kernel (ENOTSUPP)");
	d.caps[DEGRADED_CORRELATION].state = DEGRADED_SILENT;
	snprintf(d.caps[DEGRADED_CORRELATION].silent, sizeof(d.caps[0].silent),
		 "3 connections to VIPs had no pick from ip_vs_conn_new within 500 ms");
	d.caps[DEGRADED_HEALTH].state = DEGRADED_OFF;
	o = render_status(&st);
	ck_assert_str_eq(str(o, "degraded.active"), "true");
	ck_assert_str_eq(str(o, "degraded.real_destination.state"), "silent");
	ck_assert_str_eq(str(o, "degraded.real_destination.works"), "false");
	ck_assert_str_eq(str(o, "degraded.real_destination.verified"), "false");
	ck_assert_str_eq(str(o, "degraded.real_destination.silent"),
			 "3 connections to VIPs had no pick from ip_vs_conn_new within 500 ms");
	/* the fallback it attached through is still said as such */
	ck_assert_str_eq(str(o, "degraded.real_destination.fell_back"),
			 "fexit/ip_vs_conn_new: not supported by this kernel (ENOTSUPP)");
	ck_assert_str_eq(str(o, "degraded.real_destination.instead"),
			 "active TCP checks of 3 destinations every 500ms");
	ck_assert_str_eq(str(o, "degraded.connection_events.verified"), "true");
	json_object_put(o);
	ck_assert(!degraded_watching(&d));
	degraded_summary(&d, true, 500, 3, 0, text, sizeof(text));
	ck_assert_str_eq(text,
			 "connection events unused (tp_btf/inet_sock_set_state attached), "
			 "instead active TCP checks of 3 destinations every 500ms; real "
			 "destination silent (kretprobe/ip_vs_conn_new attached, but 3 "
			 "connections to VIPs had no pick from ip_vs_conn_new within 500 ms), "
			 "instead active TCP checks of 3 destinations every 500ms");
}
END_TEST

/* The replies commands.c sends as they are: quarantine and release, events, reload. */
START_TEST(replies_to_requests)
{
	struct config *c = parse(CONFIG);
	struct json_object *ring[4] = { NULL }, *o;
	struct runtime *rt = NULL;
	struct policy_decision d;
	struct runtime_service *web;

	ck_assert_int_eq(runtime_new(c, NULL, 1, &rt), 0);
	web = &rt->services[0];
	ck_assert_int_eq(policy_quarantine(&web->policy, 1, MS(1000), MS(60000), &d), 1);
	ck_assert_int_eq(policy_quarantine(&web->policy, 2, MS(1000), 0, &d), 1);
	web->applied[1] = 0;
	o = render_target(web, 1, true, MS(2000));
	ck_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			 "{\"ok\":true,\"service\":\"web\",\"dest\":\"10.100.2.2:8080\","
			 "\"changed\":true,\"state\":\"quarantined\",\"for_ms\":59000,"
			 "\"applied\":true}");
	json_object_put(o);
	/* until released: null; not programmed yet: applied false */
	o = render_target(web, 2, true, MS(2000));
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string(o), "\"for_ms\": null"));
	ck_assert_str_eq(str(o, "applied"), "false");
	json_object_put(o);
	/* in rotation: no for_ms */
	o = render_target(web, 0, false, MS(2000));
	ck_assert_str_eq(str(o, "state"), "healthy");
	ck_assert_str_eq(str(o, "changed"), "false");
	ck_assert_ptr_null(at(o, "for_ms"));
	json_object_put(o);

	/* oldest first from FIRST, wrapping; empty slots skipped */
	ring[1] = json_object_new_string("b");
	ring[3] = json_object_new_string("a");
	o = render_events(ring, 4, 2, true);
	ck_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			 "{\"ok\":true,\"follow\":true,\"events\":[\"a\",\"b\"]}");
	json_object_put(o);
	/* the ring keeps its own */
	ck_assert_str_eq(json_object_get_string(ring[3]), "a");
	json_object_put(ring[1]);
	json_object_put(ring[3]);

	o = render_reload("/etc/vigil/vigil.yaml", rt->n_services);
	ck_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE),
			 "{\"ok\":true,\"config\":\"/etc/vigil/vigil.yaml\",\"services\":2}");
	json_object_put(o);
	runtime_free(rt);
	config_free(c);
}
END_TEST

static Suite *render_state_suite(void)
{
	Suite *s = suite_create("render_state");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, list_merges_runtime_and_kernel);
	tcase_add_test(tc, evidence_carries_the_client);
	tcase_add_test(tc, decisions_say_why_and_for_how_long);
	tcase_add_test(tc, resets_name_the_socket_and_how_long_it_stalled);
	tcase_add_test(tc, status_counts_and_probes);
	tcase_add_test(tc, status_says_what_is_missing_and_what_instead);
	tcase_add_test(tc, status_reports_fallbacks_that_work_without_degrading);
	tcase_add_test(tc, degraded_summary_is_one_line);
	tcase_add_test(tc, status_says_what_is_silent);
	tcase_add_test(tc, replies_to_requests);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(render_state_suite(), CK_NORMAL);
}
