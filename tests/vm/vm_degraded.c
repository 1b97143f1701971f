// SPDX-License-Identifier: GPL-2.0-only
/*
 * Degraded mode against the real kernel: vigild with attachments made to
 * fail (VIGIL_DISABLE_PROBES, as if the kernel refused them) still programs
 * IPVS, falls back to what works, and `vigilctl status` says what is
 * missing and what it does instead. And with attachments that attach but
 * deliver nothing (VIGIL_MUTE_PROBES, as a kernel change can make them),
 * vigild finds out from what it observes, says so once, and falls back the
 * same way: clients still connect.
 */
#include <check.h>

#include "check_main.h"
#include <signal.h>
#include <sys/utsname.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmtest.h"

#define CONFIG    "/tmp/vigil-degraded.yaml"
#define STATE_DIR "/tmp/vigil-degraded-state"
#define VIP       "10.96.0.10:80"
#define D1        "10.100.1.2:8080"
#define D2        "10.100.2.2:8080"
#define D3        "10.100.3.2:8080"
#define METRICS   "127.0.0.1:9713"

#define CONFIG_TEXT                                                                                \
	"agent:\n"                                                                                 \
	"  state_dir: " STATE_DIR "\n"                                                             \
	"  metrics: " METRICS "\n"                                                                 \
	"defaults:\n"                                                                              \
	"  scheduler: rr\n"                                                                        \
	"  health: { enabled: %s, interval: 1s }\n"                                                \
	"  fallback: { interval: 500ms, timeout: 300ms }\n"                                        \
	"  quarantine: { base: 30s, jitter: 0%% }\n"                                               \
	"services:\n"                                                                              \
	"  - name: web\n"                                                                          \
	"    vip: " VIP "\n"                                                                       \
	"    destinations: [" D1 ", " D2 ", " D3 "]\n"

static void fresh(void)
{
	vt_lab_three_fresh(STATE_DIR);
}

/* vigild with the testing aid ENV (VIGIL_DISABLE_PROBES, VIGIL_MUTE_PROBES) set to WHICH. */
static void start_with(struct vt_agent *a, const char *env, const char *which, bool health)
{
	ck_assert_int_eq(vt_write(CONFIG, CONFIG_TEXT, health ? "true" : "false"), 0);
	if (which)
		setenv(env, which, 1);
	else
		unsetenv(env);
	ck_assert_int_eq(vt_agent_start(a, CONFIG), 0);
	unsetenv(env);
}

/* vigild with these attachments failing on purpose, health weighting on or off. */
static void start(struct vt_agent *a, const char *disable, bool health)
{
	start_with(a, "VIGIL_DISABLE_PROBES", disable, health);
}

/* vigild with these attachments attached but delivering nothing. */
static void start_muted(struct vt_agent *a, const char *mute, bool health)
{
	start_with(a, "VIGIL_MUTE_PROBES", mute, health);
	ck_assert_msg(vt_agent_wait(a, "watching attached=", 1, 30000),
		      "vigild does not watch:\n%s", vt_agent_log(a));
}

/* `vigilctl status --json` of the running agent, shown on stderr. Free it with json_object_put().
 */
