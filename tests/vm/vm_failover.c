// SPDX-License-Identifier: GPL-2.0-only
/*
 * Quarantine and health weighting against the real kernel: vigild watches
 * clients connecting through a VIP to lab destinations that go silent,
 * refuse, come back, flap or slow down, and must keep every client served.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "vmtest.h"

#define CONFIG    "/tmp/vigil-failover.yaml"
#define STATE_DIR "/tmp/vigil-failover-state"
#define VIP       "10.96.0.10:80"
#define D1        "10.100.1.2:8080"
#define D2        "10.100.2.2:8080"
#define D3        "10.100.3.2:8080"

#define CONFIG_HEAD                                                                                \
	"agent:\n"                                                                                 \
	"  state_dir: " STATE_DIR "\n"                                                             \
	"defaults:\n"                                                                              \
	"  scheduler: rr\n"

/* Quick to quarantine and to come back, so that tests take seconds. */
#define QUICK                                                                                      \
	"  quarantine: { base: 3s, max: 30s, multiplier: 2, jitter: 0% }\n"                        \
	"  probation: { interval: 500ms, timeout: 500ms, warmup: 2s }\n"
#define NO_HEALTH "  health: { enabled: false }\n"

#define WEB_SERVICE                                                                                \
	"  - name: web\n"                                                                          \
	"    vip: " VIP "\n"                                                                       \
	"    destinations: [" D1 ", " D2 ", " D3 "]\n"

static void fresh(void)
{
	vt_lab_three_fresh(STATE_DIR);
}

/* vigild on CONFIG_HEAD plus DEFAULTS (lines of `defaults:`) plus SERVICES. */
static void start(struct vt_agent *a, const char *defaults, const char *services)
{
	vt_write(CONFIG,
		 CONFIG_HEAD "%s"
			     "services:\n%s",
		 defaults, services);
	ck_assert_int_eq(vt_agent_start(a, CONFIG), 0);
	ck_assert_msg(vt_agent_wait(a, "watching attached=", 1, 60000),
		      "vigild does not watch:\n%s", vt_agent_log(a));
}

/* Waits up to timeout_ms for the weight of REAL to satisfy ok(weight). */
static bool wait_weight(const char *real, bool (*ok)(int w), int timeout_ms)
{
	uint64_t deadline = vt_now_ns() + timeout_ms * 1000000ull;

	while (vt_now_ns() < deadline) {
		if (ok(vt_ipvs_weight(VIP, real)))
			return true;
		usleep(50000);
	}
	return ok(vt_ipvs_weight(VIP, real));
}

static bool is_zero(int w)
{
	return w == 0;
}

static bool is_full(int w)
{
	return w == 100;
}

/* n sequential connections through the VIP, each capped at cap_ms. */
static struct vt_clients connect_n(unsigned int n, int cap_ms)
{
	return vt_connect_n(VIP, n, cap_ms, NULL);
}

START_TEST(silent_destination_every_client_connects)
{
	struct vt_agent a;
	struct vt_clients c;

	start(&a, QUICK NO_HEALTH, WEB_SERVICE);
	c = connect_n(6, 5000); /* the destinations show their RTTs */
	ck_assert_uint_eq(c.ok, 6);
	vt_must("%s silent d2", vt_lab());
	c = connect_n(30, 10000);
	fprintf(stderr, "silent d2: %u of 30 connected, %u failed, slowest %.3f s, all %.2f s\n",
		c.ok, c.failed, c.max_s, c.total_s);
	ck_assert_uint_eq(c.ok, 30);
	/* the one that met d2 waited for its first SYN retransmit, at the SYN RTO */
	ck_assert_double_lt(c.max_s, 2.5);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D2), 0);
	ck_assert(strstr(vt_agent_log(&a), "evidence kind=syn-timeout service=web real=" D2));
	/* suspect at once, quarantined once its probes confirm it (the clients may be done) */
	ck_assert(strstr(vt_agent_log(&a), "decision action=suspect service=web real=" D2));
	ck_assert_msg(vt_agent_wait(&a, "decision action=quarantine service=web real=" D2, 1, 5000),
		      "d2 was not quarantined:\n%s", vt_agent_log(&a));
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/* `vigilctl status --json`; free it with json_object_put(). */
static json_object *status(void)
{
	return vt_vigilctl_json("status");
}

