// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigild's control plane against the real kernel: services from YAML
 * programmed into IPVS, checked through the ipvs library's dump and through
 * ipvsadm; reloads, drift repair, ownership, restarts under load.
 */
#include <check.h>

#include "check_main.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "desired.h"
#include "reconcile.h"
#include "vmtest.h"

#define CONFIG    "/tmp/vigil-test.yaml"
#define STATE_DIR "/tmp/vigil-state"
#define EXPECTED  "/tmp/vigil-expected"

#define AGENT_SECTION                                                                              \
	"agent:\n"                                                                                 \
	"  state_dir: " STATE_DIR "\n"                                                             \
	"  reconcile_interval: 1s\n"

/* Four services, eleven operations. */
#define CONFIG_A                                                                                   \
	AGENT_SECTION                                                                              \
	"services:\n"                                                                              \
	"  - name: web\n"                                                                          \
	"    vip: 10.96.0.1:80\n"                                                                  \
	"    destinations:\n"                                                                      \
	"      - 10.100.1.2:8080\n"                                                                \
	"      - { address: 10.100.2.2:8080, weight: 200 }\n"                                      \
	"  - name: dns\n"                                                                          \
	"    vip: 10.96.0.1:53\n"                                                                  \
	"    protocol: udp\n"                                                                      \
	"    scheduler: rr\n"                                                                      \
	"    destinations: [10.100.1.2:8080]\n"                                                    \
	"  - name: web6\n"                                                                         \
	"    vip: \"[fd00:96::1]:80\"\n"                                                           \
	"    destinations: [\"[fd00:100:1::2]:8080\", \"[fd00:100:2::2]:8080\"]\n"                 \
	"  - name: sticky\n"                                                                       \
	"    vip: 10.96.0.2:443\n"                                                                 \
	"    scheduler: sh\n"                                                                      \
	"    persistence: 300s\n"                                                                  \
	"    destinations: [10.100.1.2:8080, 10.100.2.2:8080]\n"

#define IPVSADM_A                                                                                  \
	"-A -t 10.96.0.1:80 -s wrr\n"                                                              \
	"-a -t 10.96.0.1:80 -r 10.100.1.2:8080 -m -w 100\n"                                        \
	"-a -t 10.96.0.1:80 -r 10.100.2.2:8080 -m -w 200\n"                                        \
	"-A -u 10.96.0.1:53 -s rr\n"                                                               \
	"-a -u 10.96.0.1:53 -r 10.100.1.2:8080 -m -w 100\n"                                        \
	"-A -t [fd00:96::1]:80 -s wrr\n"                                                           \
	"-a -t [fd00:96::1]:80 -r [fd00:100:1::2]:8080 -m -w 100\n"                                \
	"-a -t [fd00:96::1]:80 -r [fd00:100:2::2]:8080 -m -w 100\n"                                \
	"-A -t 10.96.0.2:443 -s sh -p 300\n"                                                       \
	"-a -t 10.96.0.2:443 -r 10.100.1.2:8080 -m -w 100\n"                                       \
	"-a -t 10.96.0.2:443 -r 10.100.2.2:8080 -m -w 100\n"

/*
 * From A: one weight changed, one destination replaced, service sticky
 * removed, service api added: service_add 1, dest_add 2 (api's, web's new
 * one), dest_edit 1, dest_del 1, service_del 1.
 */
