// SPDX-License-Identifier: GPL-2.0-only
/*
 * UDP services against the real kernel (issue 13): resolvers behind a UDP
 * VIP, a stub-resolver client (1 s per try, 3 tries, as glibc), and a
 * resolver that goes silent, refuses, comes back, or is the one a pinned
 * client's source port is stuck to. vigild must find a silent resolver from
 * the clients' own queries (a datagram and no reply: evidence no-reply),
 * probe only the destination it suspects (a DNS query for
 * probation.dns_name, counted by the lab's resolvers), and leave one-way
 * services (udp.expect_reply false) alone. What vigild decided is read from
 * `vigilctl list --json` and `vigilctl events --json`.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_main.h"
#include "dnsclient.h"
#include "vmtest.h"

#define CONFIG     "/tmp/vigil-udp.yaml"
#define STATE_DIR  "/tmp/vigil-udp-state"
#define PROBE_NAME "vigil-probe.example."
#define VIP        "10.96.0.53:53"
#define D1         "10.100.1.2:53"
#define D2         "10.100.2.2:53"
#define D3         "10.100.3.2:53"
#define VIP6       "[fd00:96::53]:53"
#define D1_6       "[fd00:100:1::2]:53"
#define D2_6       "[fd00:100:2::2]:53"
#define D3_6       "[fd00:100:3::2]:53"
#define SYSLOG_VIP "10.96.0.54:514"

#define CONFIG_HEAD                                                                                \
	"agent:\n"                                                                                 \
	"  state_dir: " STATE_DIR "\n"                                                             \
	"defaults:\n"                                                                              \
	"  scheduler: rr\n"                                                                        \
	"  health: { enabled: false }\n"                                                           \
	"  quarantine: { base: 3s, max: 30s, multiplier: 2, jitter: 0% }\n"

/* Quick probes, with the keys vigild has today. */
#define PROBATION "  probation: { interval: 500ms, timeout: 500ms, warmup: 2s }\n"
/*
 * The probe left to auto (dns on port 53), asking for a name of its own so
 * that the resolvers can count vigild's probes apart from the clients'.
 */
#define PROBATION_AUTO                                                                             \
	"  probation: { dns_name: \"" PROBE_NAME "\", interval: 500ms, timeout: 500ms, "           \
	"warmup: 2s }\n"
#define PROBATION_DNS                                                                              \
	"  probation: { probe: dns, dns_name: \"" PROBE_NAME "\", interval: 500ms, "               \
	"timeout: 500ms, warmup: 2s }\n"

#define DNS_SERVICE                                                                                \
	"  - name: dns\n"                                                                          \
	"    vip: " VIP "\n"                                                                       \
	"    protocol: udp\n"                                                                      \
	"    destinations: [" D1 ", " D2 ", " D3 "]\n"
#define DNS6_SERVICE                                                                               \
	"  - name: dns6\n"                                                                         \
	"    vip: \"" VIP6 "\"\n"                                                                  \
	"    protocol: udp\n"                                                                      \
	"    destinations: [\"" D1_6 "\", \"" D2_6 "\", \"" D3_6 "\"]\n"
/* syslog: datagrams out, never a reply; a silent destination is what it looks like */
#define SYSLOG_SERVICE                                                                             \
	"  - name: syslog\n"                                                                       \
	"    vip: " SYSLOG_VIP "\n"                                                                \
	"    protocol: udp\n"                                                                      \
	"    udp: { expect_reply: false }\n"                                                       \
	"    destinations: [10.100.1.2:514, 10.100.2.2:514, 10.100.3.2:514]\n"

/* Three resolvers, each with an IPv4 and an IPv6 address, made once. */
static void lab_up(void)
{
	int i;

	vt_must("%s clean", vt_lab());
	for (i = 1; i <= 3; i++)
		vt_must("%s dest d%d --v4 10.100.%d.2 --v6 fd00:100:%d::2 --dns >/dev/null 2>&1",
			vt_lab(), i, i, i);
}

static void lab_down(void)
{
	vt_sh("ipvsadm -C; ip link del vigil0 2>/dev/null; %s clean", vt_lab());
}