/* status.syn_rto.KEY (a number or a boolean), or status.syn_rto.service_ms.web; -1 if absent. */
static long long syn_rto_status(const char *key)
{
	json_object *st = status(), *r, *v;
	long long n = -1;

	if (json_object_object_get_ex(st, "syn_rto", &r)) {
		if (!strcmp(key, "web") && json_object_object_get_ex(r, "service_ms", &v))
			r = v;
		if (json_object_object_get_ex(r, key, &v))
			n = json_object_get_int64(v);
	}
	json_object_put(st);
	return n;
}

/* Waits up to timeout_ms for the web service's SYN RTO in status to be MS. */
static bool wait_syn_rto_ms(long long ms, int timeout_ms)
{
	uint64_t deadline = vt_now_ns() + timeout_ms * 1000000ull;

	while (vt_now_ns() < deadline) {
		if (syn_rto_status("web") == ms)
			return true;
		usleep(100000);
	}
	return syn_rto_status("web") == ms;
}

/*
 * The RTO (us) of a SYN to ADDR:PORT, just sent: tcp_info of a non-blocking
 * connect that has not been answered (the destination is silent).
 */
static unsigned int syn_rto_us(const char *addr, unsigned int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct tcp_info info;
	socklen_t len = sizeof(info);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(inet_pton(AF_INET, addr, &sin.sin_addr), 1);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), -1);
	ck_assert_int_eq(errno, EINPROGRESS);
	memset(&info, 0, sizeof(info));
	ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len), 0);
	ck_assert_int_eq(info.tcpi_state, 2); /* SYN_SENT: nothing answered yet */
	close(fd);
	return info.tcpi_rto;
}

#define SILENCE_ALL "for d in d1 d2 d3; do %s silent $d; done"

START_TEST(syn_rto_is_shortened_through_the_vip_only)
{
	struct vt_agent a;
	unsigned int vip, direct;
	struct vt_clients c;

	start(&a, QUICK NO_HEALTH,
	      WEB_SERVICE "    quarantine: { syn_rto_min: 200ms, syn_rto_max: 400ms }\n");
	ck_assert_int_eq(syn_rto_status("in_force"), 1);
	fprintf(stderr, "syn_rto: HZ %lld, web %lld ms\n", syn_rto_status("hz"),
		syn_rto_status("web"));
	/* nothing measured yet: syn_rto_max */
	ck_assert_int_eq(syn_rto_status("web"), 400);
	vt_must(SILENCE_ALL, vt_lab());
	vip = syn_rto_us("10.96.0.10", 80);
	direct = syn_rto_us("10.100.1.2", 8080);
	fprintf(stderr, "SYN RTO through the VIP %u us, straight to d1 %u us\n", vip, direct);
	/* jiffies rounded up: at most one jiffy (4 ms at HZ 250, 10 ms at HZ 100) more */
	ck_assert_uint_ge(vip, 400000);
	ck_assert_uint_le(vip, 410000);
	ck_assert_uint_eq(direct, 1000000);

	/* measured: 1.5 x syn_timeout (its min, 200 ms, on the lab's RTTs) = 300 ms */
	vt_must("for d in d1 d2 d3; do %s live $d; done", vt_lab());
	c = connect_n(6, 5000);
	ck_assert_uint_eq(c.ok, 6);
	ck_assert_msg(wait_syn_rto_ms(300, 5000), "web's SYN RTO is %lld ms, not 300:\n%s",
		      syn_rto_status("web"), vt_agent_log(&a));
	vt_must(SILENCE_ALL, vt_lab());
	vip = syn_rto_us("10.96.0.10", 80);
	ck_assert_uint_ge(vip, 300000);
	ck_assert_uint_le(vip, 310000);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);

	/* off: the kernel's own */
	vt_must("for d in d1 d2 d3; do %s live $d; done", vt_lab());
	start(&a, QUICK NO_HEALTH, WEB_SERVICE "    quarantine: { syn_rto: off }\n");
	ck_assert_int_eq(syn_rto_status("in_force"), 0);
	vt_must(SILENCE_ALL, vt_lab());
	vip = syn_rto_us("10.96.0.10", 80);
	fprintf(stderr, "syn_rto off: SYN RTO through the VIP %u us\n", vip);
	ck_assert_uint_eq(vip, 1000000);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/*
 * bench/failover's scene with the SYN RTO shortened (the defaults): the
 * client whose SYN meets the silent destination retransmits after 300 ms,
 * when the destination is at weight 0 already (syn_timeout <= 200 ms), and
 * IPVS sends the retransmit elsewhere.
 */