static json_object *status(void)
{
	json_object *o = vt_vigilctl_json("status");

	fprintf(stderr, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	return o;
}

/* status.degraded.CAPABILITY.KEY as a string (NULL: absent or not a string). */
static const char *capability(json_object *st, const char *cap, const char *key)
{
	json_object *d, *c, *v;

	if (!json_object_object_get_ex(st, "degraded", &d) ||
	    !json_object_object_get_ex(d, cap, &c) || !json_object_object_get_ex(c, key, &v))
		return NULL;
	return json_object_get_type(v) == json_type_string ? json_object_get_string(v) : NULL;
}

/* status.degraded.CAPABILITY.KEY as a boolean (false when absent). */
static bool capability_bool(json_object *st, const char *cap, const char *key)
{
	json_object *d, *c, *v;

	return json_object_object_get_ex(st, "degraded", &d) &&
	       json_object_object_get_ex(d, cap, &c) && json_object_object_get_ex(c, key, &v) &&
	       json_object_get_boolean(v);
}

/* Polls status until capability CAP is in STATE; false after TIMEOUT_MS. */
static bool capability_becomes(const char *cap, const char *state, int timeout_ms)
{
	uint64_t deadline = vt_now_ns() + timeout_ms * 1000000ull;
	bool there;

	do {
		json_object *st = status();
		const char *now = capability(st, cap, "state");

		there = now && !strcmp(now, state);
		json_object_put(st);
		if (!there)
			usleep(200000);
	} while (!there && vt_now_ns() < deadline);
	return there;
}

/* The metrics sample NAME{LABELS} as served now, e.g. "... 1"; false if absent. */
static bool metric_is(const char *sample)
{
	char *resp = vt_http_get(METRICS, "/metrics");
	bool found = resp && strstr(resp, sample);

	if (!found)
		fprintf(stderr, "no \"%s\" in:\n%s\n", sample, resp ? resp : "(no response)");
	free(resp);
	return found;
}

/* "... not working on kernel RELEASE": the warning names the kernel. */
static const char *not_working_on_this_kernel(const char *cap_words, char *buf, size_t size)
{
	struct utsname uts;

	ck_assert_int_eq(uname(&uts), 0);
	snprintf(buf, size, "%s not working on kernel %s: ", cap_words, uts.release);
	return buf;
}

static bool degraded_active(json_object *st)
{
	json_object *d, *v;

	return json_object_object_get_ex(st, "degraded", &d) &&
	       json_object_object_get_ex(d, "active", &v) && json_object_get_boolean(v);
}

/* Waits until REAL's weight is W; false after TIMEOUT_MS. */
static bool weight_becomes(const char *real, int w, int timeout_ms)
{
	uint64_t deadline = vt_now_ns() + timeout_ms * 1000000ull;

	while (vt_ipvs_weight(VIP, real) != w)
		if (vt_now_ns() > deadline)
			return false;
		else
			usleep(50000);
	return true;
}

/*
 * Without the real destination of connections (no ip_vs_conn_new program),
 * vigild checks every destination itself, and a refusing one is quarantined.
 */
START_TEST(without_correlation_active_checks_quarantine_a_dead_destination)
{
	struct vt_agent a;
	json_object *st;
	const char *missing, *instead;

	start(&a, "ipvs", false);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D1), 100);
	ck_assert(vt_agent_wait(&a, "degraded mode", 1, 10000));
	st = status();
	ck_assert(degraded_active(st));
	missing = capability(st, "real_destination", "state");
	ck_assert_ptr_nonnull(missing);
	ck_assert_str_eq(missing, "missing");
	instead = capability(st, "real_destination", "instead");
	ck_assert_ptr_nonnull(instead);
	ck_assert_ptr_nonnull(strstr(instead, "active TCP checks"));
	json_object_put(st);

	/* the checks go on unseen while all answer; then d3 refuses */
	usleep(1500000);
	ck_assert_int_eq(vt_agent_count(&a, "evidence kind="), 0);
	vt_must("%s refuse d3", vt_lab());
	ck_assert_msg(weight_becomes(D3, 0, 5000), "d3 not quarantined:\n%s", vt_agent_log(&a));
	ck_assert_uint_ge(vt_agent_count(&a, "evidence kind=probe-failed service=web real=" D3), 1);
	ck_assert_int_eq(vt_agent_count(&a, "real=" D1), 0);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D1), 100);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D2), 100);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/* Without sockops, detection is whole and weights are the configured ones. */