static void fresh(void)
{
	vt_must("ipvsadm -C && rm -rf %s && { ip link del vigil0 2>/dev/null; true; }", STATE_DIR);
	vt_must("for d in d1 d2 d3; do %s live $d && %s clear-queries $d; done", vt_lab(),
		vt_lab());
}

/* vigild on CONFIG_HEAD plus PROBATION (lines of `defaults:`) plus SERVICES. */
static void start(struct vt_agent *a, const char *probation, const char *services)
{
	vt_write(CONFIG, "%s%sservices:\n%s", CONFIG_HEAD, probation, services);
	ck_assert_msg(vt_agent_start(a, CONFIG) == 0, "vigild did not start:\n%s", vt_agent_log(a));
	ck_assert_msg(vt_agent_wait(a, "watching attached=", 1, 60000),
		      "vigild does not watch:\n%s", vt_agent_log(a));
}

/* The queries lab dest DEST (d1, d2, d3) received: for QNAME, or all (QNAME ""). */
static unsigned int queries_at(const char *dest, const char *qname)
{
	char *out = vt_output("%s queries %s %s", vt_lab(), dest, qname);
	unsigned int n = out ? strtoul(out, NULL, 10) : 0;

	ck_assert_msg(out != NULL, "lab queries %s failed", dest);
	free(out);
	return n;
}

static unsigned int probes_at(const char *dest)
{
	return queries_at(dest, PROBE_NAME);
}

/* n queries to SERVER in MODE (from PORT when pinned), printed under LABEL. */
static struct vt_dns_summary resolve(const char *server, enum vt_dns_mode mode, unsigned int port,
				     unsigned int n, const char *label,
				     struct vt_dns_query *ret_queries)
{
	struct vt_dns_client c = { .server = server, .mode = mode, .port = port };
	struct vt_dns_summary s;

	ck_assert_int_eq(vt_dns_run(&c, n, ret_queries, &s), 0);
	vt_dns_print(stderr, label, &s);
	return s;
}

/* Before a failure, clients were using the service: the resolvers show their reply times. */
static void warm_up(const char *server)
{
	struct vt_dns_summary s = resolve(server, VT_DNS_FRESH, 0, 6, "warm-up", NULL);

	ck_assert_uint_eq(s.answered, 6);
}

/* Quarantined: a suspect whose probes confirmed it. */
static bool wait_quarantined(const char *service, const char *real, int timeout_ms)
{
	return vt_wait_dest_state(service, real, "quarantined", timeout_ms);
}

/* Back in rotation: ramping up (or already healthy). */
static bool wait_released(const char *service, const char *real, int timeout_ms)
{
	uint64_t deadline = vt_now_ns() + timeout_ms * 1000000ull;
	char state[32];

	do {
		vt_dest_state(service, real, state, sizeof(state));
		if (!strcmp(state, "ramping") || !strcmp(state, "healthy"))
			return true;
		usleep(100000);
	} while (vt_now_ns() < deadline);
	return false;
}

/* KEY of O as text: "" when absent, so that a missing field fails an assertion, not the test. */
static const char *field(json_object *o, const char *key)
{
	const char *v = vt_str(o, key);

	return v ? v : "";
}

static unsigned int evidence(const char *service, const char *real, const char *kind)
{
	return vt_count_events("evidence", service, real, "kind", kind);
}

/*
 * One resolver of three goes silent: the client whose query meets it waits
 * for its retry (1 s), which IPVS sends elsewhere once vigild has removed
 * the destination (quarantine action auto: remove for UDP, so the client's
 * connection entry expires at its next packet); the other clients never
 * meet it. The healthy resolvers get no probe.
 */
