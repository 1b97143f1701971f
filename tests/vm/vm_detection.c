// SPDX-License-Identifier: GPL-2.0-only
/*
 * Detection quality against the real kernel: a lossy network is not a dead
 * destination (suspect, then confirm), a destination failing where its peers
 * succeed goes out (outliers), an established connection stalled on a silent
 * destination is evidence (stall), and quarantine.enforce false decides and
 * reports without touching IPVS. What vigild decided is read from
 * `vigilctl list --json`, what IPVS does from IPVS itself.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "check_main.h"
#include "vmtest.h"

#define CONFIG    "/tmp/vigil-detection.yaml"
#define STATE_DIR "/tmp/vigil-detection-state"
#define VIGILCTL  VIGIL_BUILD_DIR "/cli/vigilctl"
#define VIP       "10.96.0.10:80"
#define D1        "10.100.1.2:8080"
#define D2        "10.100.2.2:8080"
#define D3        "10.100.3.2:8080"

#define WEB_SERVICE                                                                                \
	"  - name: web\n"                                                                          \
	"    vip: " VIP "\n"                                                                       \
	"    destinations: [" D1 ", " D2 ", " D3 "]\n"

static void fresh(void)
{
	vt_lab_three_fresh(STATE_DIR);
}

/* vigild with rr and DEFAULTS (lines of `defaults:`, "" for vigil's own), serving web. */
static void start(struct vt_agent *a, const char *defaults)
{
	vt_write(CONFIG,
		 "agent:\n"
		 "  state_dir: " STATE_DIR "\n"
		 "defaults:\n"
		 "  scheduler: rr\n"
		 "%s"
		 "services:\n" WEB_SERVICE,
		 defaults);
	ck_assert_int_eq(vt_agent_start(a, CONFIG), 0);
	ck_assert_msg(vt_agent_wait(a, "watching attached=", 1, 60000),
		      "vigild does not watch:\n%s", vt_agent_log(a));
}

/* `vigilctl list --json`; free it with json_object_put(). */
static json_object *list(void)
{
	return vt_vigilctl_json("list");
}

/* The service named web in LIST. */
static json_object *web(json_object *list)
{
	json_object *svcs, *s, *name;
	size_t i;

	ck_assert(json_object_object_get_ex(list, "services", &svcs));
	for (i = 0; i < json_object_array_length(svcs); i++) {
		s = json_object_array_get_idx(svcs, i);
		if (json_object_object_get_ex(s, "name", &name) &&
		    !strcmp(json_object_get_string(name), "web"))
			return s;
	}
	ck_abort_msg("no service web in vigilctl list");
	return NULL;
}

/* Destination ADDR of web in LIST. */
static json_object *dest(json_object *list, const char *addr)
{
	json_object *dests, *d, *a;
	size_t i;

	ck_assert(json_object_object_get_ex(web(list), "destinations", &dests));
	for (i = 0; i < json_object_array_length(dests); i++) {
		d = json_object_array_get_idx(dests, i);
		if (json_object_object_get_ex(d, "address", &a) &&
		    !strcmp(json_object_get_string(a), addr))
			return d;
	}
	ck_abort_msg("no destination %s in web", addr);
	return NULL;
}