START_TEST(without_sockops_detection_works_and_health_is_off)
{
	struct vt_agent a;
	json_object *st;
	struct vt_conn c;
	int i;

	start(&a, "sockops", true);
	ck_assert(vt_agent_wait(&a, "watching attached=", 1, 30000));
	st = status();
	ck_assert_str_eq(capability(st, "health_metrics", "state"), "missing");
	ck_assert_ptr_nonnull(capability(st, "health_metrics", "instead"));
	ck_assert_str_eq(capability(st, "connection_events", "state"), "attached");
	ck_assert_str_eq(capability(st, "real_destination", "state"), "attached");
	json_object_put(st);

	vt_must("%s refuse d3", vt_lab());
	for (i = 0; i < 3; i++)
		vt_connect(VIP, 3000, &c);
	ck_assert_msg(weight_becomes(D3, 0, 3000), "d3 not quarantined:\n%s", vt_agent_log(&a));
	ck_assert_uint_ge(vt_agent_count(&a, "evidence kind=refused"), 1);
	ck_assert_int_eq(vt_agent_count(&a, "kind=probe-failed"), 0);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/* A fallback that works (fexit -> kretprobe, fentry -> kprobe) is reported, not degraded. */
START_TEST(a_working_fallback_is_not_degraded)
{
	struct vt_agent a;
	json_object *st;
	const char *fell_back;

	start(&a, "trampolines", false);
	ck_assert(vt_agent_wait(&a, "watching attached=", 1, 30000));
	st = status();
	ck_assert(!degraded_active(st));
	ck_assert_str_eq(capability(st, "real_destination", "state"), "attached");
	fell_back = capability(st, "real_destination", "fell_back");
	ck_assert_ptr_nonnull(fell_back);
	ck_assert_ptr_nonnull(strstr(fell_back, "ip_vs_conn_new"));
	json_object_put(st);
	ck_assert_int_eq(vt_agent_count(&a, "degraded mode"), 0);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/* d2 goes silent: 30 sequential clients all connect, and d2 is out of rotation. */
static void every_client_gets_past_a_silent_d2(const char *what)
{
	struct vt_clients c;

	vt_must("%s silent d2", vt_lab());
	c = vt_connect_n(VIP, 30, 10000, NULL);
	fprintf(stderr, "%s, silent d2: %u of 30 connected, slowest %.3f s\n", what, c.ok, c.max_s);
	ck_assert_uint_eq(c.ok, 30);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D2), 0);
}

/*
 * The failure of 7.x that started this: ip_vs_conn_new attached, its program
 * running, and no pick ever reported. vigild sees clients' connections to the
 * VIP that never learn their real destination, says so, checks the
 * destinations itself, and a silent destination is still out in time.
 */
START_TEST(a_silent_real_destination_is_found_and_clients_still_connect)
{
	struct vt_agent a;
	struct vt_clients c;
	const char *why;
	json_object *st;
	char warning[256];

	start_muted(&a, "ipvs", false);
	st = status();
	ck_assert_str_eq(capability(st, "real_destination", "state"), "attached");
	ck_assert(!capability_bool(st, "real_destination", "verified"));
	json_object_put(st);

	/* clients were using the service: their picks never come */
	c = vt_connect_n(VIP, 6, 5000, NULL);
	ck_assert_uint_eq(c.ok, 6);
	ck_assert_msg(capability_becomes("real_destination", "silent", 5000),
		      "not found silent:\n%s", vt_agent_log(&a));
	st = status();
	ck_assert(degraded_active(st));
	/*
	 * Either of its two sources may tell first, depending on the timing:
	 * the connects without a pick ("had no pick from ip_vs_conn_new"), or
	 * IPVS's counters ("... ip_vs_conn_new reported no pick").
	 */
	why = capability(st, "real_destination", "silent");
	ck_assert_msg(strstr(why, "ip_vs_conn_new") && strstr(why, "no pick") &&
			  (strstr(why, "connections to VIPs had") ||
			   strstr(why, "new connections to the watched services")),
		      "silent because: %s", why);
	ck_assert_ptr_nonnull(strstr(capability(st, "real_destination", "instead"),
				     "active TCP checks of 3 destinations"));
	ck_assert_str_eq(capability(st, "connection_events", "state"), "unused");
	json_object_put(st);
	ck_assert(metric_is("vigil_capability_state{capability=\"real_destination\","
			    "state=\"silent\"} 1\n"));
	ck_assert(
	    metric_is("vigil_capability_silences_total{capability=\"real_destination\"} 1\n"));

	every_client_gets_past_a_silent_d2("ip_vs_conn_new muted");
	ck_assert_uint_ge(vt_agent_count(&a, "evidence kind=probe-failed service=web real=" D2), 1);
	/* said once, naming the hook and the kernel */
	not_working_on_this_kernel("real destination", warning, sizeof(warning));
	ck_assert_uint_eq(vt_agent_count(&a, warning), 1);
	ck_assert_uint_eq(vt_agent_count(&a, "ip_vs_conn_new attached, but "), 1);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/*
 * The TCP tracepoints attached and silent: picks come, no state change ever
 * does. Without the check every SYN would look unanswered and healthy
 * destinations would be ejected; with it their syn-timeouts are no evidence,
 * and active checks take over.
 */
START_TEST(silent_connection_events_are_found_and_no_healthy_destination_goes)
{
	struct vt_agent a;
	struct vt_clients c;
	json_object *st;
	char warning[256];

	start_muted(&a, "events", false);
	c = vt_connect_n(VIP, 6, 5000, NULL);
	ck_assert_uint_eq(c.ok, 6);
	ck_assert_msg(capability_becomes("connection_events", "silent", 8000),
		      "not found silent:\n%s", vt_agent_log(&a));
	st = status();
	ck_assert_ptr_nonnull(strstr(capability(st, "connection_events", "silent"),
				     "had no state change, retransmit or reset"));
	ck_assert(capability_bool(st, "real_destination", "verified"));
	json_object_put(st);
	ck_assert_int_eq(vt_agent_count(&a, "evidence kind=syn-timeout"), 0);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D1), 100);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D2), 100);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), 100);

	every_client_gets_past_a_silent_d2("events muted");
	ck_assert_int_eq(vt_ipvs_weight(VIP, D1), 100);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), 100);
	not_working_on_this_kernel("connection events", warning, sizeof(warning));
	ck_assert_uint_eq(vt_agent_count(&a, warning), 1);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/* sockops attached and counting nothing: health weighting stops, detection goes on. */