START_TEST(silent_destination_every_client_connects_within_half_a_second)
{
	struct vt_agent a;
	struct vt_clients c;

	start(&a, QUICK NO_HEALTH, WEB_SERVICE);
	c = connect_n(6, 5000); /* the destinations show their RTTs */
	ck_assert_uint_eq(c.ok, 6);
	ck_assert_msg(wait_syn_rto_ms(300, 5000), "web's SYN RTO is %lld ms, not 300:\n%s",
		      syn_rto_status("web"), vt_agent_log(&a));
	vt_must("%s silent d2", vt_lab());
	c = connect_n(30, 10000);
	fprintf(stderr,
		"silent d2, SYN RTO 300 ms: %u of 30 connected, %u failed, slowest %.3f s, all "
		"%.2f s\n",
		c.ok, c.failed, c.max_s, c.total_s);
	ck_assert_uint_eq(c.ok, 30);
	ck_assert_msg(c.max_s < 0.5, "the slowest client took %.3f s:\n%s", c.max_s,
		      vt_agent_log(&a));
	ck_assert_int_eq(vt_ipvs_weight(VIP, D2), 0);
	ck_assert(strstr(vt_agent_log(&a), "evidence kind=syn-timeout service=web real=" D2));
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

START_TEST(refusing_destination_is_out_after_its_first_reset)
{
	struct vt_agent a;
	struct vt_conn conn;
	struct vt_clients c;
	unsigned int i;

	start(&a, QUICK NO_HEALTH, WEB_SERVICE);
	vt_must("%s refuse d3", vt_lab());
	/* round-robin: within three connections one meets d3 and is refused */
	for (i = 0; i < 3; i++) {
		vt_connect(VIP, 5000, &conn);
		if (conn.err == ECONNREFUSED)
			break;
	}
	ck_assert_msg(i < 3, "no connection met the refusing destination");
	ck_assert_msg(wait_weight(D3, is_zero, 2000), "d3 still has weight %d:\n%s",
		      vt_ipvs_weight(VIP, D3), vt_agent_log(&a));
	c = connect_n(10, 5000);
	ck_assert_uint_eq(c.ok, 10);
	ck_assert_uint_eq(vt_agent_count(&a, "evidence kind=refused"), 1);
	fprintf(stderr, "%s", strstr(vt_agent_log(&a), "weights service=web"));
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

START_TEST(recovered_destination_is_probed_and_ramped_back)
{
	struct vt_agent a;
	struct vt_conn conn;
	unsigned int i;

	start(&a, QUICK NO_HEALTH, WEB_SERVICE);
	vt_must("%s refuse d3", vt_lab());
	for (i = 0; i < 3; i++)
		vt_connect(VIP, 5000, &conn);
	ck_assert(wait_weight(D3, is_zero, 2000));
	/* back, before the quarantine (3 s) is over: the probe finds it so */
	vt_must("%s live d3", vt_lab());
	ck_assert_msg(vt_agent_wait(&a, "probe service=web real=" D3 " result=passed", 1, 15000),
		      "no passing probe:\n%s", vt_agent_log(&a));
	ck_assert(
	    vt_agent_wait(&a, "decision action=release-to-ramp service=web real=" D3, 1, 5000));
	/* ramping: in rotation, below full weight, then full */
	ck_assert_int_gt(vt_ipvs_weight(VIP, D3), 0);
	ck_assert_msg(wait_weight(D3, is_full, 10000), "not back to full weight:\n%s",
		      vt_agent_log(&a));
	ck_assert(strstr(vt_agent_log(&a), "decision action=healthy service=web real=" D3));
	/* probes went only to the quarantined destination */
	ck_assert(!strstr(vt_agent_log(&a), "probe service=web real=" D1));
	ck_assert(!strstr(vt_agent_log(&a), "probe service=web real=" D2));
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

START_TEST(flapping_destination_changes_weight_a_bounded_number_of_times)
{
	struct vt_agent a;
	const char *log, *p;
	unsigned int quarantines = 0, changes = 0, last_for = 0, i;
	pid_t flapper;

	start(&a, QUICK NO_HEALTH, WEB_SERVICE);
	/* d2 down and up every 2 s for 30 s, while clients keep connecting */
	fflush(NULL);
	flapper = fork();
	if (flapper == 0) {
		for (i = 0; i < 15; i++) {
			vt_sh("%s %s d2 >/dev/null 2>&1", vt_lab(), i % 2 ? "live" : "refuse");
			sleep(2);
		}
		vt_sh("%s live d2 >/dev/null 2>&1", vt_lab());
		_exit(0);
	}
	while (waitpid(flapper, NULL, WNOHANG) == 0)
		connect_n(5, 5000);
	log = vt_agent_log(&a);
	for (p = log; (p = strstr(p, "decision action=")); p++) {
		const char *f = strstr(p, "for_ms=");
		const char *end = strchr(p, '\n');

		if (!strncmp(p, "decision action=quarantine service=web real=" D2,
			     strlen("decision action=quarantine service=web real=" D2)) ||
		    !strncmp(p, "decision action=probe-failed service=web real=" D2,
			     strlen("decision action=probe-failed service=web real=" D2))) {
			unsigned int ms = f && f < end ? atoi(f + 7) : 0;

			quarantines++;
			ck_assert_msg(ms >= last_for, "quarantine durations went down: %u after %u",
				      ms, last_for);
			last_for = ms;
		}
		if (strstr(p, "real=" D2) && strstr(p, "real=" D2) < end &&
		    strncmp(p, "decision action=probe service", 29) &&
		    strncmp(p, "decision action=fail-open", 25))
			changes++;
	}
	fprintf(stderr,
		"flapping d2 for 30 s: %u quarantines, %u rotation changes, longest %u ms\n",
		quarantines, changes, last_for);
	/*
	 * Quarantines (and failed probes, which are relapses) double from 3 s:
	 * 3 + 6 + 12 + 24 s outlast the 30 s of flapping, so few happen, and the
	 * backoff must have grown to the 30 s cap or near it.
	 */
	ck_assert_uint_ge(quarantines, 3);
	ck_assert_uint_le(quarantines, 8);
	ck_assert_uint_ge(last_for, 12000);
	ck_assert_uint_le(changes, 16);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

START_TEST(all_destinations_dead_fails_open)
{
	struct vt_agent a;
	int in_rotation = 0;

	start(&a, QUICK NO_HEALTH, WEB_SERVICE);
	vt_must("for d in d1 d2 d3; do %s refuse $d; done", vt_lab());
	connect_n(12, 3000);
	in_rotation = (vt_ipvs_weight(VIP, D1) > 0) + (vt_ipvs_weight(VIP, D2) > 0) +
		      (vt_ipvs_weight(VIP, D3) > 0);
	fprintf(stderr, "all refusing: %d of 3 destinations left in rotation\n", in_rotation);
	/* max_ejected_percent 50: one of three may go, never more */
	ck_assert_int_eq(in_rotation, 2);
	ck_assert(strstr(vt_agent_log(&a), "decision action=fail-open service=web"));
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

START_TEST(slow_destination_loses_weight_and_regains_it)
{
	struct vt_agent a;
	uint64_t deadline;
	int w1 = -1, w2 = -1;

	start(&a, QUICK "  health: { interval: 1s, min_change: 10% }\n", WEB_SERVICE);
	vt_must("%s delay d2 200", vt_lab());
	deadline = vt_now_ns() + 60 * 1000000000ull;
	while (vt_now_ns() < deadline) {
		connect_n(6, 5000);
		w1 = vt_ipvs_weight(VIP, D1);
		w2 = vt_ipvs_weight(VIP, D2);
		if (w2 > 0 && w2 < w1 && w2 <= 50)
			break;
	}
	fprintf(stderr, "d2 200 ms slower: weights d1 %d, d2 %d\n", w1, w2);
	ck_assert_msg(w2 > 0 && w2 < w1 && w2 <= 50,
		      "d2's weight %d did not fall below d1's %d:\n%s", w2, w1, vt_agent_log(&a));
	vt_must("%s live d2", vt_lab());
	deadline = vt_now_ns() + 90 * 1000000000ull;
	while (vt_now_ns() < deadline) {
		connect_n(6, 5000);
		w2 = vt_ipvs_weight(VIP, D2);
		if (w2 >= 80)
			break;
	}
	fprintf(stderr, "d2 fast again: weight %d\n", w2);
	ck_assert_msg(w2 >= 80, "d2's weight %d did not recover:\n%s", w2, vt_agent_log(&a));
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

START_TEST(refusing_udp_destination_is_quarantined)
{
	struct vt_agent a;
	struct vt_conn conn;
	unsigned int i;

	start(&a, QUICK NO_HEALTH,
	      "  - name: dns\n"
	      "    vip: 10.96.0.10:53\n"
	      "    protocol: udp\n"
	      "    destinations: [" D1 ", " D3 "]\n");
	vt_must("%s refuse d3", vt_lab());
	for (i = 0; i < 6; i++)
		vt_udp_exchange("10.96.0.10:53", 1000, &conn);
	ck_assert_msg(vt_agent_wait(&a, "evidence kind=udp-error service=dns real=" D3, 1, 5000),
		      "no UDP evidence:\n%s", vt_agent_log(&a));
	/* quarantine action auto is remove for UDP: its pinned clients move (config/README.md) */
	ck_assert_int_eq(vt_ipvs_udp_weight("10.96.0.10:53", D3), -1);
	ck_assert_int_gt(vt_ipvs_udp_weight("10.96.0.10:53", D1), 0);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

START_TEST(quarantine_survives_a_restart)
{
	struct vt_agent a;
	struct vt_conn conn;
	unsigned int i;

	/* long enough to outlast the restart */
	start(&a, "  quarantine: { base: 60s, max: 5m, jitter: 0% }\n" NO_HEALTH, WEB_SERVICE);
	vt_must("%s silent d3", vt_lab());
	for (i = 0; i < 3; i++)
		vt_connect(VIP, 3000, &conn);
	ck_assert(wait_weight(D3, is_zero, 3000));
	/* a suspect is not saved: wait until its probes confirm it */
	ck_assert_msg(
	    vt_agent_wait(&a, "decision action=quarantine service=web real=" D3, 1, 10000),
	    "d3 was not quarantined:\n%s", vt_agent_log(&a));
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
	vt_must("grep -q '\"state\":\"quarantined\"' %s/state.json", STATE_DIR);
	/* started again: d3 stays out, and nothing had to change for that */
	ck_assert_int_eq(vt_agent_restart(&a, CONFIG), 0);
	ck_assert(vt_agent_wait(&a, "restored service=web real=" D3 " state=quarantined", 1, 1000));
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), 0);
	{
		struct vt_reconcile r;

		ck_assert(vt_agent_reconcile(&a, "start", &r));
		ck_assert_uint_eq(r.ops, 0);
	}
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vm_failover");
	TCase *tc = tcase_create("failover");

	tcase_add_unchecked_fixture(tc, vt_lab_three, vt_lab_three_down);
	tcase_add_checked_fixture(tc, fresh, NULL);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, silent_destination_every_client_connects);
	tcase_add_test(tc, syn_rto_is_shortened_through_the_vip_only);
	tcase_add_test(tc, silent_destination_every_client_connects_within_half_a_second);
	tcase_add_test(tc, refusing_destination_is_out_after_its_first_reset);
	tcase_add_test(tc, recovered_destination_is_probed_and_ramped_back);
	tcase_add_test(tc, flapping_destination_changes_weight_a_bounded_number_of_times);
	tcase_add_test(tc, all_destinations_dead_fails_open);
	tcase_add_test(tc, slow_destination_loses_weight_and_regains_it);
	tcase_add_test(tc, refusing_udp_destination_is_quarantined);
	tcase_add_test(tc, quarantine_survives_a_restart);
	suite_add_tcase(s, tc);
	return check_main(s, CK_VERBOSE);
}
