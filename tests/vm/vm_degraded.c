// SPDX-License-Identifier: GPL-2.0-only
/*
 * Degraded mode against the real kernel: vigild with attachments made to
 * fail (VIGIL_DISABLE_PROBES, as if the kernel refused them) still programs
 * IPVS, falls back to what works, and `vigilctl status` says what is
 * missing and what it does instead.
 */
#include <check.h>

#include "check_main.h"
#include <signal.h>
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

#define CONFIG_TEXT                                                                                \
	"agent:\n"                                                                                 \
	"  state_dir: " STATE_DIR "\n"                                                             \
	"defaults:\n"                                                                              \
	"  scheduler: rr\n"                                                                        \
	"  health: { enabled: %s }\n"                                                              \
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

/* vigild with these attachments failing on purpose, health weighting on or off. */
static void start(struct vt_agent *a, const char *disable, bool health)
{
	ck_assert_int_eq(vt_write(CONFIG, CONFIG_TEXT, health ? "true" : "false"), 0);
	if (disable)
		setenv("VIGIL_DISABLE_PROBES", disable, 1);
	else
		unsetenv("VIGIL_DISABLE_PROBES");
	ck_assert_int_eq(vt_agent_start(a, CONFIG), 0);
	unsetenv("VIGIL_DISABLE_PROBES");
}

/* `vigilctl status --json` of the running agent. Free it with json_object_put(). */
static json_object *status(void)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = popen(VIGIL_BUILD_DIR "/cli/vigilctl status --json", "r");
	json_object *o;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_gt(getdelim(&out, &size, '\0', f), 0);
	ck_assert_int_eq(pclose(f), 0);
	fprintf(stderr, "%s\n", out);
	o = json_tokener_parse(out);
	ck_assert_ptr_nonnull(o);
	free(out);
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
	suite_add_tcase(s, tc);
	return check_main(s, CK_VERBOSE);
}