START_TEST(a_silent_sockops_program_is_found_and_weights_stay_configured)
{
	struct vt_agent a;
	struct vt_clients c;
	json_object *st;
	char warning[256];
	int i;

	start_muted(&a, "sockops", true);
	st = status();
	ck_assert_str_eq(capability(st, "health_metrics", "state"), "attached");
	json_object_put(st);
	/* establishments across a few health reads */
	for (i = 0; i < 4; i++) {
		c = vt_connect_n(VIP, 3, 5000, NULL);
		ck_assert_uint_eq(c.ok, 3);
		usleep(600000);
	}
	ck_assert_msg(capability_becomes("health_metrics", "silent", 5000), "not found silent:\n%s",
		      vt_agent_log(&a));
	st = status();
	ck_assert_ptr_nonnull(
	    strstr(capability(st, "health_metrics", "silent"), "the sockops program counted none"));
	ck_assert_str_eq(capability(st, "health_metrics", "instead"), "configured weights");
	ck_assert_str_eq(capability(st, "connection_events", "state"), "attached");
	ck_assert(capability_bool(st, "connection_events", "verified"));
	ck_assert(capability_bool(st, "real_destination", "verified"));
	json_object_put(st);
	not_working_on_this_kernel("health metrics", warning, sizeof(warning));
	ck_assert_uint_eq(vt_agent_count(&a, warning), 1);
	ck_assert(metric_is("vigil_capability_verified{capability=\"connection_events\"} 1\n"));

	/* passive detection is whole: a refusing destination is out at once */
	vt_must("%s refuse d3", vt_lab());
	vt_connect_n(VIP, 3, 3000, NULL);
	ck_assert_msg(weight_becomes(D3, 0, 3000), "d3 not quarantined:\n%s", vt_agent_log(&a));
	ck_assert_int_eq(vt_agent_count(&a, "kind=probe-failed"), 0);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D1), 100);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vm_degraded");
	TCase *tc = tcase_create("degraded");

	tcase_add_unchecked_fixture(tc, vt_lab_three, vt_lab_three_down);
	tcase_add_checked_fixture(tc, fresh, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, without_correlation_active_checks_quarantine_a_dead_destination);
	tcase_add_test(tc, without_sockops_detection_works_and_health_is_off);
	tcase_add_test(tc, a_working_fallback_is_not_degraded);
	tcase_add_test(tc, a_silent_real_destination_is_found_and_clients_still_connect);
	tcase_add_test(tc, silent_connection_events_are_found_and_no_healthy_destination_goes);
	tcase_add_test(tc, a_silent_sockops_program_is_found_and_weights_stay_configured);
	suite_add_tcase(s, tc);
	return check_main(s, CK_VERBOSE);
}