#define CONFIG_B                                                                                   \
	AGENT_SECTION                                                                              \
	"services:\n"                                                                              \
	"  - name: web\n"                                                                          \
	"    vip: 10.96.0.1:80\n"                                                                  \
	"    destinations:\n"                                                                      \
	"      - { address: 10.100.1.2:8080, weight: 50 }\n"                                       \
	"      - 10.100.3.2:8080\n"                                                                \
	"  - name: dns\n"                                                                          \
	"    vip: 10.96.0.1:53\n"                                                                  \
	"    protocol: udp\n"                                                                      \
	"    scheduler: rr\n"                                                                      \
	"    destinations: [10.100.1.2:8080]\n"                                                    \
	"  - name: web6\n"                                                                         \
	"    vip: \"[fd00:96::1]:80\"\n"                                                           \
	"    destinations: [\"[fd00:100:1::2]:8080\", \"[fd00:100:2::2]:8080\"]\n"                 \
	"  - name: api\n"                                                                          \
	"    vip: 10.96.0.3:8443\n"                                                                \
	"    destinations: [10.100.1.2:8080]\n"

#define IPVSADM_B                                                                                  \
	"-A -t 10.96.0.1:80 -s wrr\n"                                                              \
	"-a -t 10.96.0.1:80 -r 10.100.1.2:8080 -m -w 50\n"                                         \
	"-a -t 10.96.0.1:80 -r 10.100.3.2:8080 -m -w 100\n"                                        \
	"-A -u 10.96.0.1:53 -s rr\n"                                                               \
	"-a -u 10.96.0.1:53 -r 10.100.1.2:8080 -m -w 100\n"                                        \
	"-A -t [fd00:96::1]:80 -s wrr\n"                                                           \
	"-a -t [fd00:96::1]:80 -r [fd00:100:1::2]:8080 -m -w 100\n"                                \
	"-a -t [fd00:96::1]:80 -r [fd00:100:2::2]:8080 -m -w 100\n"                                \
	"-A -t 10.96.0.3:8443 -s wrr\n"                                                            \
	"-a -t 10.96.0.3:8443 -r 10.100.1.2:8080 -m -w 100\n"

static void lab_up(void)
{
	const char *lab = vt_lab();

	vt_must("%s clean", lab);
	vt_must("%s dest d1 --v4 10.100.1.2 --v6 fd00:100:1::2 --port 8080 >/dev/null", lab);
	vt_must("%s dest d2 --v4 10.100.2.2 --v6 fd00:100:2::2 --port 8080 >/dev/null", lab);
	vt_must("%s dest d3 --v4 10.100.3.2 --port 8080 >/dev/null", lab);
}

static void lab_down(void)
{
	vt_sh("ipvsadm -C; ip link del vigil0 2>/dev/null; %s clean", vt_lab());
}

/* Every test starts from an empty IPVS, no vigil0 and no state. */
static void fresh(void)
{
	vt_must("ipvsadm -C && rm -rf %s && { ip link del vigil0 2>/dev/null; true; }", STATE_DIR);
	vt_must("sysctl -qw net.ipv4.vs.expire_nodest_conn=0 "
		"net.ipv4.vs.expire_quiescent_template=0");
}

/* The kernel's rules as ipvsadm -Sn prints them, against the expected ones. */
static void assert_ipvsadm(const char *expected)
{
	char *want, *have;

	vt_write(EXPECTED, "%s", expected);
	want = vt_output("cat %s", EXPECTED);
	have = vt_output("ipvsadm -Sn");
	ck_assert_ptr_nonnull(want);
	ck_assert_ptr_nonnull(have);
	ck_assert_msg(!strcmp(want, have), "ipvsadm -Sn:\n%s\nexpected:\n%s", have, want);
	free(want);
	free(have);
}