static long long num(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/*
 * Every link loses 3% of its packets each way: lost SYNs and SYN-ACKs make
 * suspects, whose probes clear them; nobody is quarantined, every client
 * connects.
 */
START_TEST(loss_on_every_link_ejects_nobody)
{
	static const char *const reals[] = { D1, D2, D3 };
	unsigned int suspicions = 0, quarantines = 0, i;
	struct vt_clients c;
	struct vt_agent a;
	json_object *l;

	start(&a, "");                        /* vigil as installed */
	c = vt_connect_n(VIP, 6, 5000, NULL); /* the destinations show their RTTs */
	ck_assert_uint_eq(c.ok, 6);
	vt_must("for d in d1 d2 d3; do %s lossy $d 3 >/dev/null; done", vt_lab());
	c = vt_connect_n(VIP, 90, 10000, NULL);
	l = list();
	for (i = 0; i < 3; i++) {
		json_object *d = dest(l, reals[i]);

		suspicions += num(d, "suspicions");
		quarantines += num(d, "quarantines");
	}
	fprintf(stderr,
		"3%% loss on every link: %u of 90 connected, slowest %.3f s; %u suspicions, "
		"%u quarantines\n",
		c.ok, c.max_s, suspicions, quarantines);
	ck_assert_uint_eq(c.ok, 90);
	ck_assert_msg(quarantines == 0, "a lossy destination was quarantined:\n%s",
		      vt_agent_log(&a));
	json_object_put(l);
	vt_must("for d in d1 d2 d3; do %s live $d >/dev/null; done", vt_lab());
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/*
 * One destination loses 30% of its packets each way, its peers none: it
 * fails where they succeed, and goes out of rotation (or to at most 10% of
 * its weight) within seconds, though its probes pass now and then.
 */
START_TEST(a_destination_behind_heavy_loss_is_an_outlier)
{
	uint64_t start_ns, out_ns = 0;
	struct vt_conn conn;
	struct vt_agent a;
	int w = -1;

	start(&a, "");
	vt_connect_n(VIP, 6, 5000, NULL);
	vt_must("%s lossy d3 30 >/dev/null", vt_lab());
	start_ns = vt_now_ns();
	while (vt_now_ns() - start_ns < 30 * 1000000000ull) {
		vt_connect(VIP, 5000, &conn);
		w = vt_ipvs_weight(VIP, D3);
		if (w >= 0 && w <= 10) {
			out_ns = vt_now_ns();
			break;
		}
	}
	fprintf(stderr, "d3 at 30%% loss: weight %d after %.1f s\n", w,
		((out_ns ? out_ns : vt_now_ns()) - start_ns) / 1e9);
	ck_assert_msg(out_ns, "d3 stayed at weight %d:\n%s", w, vt_agent_log(&a));
	ck_assert_int_gt(vt_ipvs_weight(VIP, D1), 10);
	ck_assert_int_gt(vt_ipvs_weight(VIP, D2), 10);
	vt_must("%s live d3 >/dev/null", vt_lab());
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/*
 * quarantine.enforce false: d2 goes silent, vigild suspects, confirms and
 * quarantines it, logs, counts and shows it, but IPVS keeps it at its
 * weight; the operator's own quarantine still applies.
 */
START_TEST(enforce_false_reports_and_leaves_ipvs_alone)
{
	struct vt_agent a;
	struct vt_conn conn;
	json_object *l, *d;
	int lowest = 100;
	unsigned int i;

	start(&a, "  quarantine: { enforce: false, base: 30s }\n"
		  "  health: { enabled: false }\n");
	vt_connect_n(VIP, 6, 5000, NULL);
	vt_must("%s silent d2 >/dev/null", vt_lab());
	for (i = 0; i < 9; i++) {
		int w;

		vt_connect(VIP, 1500, &conn);
		w = vt_ipvs_weight(VIP, D2);
		if (w < lowest)
			lowest = w;
	}
	ck_assert_msg(vt_agent_wait(&a, "decision action=quarantine service=web real=" D2, 1, 5000),
		      "d2 was never quarantined:\n%s", vt_agent_log(&a));
	ck_assert_int_eq(vt_ipvs_weight(VIP, D2), 100);
	ck_assert_int_eq(lowest, 100);
	l = list();
	ck_assert(!json_object_get_boolean(json_object_object_get(web(l), "enforce")));
	d = dest(l, D2);
	fprintf(stderr, "enforce false, d2 silent: state %s, quarantines %lld, effective %lld\n",
		str(d, "state"), num(d, "quarantines"), num(d, "effective_weight"));
	ck_assert_str_eq(str(d, "state"), "quarantined");
	ck_assert_int_ge(num(d, "quarantines"), 1);
	ck_assert_int_eq(num(d, "effective_weight"), 100);
	json_object_put(l);
	ck_assert(strstr(vt_agent_log(&a), "enforce=false"));
	/* the operator's choice is not a dry run */
	vt_must(VIGILCTL " quarantine web " D1 " >/dev/null");
	ck_assert_int_eq(vt_ipvs_weight(VIP, D1), 0);
	vt_must("%s live d2 >/dev/null", vt_lab());
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/* A connection through the VIP, echoed once: established, nothing in flight. */
static int open_echoed(void)
{
	struct sockaddr_storage sa;
	socklen_t len;
	char buf[8];
	int fd;

	ck_assert_int_eq(vt_sockaddr(VIP, &sa, &len), 0);
	fd = socket(sa.ss_family, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, len), 0);
	ck_assert_int_eq(send(fd, "ping\n", 5, 0), 5);
	ck_assert_int_eq(recv(fd, buf, sizeof(buf), 0), 5);
	return fd;
}

/* close() that resets: a stalled socket would otherwise linger in FIN_WAIT1. */
static void close_reset(int fd)
{
	struct linger lg = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/*
 * Established connections only, one per destination (rr): d3 goes silent
 * while they send. Its connection's first retransmission timeout is stall
 * evidence, a suspicion its probes confirm; the others make none.
 */
START_TEST(a_connection_stalled_on_a_silent_destination_is_evidence)
{
	struct vt_agent a;
	uint64_t silent_ns;
	int fds[3];
	unsigned int i;

	start(&a, "  health: { enabled: false }\n");
	for (i = 0; i < 3; i++)
		fds[i] = open_echoed();
	vt_must("%s silent d3 >/dev/null", vt_lab());
	silent_ns = vt_now_ns();
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(send(fds[i], "data\n", 5, 0), 5);
	ck_assert_msg(vt_agent_wait(&a, "evidence kind=stall service=web real=" D3, 1, 5000),
		      "no stall evidence against d3:\n%s", vt_agent_log(&a));
	fprintf(stderr, "stall evidence against d3 within %.3f s of its silence\n",
		(vt_now_ns() - silent_ns) / 1e9);
	ck_assert_msg(
	    vt_agent_wait(&a, "decision action=quarantine service=web real=" D3, 1, 10000),
	    "d3 was never quarantined:\n%s", vt_agent_log(&a));
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), 0);
	ck_assert_uint_eq(vt_count_events("evidence", "web", D3, "kind", "stall"), 1);
	ck_assert_uint_eq(vt_count_events("evidence", "web", D1, NULL, NULL), 0);
	ck_assert_uint_eq(vt_count_events("evidence", "web", D2, NULL, NULL), 0);
	for (i = 0; i < 3; i++)
		close_reset(fds[i]);
	vt_must("%s live d3 >/dev/null", vt_lab());
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vm_detection");
	TCase *tc = tcase_create("detection");

	tcase_set_timeout(tc, 300);
	tcase_add_unchecked_fixture(tc, vt_lab_three, vt_lab_three_down);
	tcase_add_checked_fixture(tc, fresh, NULL);
	tcase_add_test(tc, loss_on_every_link_ejects_nobody);
	tcase_add_test(tc, a_destination_behind_heavy_loss_is_an_outlier);
	tcase_add_test(tc, enforce_false_reports_and_leaves_ipvs_alone);
	tcase_add_test(tc, a_connection_stalled_on_a_silent_destination_is_evidence);
	suite_add_tcase(s, tc);
	return check_main(s, CK_VERBOSE);
}