START_TEST(silent_resolver_is_found_from_the_clients_queries)
{
	struct vt_dns_summary s;
	struct vt_agent a;
	char state[32];

	start(&a, PROBATION_AUTO, DNS_SERVICE);
	warm_up(VIP);
	vt_must("%s silent d2", vt_lab());
	s = resolve(VIP, VT_DNS_FRESH, 0, 60, "silent d2, 60 fresh queries", NULL);
	fprintf(stderr, "probes: d1 %u, d2 %u, d3 %u; d2 is %s\n", probes_at("d1"), probes_at("d2"),
		probes_at("d3"), vt_dest_state("dns", D2, state, sizeof(state)));
	ck_assert_msg(wait_quarantined("dns", D2, 5000), "d2 is %s, not quarantined:\n%s",
		      vt_dest_state("dns", D2, state, sizeof(state)), vt_agent_log(&a));
	ck_assert_msg(evidence("dns", D2, "no-reply") >= 1, "no no-reply evidence against d2:\n%s",
		      vt_agent_log(&a));
	ck_assert_uint_le(s.first_try_timeouts, 3);
	ck_assert_uint_eq(s.answered, 60);
	ck_assert_uint_eq(probes_at("d1"), 0);
	ck_assert_uint_eq(probes_at("d3"), 0);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/*
 * A resolver whose port is closed answers with ICMP port unreachable, which
 * the client's connected socket reports: evidence udp-error, ECONNREFUSED,
 * and out at once. Works with what vigild has today.
 */
START_TEST(refusing_resolver_is_quarantined)
{
	struct vt_dns_summary s;
	struct vt_agent a;
	char state[32];
	int w;

	/* out for the whole test: without a UDP probe, a quarantine's end releases it */
	start(&a, PROBATION, DNS_SERVICE "    quarantine: { base: 60s, max: 60s }\n");
	warm_up(VIP);
	vt_must("%s refuse d3", vt_lab());
	/* a refused try is retried at once from a new socket, as glibc does */
	s = resolve(VIP, VT_DNS_FRESH, 0, 6, "d3 refusing, 6 fresh queries", NULL);
	ck_assert_uint_eq(s.answered, 6);
	ck_assert_msg(wait_quarantined("dns", D3, 5000), "d3 is %s, not quarantined:\n%s",
		      vt_dest_state("dns", D3, state, sizeof(state)), vt_agent_log(&a));
	ck_assert_msg(vt_count_events("evidence", "dns", D3, "error", "ECONNREFUSED") >= 1,
		      "no ECONNREFUSED evidence against d3:\n%s", vt_agent_log(&a));
	ck_assert_uint_ge(evidence("dns", D3, "udp-error"), 1);
	/* out of rotation: weight 0, or removed (-1) */
	w = vt_ipvs_udp_weight(VIP, D3);
	ck_assert_msg(w <= 0, "d3 has weight %d in IPVS", w);
	ck_assert_int_gt(vt_ipvs_udp_weight(VIP, D1), 0);
	s = resolve(VIP, VT_DNS_FRESH, 0, 9, "d3 out, 9 fresh queries", NULL);
	ck_assert_uint_eq(s.answered, 9);
	ck_assert_msg(s.first_try_failed == 0, "%u queries met d3 while it was out:\n%s",
		      s.first_try_failed, vt_agent_log(&a));
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/*
 * A silent resolver quarantined, then live again: the DNS probe (a query
 * for probation.dns_name, to it alone) passes and releases it, and it serves
 * the clients again.
 */
START_TEST(recovered_resolver_is_released_after_a_dns_probe)
{
	unsigned int probes, all;
	struct vt_dns_summary s;
	struct vt_agent a;
	char state[32];

	start(&a, PROBATION_DNS, DNS_SERVICE);
	warm_up(VIP);
	vt_must("%s silent d2", vt_lab());
	resolve(VIP, VT_DNS_FRESH, 0, 12, "silent d2, 12 fresh queries", NULL);
	ck_assert_msg(wait_quarantined("dns", D2, 5000), "d2 is %s, not quarantined:\n%s",
		      vt_dest_state("dns", D2, state, sizeof(state)), vt_agent_log(&a));
	vt_must("%s clear-queries d2 && %s live d2", vt_lab(), vt_lab());
	ck_assert_msg(wait_released("dns", D2, 15000), "d2 is still %s:\n%s",
		      vt_dest_state("dns", D2, state, sizeof(state)), vt_agent_log(&a));
	probes = probes_at("d2");
	fprintf(stderr, "d2 live again: released after %u probe queries\n", probes);
	ck_assert_uint_ge(probes, 1);
	ck_assert_uint_eq(probes_at("d1"), 0);
	ck_assert_uint_eq(probes_at("d3"), 0);
	ck_assert_int_gt(vt_ipvs_udp_weight(VIP, D2), 0);
	/* rr over three: d2 gets its share of the clients again */
	s = resolve(VIP, VT_DNS_FRESH, 0, 9, "d2 back, 9 fresh queries", NULL);
	ck_assert_uint_eq(s.answered, 9);
	ck_assert_uint_eq(s.first_try_failed, 0);
	all = queries_at("d2", "");
	fprintf(stderr, "d2 answered %u client queries\n", all - probes_at("d2"));
	ck_assert_uint_ge(all - probes_at("d2"), 1);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/*
 * One datagram to SERVER, from a new socket: connected (send) or not (sendto).
 * Returns the socket, still open: the caller closes it.
 */
static int send_one(const char *server, bool connected, unsigned int i)
{
	struct sockaddr_storage ss;
	char msg[64];
	socklen_t len;
	int fd, n;

	ck_assert_int_eq(vt_sockaddr(server, &ss, &len), 0);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	n = snprintf(msg, sizeof(msg), "<13>vm_udp: one-way datagram %u", i);
	if (connected) {
		ck_assert_int_eq(connect(fd, (struct sockaddr *)&ss, len), 0);
		ck_assert_int_eq(send(fd, msg, n, 0), n);
	} else {
		ck_assert_int_eq(sendto(fd, msg, n, 0, (struct sockaddr *)&ss, len), n);
	}
	/* kept open a while, as a logger's socket is: its silence is its nature */
	usleep(100000);
	return fd;
}

/*
 * A one-way service (syslog, udp.expect_reply false) never gets replies:
 * its destinations are never judged by that, however long they stay silent.
 */
START_TEST(one_way_service_is_left_alone)
{
	static const char *const reals[] = { "10.100.1.2:514", "10.100.2.2:514", "10.100.3.2:514" };
	struct vt_agent a;
	json_object *l, *d;
	unsigned int i;
	int fds[40];
	char *out;
	int conns;

	start(&a, PROBATION, SYSLOG_SERVICE);
	/* sinks: what they receive goes unanswered, not even by ICMP */
	vt_must("for d in d1 d2 d3; do %s silent $d; done", vt_lab());
	/*
	 * All 40 sockets stay open until IPVS's count is read: a closed socket's
	 * ephemeral port can be handed to the next one, and two datagrams from one
	 * port share one IPVS connection entry (seen on sid, about 3% of runs).
	 */
	for (i = 0; i < 40; i++)
		fds[i] = send_one(SYSLOG_VIP, i % 4 != 3, i);
	sleep(2); /* well past any reply timeout (at most 500 ms) and a probe */
	/* they went through IPVS: a connection entry each (each socket has its own port) */
	out = vt_output("ipvsadm -Ln -u %s --stats | awk '$1 == \"UDP\" { print $3 }'", SYSLOG_VIP);
	conns = out ? atoi(out) : 0;
	free(out);
	for (i = 0; i < 40; i++)
		close(fds[i]);
	ck_assert_msg(conns >= 40, "only %d of 40 datagrams went through the VIP", conns);
	l = vt_vigilctl_json("list");
	for (i = 0; i < 3; i++) {
		d = vt_list_dest(l, "syslog", reals[i]);
		ck_assert_msg(d != NULL, "no destination %s in syslog", reals[i]);
		fprintf(stderr, "syslog %s: %s, %s suspicions, %s quarantines\n", reals[i],
			field(d, "state"), field(d, "suspicions"), field(d, "quarantines"));
		ck_assert_str_eq(field(d, "state"), "healthy");
		ck_assert_str_eq(field(d, "suspicions"), "0");
		ck_assert_str_eq(field(d, "quarantines"), "0");
		ck_assert_uint_eq(vt_count_events("evidence", "syslog", reals[i], NULL, NULL), 0);
		ck_assert_int_gt(vt_ipvs_udp_weight(SYSLOG_VIP, reals[i]), 0);
	}
	json_object_put(l);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/* The first test's scene over IPv6: a silent IPv6 resolver, found the same way. */
START_TEST(silent_ipv6_resolver_is_found)
{
	struct vt_dns_summary s;
	struct vt_agent a;
	char state[32];

	start(&a, PROBATION_DNS, DNS6_SERVICE);
	warm_up(VIP6);
	vt_must("%s silent d2", vt_lab());
	s = resolve(VIP6, VT_DNS_FRESH, 0, 30, "silent d2, 30 fresh IPv6 queries", NULL);
	ck_assert_msg(wait_quarantined("dns6", D2_6, 5000), "d2 is %s, not quarantined:\n%s",
		      vt_dest_state("dns6", D2_6, state, sizeof(state)), vt_agent_log(&a));
	ck_assert_msg(evidence("dns6", D2_6, "no-reply") >= 1,
		      "no no-reply evidence against d2:\n%s", vt_agent_log(&a));
	ck_assert_uint_le(s.first_try_timeouts, 3);
	ck_assert_uint_eq(s.answered, 30);
	ck_assert_uint_eq(probes_at("d1"), 0);
	ck_assert_uint_eq(probes_at("d3"), 0);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/*
 * A client that sends every query from one source port is held by IPVS on
 * one destination as long as its UDP connection entry lives (5 min, renewed
 * by each packet): weight 0 would leave it there. Once vigild removes the
 * silent destination, the client's next packet expires the entry
 * (expire_nodest_conn) and goes elsewhere: within a few queries, its first
 * tries are answered again.
 */
START_TEST(pinned_client_moves_after_quarantine)
{
	static const char *const names[] = { "d1", "d2", "d3" };
	static const char *const reals[] = { D1, D2, D3 };
	/* a port of its own each run: IPVS's entries outlive a flush of the services */
	unsigned int port = 20000 + getpid() % 20000, i, pinned = 3;
	struct vt_dns_query q[10];
	struct vt_dns_summary s;
	struct vt_agent a;
	char state[32];

	start(&a, PROBATION_DNS, DNS_SERVICE);
	warm_up(VIP);
	vt_must("for d in d1 d2 d3; do %s clear-queries $d; done", vt_lab());
	s = resolve(VIP, VT_DNS_PINNED, port, 3, "pinned, 3 queries", NULL);
	ck_assert_uint_eq(s.answered, 3);
	for (i = 0; i < 3; i++)
		if (queries_at(names[i], "") == 3)
			pinned = i;
	ck_assert_msg(pinned < 3, "the pinned client's queries were spread over the resolvers");
	fprintf(stderr, "source port %u is pinned to %s\n", port, names[pinned]);
	vt_must("%s silent %s", vt_lab(), names[pinned]);
	s = resolve(VIP, VT_DNS_PINNED, port, 10, "pinned, its resolver silent, 10 queries", q);
	for (i = 0; i < 10; i++)
		fprintf(stderr, "  query %u: %s after %u tries, %.1f ms\n", i + 1,
			q[i].answered ? "answered" : "NO ANSWER", q[i].tries, q[i].ms);
	ck_assert_msg(wait_quarantined("dns", reals[pinned], 5000),
		      "%s is %s, not quarantined:\n%s", names[pinned],
		      vt_dest_state("dns", reals[pinned], state, sizeof(state)), vt_agent_log(&a));
	ck_assert_uint_eq(s.answered, 10);
	for (i = 2; i < 10; i++)
		ck_assert_msg(q[i].tries == 1, "query %u of the pinned client took %u tries", i + 1,
			      q[i].tries);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vm_udp");
	TCase *tc = tcase_create("udp");

	tcase_add_unchecked_fixture(tc, lab_up, lab_down);
	tcase_add_checked_fixture(tc, fresh, NULL);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, silent_resolver_is_found_from_the_clients_queries);
	tcase_add_test(tc, refusing_resolver_is_quarantined);
	tcase_add_test(tc, recovered_resolver_is_released_after_a_dns_probe);
	tcase_add_test(tc, one_way_service_is_left_alone);
	tcase_add_test(tc, silent_ipv6_resolver_is_found);
	tcase_add_test(tc, pinned_client_moves_after_quarantine);
	suite_add_tcase(s, tc);
	return check_main(s, CK_VERBOSE);
}