/* The library's dump against the config: a plan that would change nothing. */
static void assert_dump_matches(const char *config_text)
{
	struct config_error err;
	struct config *c = NULL;
	struct ipvs_table *desired = NULL, *actual = NULL;
	struct reconcile_plan *plan = NULL;
	struct ipvs *h = NULL;
	struct ipvs_service *owned;
	size_t i;

	ck_assert_int_eq(config_parse(config_text, strlen(config_text), "t", &c, &err), 0);
	ck_assert_int_eq(desired_build(c, &desired), 0);
	ck_assert_int_eq(ipvs_open(&h), 0);
	ck_assert_int_eq(ipvs_dump(h, &actual), 0);
	owned = calloc(desired->n_services + 1, sizeof(*owned));
	for (i = 0; i < desired->n_services; i++)
		owned[i] = desired->services[i].svc;
	{
		struct reconcile_input in = { desired, actual, owned, desired->n_services };

		ck_assert_int_eq(reconcile_plan(&in, &plan), 0);
	}
	ck_assert_msg(plan->n_ops == 0, "the dump differs from the config: %zu operations away",
		      plan->n_ops);
	ck_assert_uint_eq(actual->n_services, desired->n_services);
	ck_assert_uint_eq(actual->n_dests, desired->n_dests);
	reconcile_plan_free(plan);
	free(owned);
	ipvs_table_free(actual);
	ipvs_table_free(desired);
	ipvs_close(h);
	config_free(c);
}

static struct vt_reconcile last_reconcile(struct vt_agent *a, const char *why)
{
	struct vt_reconcile r;

	ck_assert_msg(vt_agent_reconcile(a, why, &r), "no \"reconcile why=%s\" line in:\n%s", why,
		      vt_agent_log(a));
	return r;
}

static void start_agent(struct vt_agent *a, const char *config_text)
{
	vt_write(CONFIG, "%s", config_text);
	ck_assert_int_eq(vt_agent_start(a, CONFIG), 0);
}

/* SIGHUP, and wait for the reload's reconcile (or its rejection). */
static void reload(struct vt_agent *a, const char *config_text, const char *wait_for)
{
	unsigned int before = vt_agent_count(a, wait_for);

	vt_write(CONFIG, "%s", config_text);
	kill(a->pid, SIGHUP);
	ck_assert_msg(vt_agent_wait(a, wait_for, before + 1, 30000), "no \"%s\" after SIGHUP:\n%s",
		      wait_for, vt_agent_log(a));
}

START_TEST(applies_config_and_host_setup)
{
	struct vt_agent a;
	struct vt_reconcile r;
	char *routes;

	start_agent(&a, CONFIG_A);
	r = last_reconcile(&a, "start");
	ck_assert_uint_eq(r.ops, 11);
	ck_assert_uint_eq(r.service_add, 4);
	ck_assert_uint_eq(r.dest_add, 7);
	ck_assert_uint_eq(r.failed, 0);
	ck_assert_uint_eq(r.owned, 4);
	ck_assert_uint_eq(r.routes_added, 3);
	assert_ipvsadm(IPVSADM_A);
	assert_dump_matches(CONFIG_A);

	/* sysctls set and said so */
	vt_must("test \"$(sysctl -n net.ipv4.vs.expire_nodest_conn)\" = 1");
	vt_must("test \"$(sysctl -n net.ipv4.vs.expire_quiescent_template)\" = 1");
	ck_assert(strstr(vt_agent_log(&a), "sysctl net.ipv4.vs.expire_nodest_conn=1 was=0"));
	/* one host route per VIP on the dummy interface */
	vt_must("ip -d link show vigil0 | grep -q dummy");
	routes = vt_output("ip -4 route show dev vigil0; ip -6 route show dev vigil0");
	ck_assert_ptr_nonnull(routes);
	ck_assert_msg(strstr(routes, "10.96.0.1 ") && strstr(routes, "10.96.0.2 ") &&
			  strstr(routes, "fd00:96::1 "),
		      "routes on vigil0:\n%s", routes);
	free(routes);
	/* the ownership is on disk */
	vt_must("grep -c '\"vip\"' %s/state.json | grep -qx 4", STATE_DIR);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

START_TEST(clients_connect_through_the_vips)
{
	static const char *const tcp[] = { "10.96.0.1:80", "[fd00:96::1]:80", "10.96.0.2:443" };
	struct vt_agent a;
	struct vt_conn c;
	size_t i;

	start_agent(&a, CONFIG_A);
	for (i = 0; i < sizeof(tcp) / sizeof(tcp[0]); i++) {
		ck_assert_int_eq(vt_connect(tcp[i], 5000, &c), 0);
		ck_assert_msg(c.err == 0, "TCP to %s: %s", tcp[i], strerror(c.err));
	}
	ck_assert_int_eq(vt_udp_exchange("10.96.0.1:53", 5000, &c), 0);
	ck_assert_msg(c.err == 0, "UDP to 10.96.0.1:53: %s", strerror(c.err));
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

START_TEST(reload_does_only_what_changed)
{
	struct vt_agent a;
	struct vt_reconcile r;
	char *routes;

	start_agent(&a, CONFIG_A);
	reload(&a, CONFIG_B, "reconcile why=reload");
	r = last_reconcile(&a, "reload");
	ck_assert_uint_eq(r.ops, 6);
	ck_assert_uint_eq(r.service_add, 1);
	ck_assert_uint_eq(r.service_edit, 0);
	ck_assert_uint_eq(r.dest_add, 2);
	ck_assert_uint_eq(r.dest_edit, 1);
	ck_assert_uint_eq(r.dest_del, 1);
	ck_assert_uint_eq(r.service_del, 1);
	ck_assert_uint_eq(r.failed, 0);
	ck_assert_uint_eq(r.routes_added, 1);
	ck_assert_uint_eq(r.routes_removed, 1);
	assert_ipvsadm(IPVSADM_B);
	assert_dump_matches(CONFIG_B);
	routes = vt_output("ip -4 route show dev vigil0");
	ck_assert_ptr_nonnull(routes);
	ck_assert_msg(strstr(routes, "10.96.0.3 ") && !strstr(routes, "10.96.0.2 "),
		      "routes on vigil0 after the reload:\n%s", routes);
	free(routes);
	/* the same file again: nothing to do */
	reload(&a, CONFIG_B, "reconcile why=reload");
	ck_assert_uint_eq(last_reconcile(&a, "reload").ops, 0);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

START_TEST(bad_config_on_reload_changes_nothing)
{
	struct vt_agent a;
	char *before, *after;

	start_agent(&a, CONFIG_A);
	before = vt_output("ipvsadm -Sn");
	/* a misspelt key: line 8, column 37 */
	reload(&a,
	       AGENT_SECTION "services:\n"
			     "  - name: web\n"
			     "    vip: 10.96.0.1:80\n"
			     "    destinations:\n"
			     "      - { address: 10.100.1.2:8080, wieght: 50 }\n",
	       "reload rejected");
	ck_assert_msg(strstr(vt_agent_log(&a), CONFIG ":8:37: unknown key \"wieght\""),
		      "the rejection does not say where:\n%s", vt_agent_log(&a));
	ck_assert(vt_agent_alive(&a));
	after = vt_output("ipvsadm -Sn");
	ck_assert_str_eq(before, after);
	/* and a good one still works after it */
	reload(&a, CONFIG_B, "reconcile why=reload");
	assert_ipvsadm(IPVSADM_B);
	free(before);
	free(after);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

START_TEST(foreign_services_are_never_touched)
{
#define FOREIGN                                                                                    \
	"-A -t 10.96.0.1:80 -s rr\n"                                                               \
	"-a -t 10.96.0.1:80 -r 10.100.2.2:8080 -m -w 7\n"                                          \
	"-A -t 10.96.0.9:80 -s lc\n"
	struct vt_agent a;
	struct vt_reconcile r;
	char *before, *after;

	/* one at web's address, one the config does not know */
	vt_must("ipvsadm -A -t 10.96.0.1:80 -s rr && "
		"ipvsadm -a -t 10.96.0.1:80 -r 10.100.2.2:8080 -m -w 7 && "
		"ipvsadm -A -t 10.96.0.9:80 -s lc");
	start_agent(&a, CONFIG_A);
	r = last_reconcile(&a, "start");
	ck_assert_uint_eq(r.ops, 8); /* web's three are not vigild's to make */
	ck_assert_uint_eq(r.conflicts, 1);
	ck_assert_uint_eq(r.owned, 3);
	ck_assert_msg(strstr(vt_agent_log(&a), "service tcp 10.96.0.1:80 (web) is not programmed"),
		      "the conflict is not reported:\n%s", vt_agent_log(&a));
	assert_ipvsadm(FOREIGN "-A -u 10.96.0.1:53 -s rr\n"
			       "-a -u 10.96.0.1:53 -r 10.100.1.2:8080 -m -w 100\n"
			       "-A -t [fd00:96::1]:80 -s wrr\n"
			       "-a -t [fd00:96::1]:80 -r [fd00:100:1::2]:8080 -m -w 100\n"
			       "-a -t [fd00:96::1]:80 -r [fd00:100:2::2]:8080 -m -w 100\n"
			       "-A -t 10.96.0.2:443 -s sh -p 300\n"
			       "-a -t 10.96.0.2:443 -r 10.100.1.2:8080 -m -w 100\n"
			       "-a -t 10.96.0.2:443 -r 10.100.2.2:8080 -m -w 100\n");

	/* a reload that drops every service deletes vigild's, not the others */
	reload(&a, AGENT_SECTION "services: []\n", "reconcile why=reload");
	r = last_reconcile(&a, "reload");
	ck_assert_uint_eq(r.service_del, 3);
	assert_ipvsadm(FOREIGN);

	/* and the exit leaves everything as it is */
	reload(&a, CONFIG_A, "reconcile why=reload");
	before = vt_output("ipvsadm -Sn");
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
	after = vt_output("ipvsadm -Sn");
	ck_assert_str_eq(before, after);
	ck_assert(strstr(after, "-A -t 10.96.0.9:80 -s lc"));
	free(before);
	free(after);
}
END_TEST

START_TEST(drift_is_repaired)
{
	struct vt_agent a;
	struct vt_reconcile r;

	start_agent(&a, CONFIG_A);
	vt_must("ipvsadm -d -t 10.96.0.1:80 -r 10.100.2.2:8080 && "
		"ipvsadm -e -t 10.96.0.1:80 -r 10.100.1.2:8080 -m -w 5 && "
		"ipvsadm -D -u 10.96.0.1:53");
	ck_assert_msg(vt_agent_wait(&a, "reconcile why=periodic ops=", 1, 10000),
		      "no repair within 10 s:\n%s", vt_agent_log(&a));
	r = last_reconcile(&a, "periodic");
	ck_assert_uint_eq(r.ops, 4); /* the service and its destination, a dest, a weight */
	ck_assert_uint_eq(r.service_add, 1);
	ck_assert_uint_eq(r.dest_add, 2);
	ck_assert_uint_eq(r.dest_edit, 1);
	assert_ipvsadm(IPVSADM_A);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/* Connects to VIP until STOP exists; writes "ok fail" to RESULT. */
static pid_t client_loop(const char *vip, const char *stop, const char *result)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		unsigned int ok = 0, fail = 0;
		struct vt_conn c;
		FILE *f;

		while (access(stop, F_OK) != 0) {
			vt_connect(vip, 3000, &c);
			if (c.err == 0) {
				ok++;
			} else {
				fail++;
				fprintf(stderr, "client: %s failed: %s\n", vip, strerror(c.err));
			}
		}
		f = fopen(result, "w");
		fprintf(f, "%u %u\n", ok, fail);
		fclose(f);
		_exit(0);
	}
	return pid;
}

START_TEST(restart_under_load_adopts_without_disturbing)
{
	const char *stop = "/tmp/vt-client-stop", *result = "/tmp/vt-client-result";
	unsigned int ok = 0, fail = 0, i;
	struct vt_agent a;
	FILE *f;
	pid_t client;

	unlink(stop);
	start_agent(&a, CONFIG_A);
	client = client_loop("10.96.0.1:80", stop, result);
	for (i = 0; i < 3; i++) {
		sleep(1);
		/* killed without a chance to clean anything up, then started again */
		ck_assert_int_eq(vt_agent_stop(&a, SIGKILL), 128 + SIGKILL);
		sleep(1);
		ck_assert_int_eq(vt_agent_restart(&a, CONFIG), 0);
		ck_assert_uint_eq(last_reconcile(&a, "start").ops, 0); /* adopted, not rebuilt */
		ck_assert_uint_eq(last_reconcile(&a, "start").owned, 4);
	}
	sleep(1);
	vt_write(stop, "stop\n");
	ck_assert_int_eq(waitpid(client, NULL, 0), client);
	f = fopen(result, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%u %u", &ok, &fail), 2);
	fclose(f);
	fprintf(stderr, "client loop through 3 kill-and-restarts: %u connected, %u failed\n", ok,
		fail);
	ck_assert_uint_gt(ok, 10);
	ck_assert_uint_eq(fail, 0);
	assert_ipvsadm(IPVSADM_A);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/* Runs vigild as it would start, expecting it to fail; its stderr. */
static char *failed_start(const char *prefix)
{
	char *out;

	vt_write(CONFIG, "%s", CONFIG_A);
	out = vt_output("%s %s -c %s 2>&1; echo status=$?", prefix, vt_vigild(), CONFIG);
	ck_assert_ptr_nonnull(out);
	fprintf(stderr, "%s", out);
	return out;
}

START_TEST(refuses_clearly_without_root)
{
	char *out = failed_start("setpriv --reuid=65534 --regid=65534 --clear-groups");

	ck_assert_msg(strstr(out, "not allowed to use IPVS: vigild needs root"), "%s", out);
	ck_assert(strstr(out, "status=1"));
	vt_must("test -z \"$(ipvsadm -Sn)\"");
	free(out);
}
END_TEST

START_TEST(missing_ipvs_is_a_clear_error)
{
	char *out, modprobe[256] = "";
	FILE *f = fopen("/proc/sys/kernel/modprobe", "r");

	/* unload IPVS and keep the kernel from loading it back on demand */
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(modprobe, sizeof(modprobe), f));
	fclose(f);
	modprobe[strcspn(modprobe, "\n")] = '\0';
	vt_must("echo /bin/false >/proc/sys/kernel/modprobe");
	vt_must("for m in $(lsmod | awk '/^ip_vs_/ {print $1}'); do rmmod $m || exit; done; "
		"rmmod ip_vs");
	out = failed_start("");
	vt_must("echo '%s' >/proc/sys/kernel/modprobe", modprobe);
	vt_must("modprobe ip_vs && for s in rr wrr lc wlc sh; do modprobe ip_vs_$s; done");
	ck_assert_msg(strstr(out, "IPVS is not available: the kernel has no IPVS netlink family"),
		      "%s", out);
	ck_assert(strstr(out, "status=1"));
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vm_agent");
	TCase *tc = tcase_create("agent");

	tcase_add_unchecked_fixture(tc, lab_up, lab_down);
	tcase_add_checked_fixture(tc, fresh, NULL);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, applies_config_and_host_setup);
	tcase_add_test(tc, clients_connect_through_the_vips);
	tcase_add_test(tc, reload_does_only_what_changed);
	tcase_add_test(tc, bad_config_on_reload_changes_nothing);
	tcase_add_test(tc, foreign_services_are_never_touched);
	tcase_add_test(tc, drift_is_repaired);
	tcase_add_test(tc, restart_under_load_adopts_without_disturbing);
	tcase_add_test(tc, refuses_clearly_without_root);
	tcase_add_test(tc, missing_ipvs_is_a_clear_error);
	suite_add_tcase(s, tc);
	return check_main(s, CK_VERBOSE);
}
