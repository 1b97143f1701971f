// SPDX-License-Identifier: GPL-2.0-only
/*
 * Faults against the real kernel, each under a client loop through a VIP:
 * how many connections failed (none may) and how many services were lost
 * (none may). Dual-stack clients, answers lost mid-batch, a kill in the
 * middle of a large apply, a lost state file, a full or read-only state
 * directory, a ring buffer that overflows, ip_vs unloaded and loaded again.
 */
#include <check.h>

#include "check_main.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmtest.h"

#define CONFIG    "/tmp/vigil-faults.yaml"
#define STATE_DIR "/tmp/vigil-faults-state"
#define STATE     STATE_DIR "/state.json"
#define VIP       "10.96.0.20:80"
#define VIP_API   "10.96.0.21:80"
#define VIP_MORE  "10.96.0.22:80"
#define D1        "10.100.1.2:8080"
#define D2        "10.100.2.2:8080"
#define D3        "10.100.3.2:8080"
#define VIGILCTL  VIGIL_BUILD_DIR "/cli/vigilctl"

#define AGENT(extra)                                                                               \
	"agent:\n"                                                                                 \
	"  state_dir: " STATE_DIR "\n"                                                             \
	"  reconcile_interval: 1s\n" extra "defaults:\n"                                           \
	"  scheduler: rr\n"                                                                        \
	"  quarantine: { base: 30s, jitter: 0%%, failures: 1 }\n"

#define WEB                                                                                        \
	"  - name: web\n"                                                                          \
	"    vip: " VIP "\n"                                                                       \
	"    destinations: [" D1 ", " D2 ", " D3 "]\n"

/* Asserts OK; when it fails, vigild's log first (too long for a Check message). */
#define assert_or_log(a, ok, what)                                                                 \
	do {                                                                                       \
		bool ok_ = (ok);                                                                   \
		if (!ok_)                                                                          \
			fprintf(stderr, "vigild's log:\n%s", vt_agent_log(a));                     \
		ck_assert_msg(ok_, "%s", what);                                                    \
	} while (0)

static void fresh(void)
{
	vt_sh("umount %s 2>/dev/null", STATE_DIR);
	vt_lab_three_fresh(STATE_DIR);
}

/* `vigilctl status --json`; free it with json_object_put(). */
static json_object *status(void)
{
	return vt_vigilctl_json("status");
}

/* status.SECTION.KEY as a number; -1 when absent. */
static long long status_num(const char *section, const char *key)
{
	json_object *st = status(), *s, *v;
	long long n = -1;

	if (json_object_object_get_ex(st, section, &s) && json_object_object_get_ex(s, key, &v))
		n = json_object_get_int64(v);
	json_object_put(st);
	return n;
}

/* Services (TCP and UDP) IPVS has now, or (dests) their destinations. */
static int ipvs_count(bool dests)
{
	FILE *f = fopen("/proc/net/ip_vs", "re");
	char line[256];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (dests ? !strncmp(line, "  -> ", 5) && strncmp(line, "  -> RemoteAddress", 18)
			  : !strncmp(line, "TCP ", 4) || !strncmp(line, "UDP ", 4))
			n++;
	fclose(f);
	return n;
}

static int ipvs_services(void)
{
	return ipvs_count(false);
}

static bool ipvs_has(const char *flag, const char *vip)
{
	return vt_sh("ipvsadm -Ln %s %s >/dev/null 2>&1", flag, vip) == 0;
}

static bool weight_becomes(const char *vip, const char *real, int weight, int timeout_ms)
{
	uint64_t deadline = vt_now_ns() + timeout_ms * 1000000ull;

	while (vt_ipvs_weight(vip, real) != weight) {
		if (vt_now_ns() > deadline)
			return false;
		usleep(50000);
	}
	return true;
}

static bool service_appears(const char *vip, int timeout_ms)
{
	uint64_t deadline = vt_now_ns() + timeout_ms * 1000000ull;

	while (!ipvs_has("-t", vip)) {
		if (vt_now_ns() > deadline)
			return false;
		usleep(50000);
	}
	return true;
}

/* The client loop's verdict, and the services that must all still be there. */
static void no_client_failed_no_service_lost(struct vt_loop *loop, int services)
{
	struct vt_clients c = vt_loop_stop(loop);
	int have = ipvs_services();

	fprintf(stderr, "connections failed: %u of %u; services lost: %d of %d\n", c.failed,
		c.ok + c.failed, services - have < 0 ? 0 : services - have, services);
	ck_assert_uint_gt(c.ok, 0);
	ck_assert_uint_eq(c.failed, 0);
	ck_assert_int_ge(have, services);
}

/* vigild on web alone, EXTRA added to its agent section, once it watches. */
static void start_web(struct vt_agent *a, const char *extra)
{
	ck_assert_int_eq(vt_write(CONFIG, AGENT("%s") "services:\n" WEB, extra), 0);
	ck_assert_int_eq(vt_agent_start(a, CONFIG), 0);
	ck_assert(vt_agent_wait(a, "watching attached=", 1, 30000));
}

/*
 * A client on an AF_INET6 socket connecting to the IPv4 VIP as
 * ::ffff:10.96.0.20 (Java's default). Its flow is IPv4 to IPVS and must be
 * to vigil's programs too, or no state change matches the pick and every
 * handshake looks unanswered.
 */
START_TEST(dual_stack_clients_make_no_evidence_and_still_fail_over)
{
	struct vt_agent a;
	struct vt_clients c;
	struct vt_loop loop;

	start_web(&a, "");
	ck_assert_int_eq(vt_loop_start(&loop, VIP, 100), 0);

	c = vt_connect_n("[::ffff:10.96.0.20]:80", 30, 3000, NULL);
	ck_assert_uint_eq(c.ok, 30);
	usleep(1500000); /* past the longest syn_timeout */
	assert_or_log(&a, vt_agent_count(&a, "evidence kind=") == 0, "evidence against healthy");
	ck_assert_int_eq(vt_ipvs_weight(VIP, D1), 100);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D2), 100);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), 100);
	no_client_failed_no_service_lost(&loop, 1);

	/* and they are followed: a silent destination is found from their handshakes */
	vt_must("%s silent d2", vt_lab());
	c = vt_connect_n("[::ffff:10.96.0.20]:80", 30, 10000, NULL);
	fprintf(stderr, "dual-stack clients past a silent d2: %u ok, %u failed, slowest %.3f s\n",
		c.ok, c.failed, c.max_s);
	ck_assert_uint_eq(c.ok, 30);
	ck_assert_double_lt(c.max_s, 1.5);
	ck_assert_uint_ge(vt_agent_count(&a, "evidence kind=syn-timeout service=web real=" D2), 1);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/* web, then n - 1 more services of one destination each, at 10.97.X.Y:80. */
static char *many_services(unsigned int n, unsigned int dests)
{
	size_t size = 1024 + (size_t)n * (96 + dests * 24);
	char *text = malloc(size);
	size_t len;

	ck_assert_ptr_nonnull(text);
	len = snprintf(text, size, AGENT("") "services:\n" WEB);
	for (unsigned int i = 1; i < n; i++) {
		len += snprintf(text + len, size - len,
				"  - name: s%u\n    vip: 10.97.%u.%u:80\n    destinations: [", i,
				i >> 8, i & 0xff);
		for (unsigned int j = 0; j < dests; j++)
			len += snprintf(text + len, size - len, "%s10.200.%u.%u:80", j ? ", " : "",
					j, i & 0xff);
		len += snprintf(text + len, size - len, "]\n");
	}
	return text;
}

/*
 * The kernel's answers to a batch lost (ENOBUFS), though it applied the
 * requests: the services stay vigild's, and the next pass finds them there.
 */
START_TEST(answers_lost_mid_batch_keep_ownership)
{
	char *text = many_services(200, 1);
	struct vt_reconcile rec;
	struct vt_agent a;
	struct vt_loop loop;

	ck_assert_int_eq(vt_write(CONFIG, "%s", text), 0);
	free(text);
	setenv("LD_PRELOAD", FAULT_SHIM, 1);
	ck_assert_int_eq(vt_agent_start(&a, CONFIG), 0);
	unsetenv("LD_PRELOAD");
	ck_assert_int_eq(vt_loop_start(&loop, VIP, 50), 0);
	assert_or_log(&a, vt_agent_count(&a, "fault_shim: the answers") == 1, "no fault");
	ck_assert(vt_agent_reconcile(&a, "start", &rec));
	ck_assert_uint_gt(rec.failed, 0);
	fprintf(stderr, "start: %u operations failed in transport; owned %u\n", rec.failed,
		rec.owned);

	/* the next pass reads what was applied: nothing to do, nothing foreign */
	vt_must("kill -HUP %d", (int)a.pid);
	ck_assert(vt_agent_wait(&a, "reconcile why=reload", 1, 10000));
	ck_assert(vt_agent_reconcile(&a, "reload", &rec));
	fprintf(stderr, "next pass: ops %u, conflicts %u, owned %u\n", rec.ops, rec.conflicts,
		rec.owned);
	ck_assert_uint_eq(rec.ops, 0);
	ck_assert_uint_eq(rec.conflicts, 0);
	ck_assert_uint_eq(rec.owned, 200);
	ck_assert_int_eq(status_num("services", "owned"), 200);
	ck_assert_uint_ge(vt_agent_count(&a, "the kernel's answer was lost"), 1);
	ck_assert_int_eq(vt_agent_count(&a, "not programmed"), 0);
	no_client_failed_no_service_lost(&loop, 200);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/*
 * SIGKILL while 1,000 services of 10 destinations are being created: the
 * claims were written ahead, so the next vigild adopts every one, finishes
 * the half-made ones and leaves nothing orphaned.
 */
START_TEST(killed_mid_apply_then_restarted_adopts_all)
{
	char *text = many_services(1000, 10);
	struct vt_reconcile rec;
	uint64_t deadline;
	struct vt_agent a;
	struct vt_loop loop;
	bool looping;
	int at_kill;

	ck_assert_int_eq(vt_write(CONFIG, "%s", text), 0);
	free(text);
	ck_assert_int_eq(vt_agent_launch(&a, CONFIG), 0);
	/* services are added before destinations: a kill among these is mid-apply */
	deadline = vt_now_ns() + 60000000000ull;
	while ((at_kill = ipvs_count(true)) < 500 && vt_now_ns() < deadline)
		usleep(1000);
	ck_assert_int_eq(vt_agent_stop(&a, SIGKILL), 128 + SIGKILL);
	fprintf(stderr, "killed with %d services and %d of 9993 destinations in IPVS\n",
		ipvs_services(), ipvs_count(true));
	ck_assert_int_ge(at_kill, 500);

	/*
	 * The data path goes on while no vigild runs: for web, if it got as far
	 * as its VIP's route, which the first pass adds after applying.
	 */
	looping = vt_sh("ip route show dev vigil0 | grep -q '^10.96.0.20 '") == 0;
	if (looping)
		ck_assert_int_eq(vt_loop_start(&loop, VIP, 50), 0);
	ck_assert_int_eq(vt_agent_restart(&a, CONFIG), 0);
	if (!looping)
		ck_assert_int_eq(vt_loop_start(&loop, VIP, 50), 0);
	ck_assert(vt_agent_reconcile(&a, "start", &rec));
	ck_assert_uint_eq(rec.conflicts, 0);
	ck_assert_uint_eq(rec.owned, 1000);
	ck_assert_uint_eq(rec.failed, 0);
	ck_assert_int_eq(vt_agent_count(&a, "not programmed"), 0);
	ck_assert_int_eq(ipvs_services(), 1000);
	/* every half-made service has all its destinations */
	ck_assert_int_eq(ipvs_count(true), 999 * 10 + 3);
	usleep(500000);
	no_client_failed_no_service_lost(&loop, 1000);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

#define THREE_SERVICES                                                                             \
	AGENT("")                                                                                  \
	"services:\n" WEB "  - name: api\n"                                                        \
	"    vip: " VIP_API "\n"                                                                   \
	"    destinations: [" D1 ", " D2 "]\n"                                                     \
	"  - name: dns\n"                                                                          \
	"    vip: 10.96.0.20:53\n"                                                                 \
	"    protocol: udp\n"                                                                      \
	"    destinations: [" D1 "]\n"

/*
 * The state file lost, then vigild restarted: the VIP routes on vigil0,
 * which only vigild makes, show which services it created, and it takes
 * them back rather than leave them as someone else's.
 */
START_TEST(a_lost_state_file_is_adopted_back_from_the_vip_routes)
{
	struct vt_reconcile rec;
	struct vt_agent a;
	struct vt_loop loop;

	ck_assert_int_eq(vt_write(CONFIG, THREE_SERVICES), 0);
	ck_assert_int_eq(vt_agent_start(&a, CONFIG), 0);
	ck_assert_int_eq(vt_loop_start(&loop, VIP, 50), 0);
	vt_must("rm %s", STATE);
	ck_assert_int_eq(vt_agent_stop(&a, SIGKILL), 128 + SIGKILL);
	ck_assert_int_eq(vt_agent_restart(&a, CONFIG), 0);

	assert_or_log(&a, vt_agent_count(&a, "adopted service ") == 3, "not adopted");
	ck_assert(vt_agent_reconcile(&a, "start", &rec));
	ck_assert_uint_eq(rec.conflicts, 0);
	ck_assert_uint_eq(rec.owned, 3);
	ck_assert_uint_eq(rec.routes_removed, 0);
	ck_assert_int_eq(vt_sh("test $(ip route show dev vigil0 | wc -l) -eq 2"), 0);
	ck_assert_int_eq(vt_sh("grep -q 10.96.0.21 %s", STATE), 0);
	/* vigild's again: a destination someone removed is put back */
	vt_must("ipvsadm -d -t %s -r %s", VIP_API, D2);
	assert_or_log(&a, weight_becomes(VIP_API, D2, 100, 5000), "not repaired");
	no_client_failed_no_service_lost(&loop, 3);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);

	/* a first start (no state file, no routes) adopts nothing */
	vt_must("ipvsadm -C && ip link del vigil0 && rm -rf %s", STATE_DIR);
	vt_must("ipvsadm -A -t %s -s rr", VIP_API);
	ck_assert_int_eq(vt_agent_restart(&a, CONFIG), 0);
	ck_assert_uint_eq(vt_agent_count(&a, "adopted service "), 3);
	ck_assert(vt_agent_reconcile(&a, "start", &rec));
	ck_assert_uint_eq(rec.conflicts, 1);
	ck_assert_uint_eq(rec.owned, 2);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

#define WEB_B                                                                                      \
	"  - name: web\n"                                                                          \
	"    vip: " VIP "\n"                                                                       \
	"    destinations: [" D1 ", " D2 ", { address: " D3 ", weight: 50 }]\n"

/*
 * A state directory that cannot take a write (full, then read-only): new
 * services wait, loudly, since creating what vigild cannot record would
 * orphan it; the services it owns are still changed and repaired.
 */
START_TEST(a_full_or_read_only_state_dir_still_repairs)
{
	struct vt_agent a;
	struct vt_loop loop;

	vt_must("mkdir -p %s && mount -t tmpfs -o size=64k tmpfs %s", STATE_DIR, STATE_DIR);
	ck_assert_int_eq(vt_write(CONFIG, AGENT("") "services:\n" WEB), 0);
	ck_assert_int_eq(vt_agent_start(&a, CONFIG), 0);
	ck_assert_int_eq(vt_loop_start(&loop, VIP, 50), 0);

	vt_sh("dd if=/dev/zero of=%s/filler bs=4k 2>/dev/null", STATE_DIR);
	ck_assert_int_eq(vt_write(CONFIG, AGENT("") "services:\n" WEB_B "  - name: api\n"
						    "    vip: " VIP_API "\n"
						    "    destinations: [" D1 "]\n"),
			 0);
	vt_must("kill -HUP %d", (int)a.pid);
	ck_assert(vt_agent_wait(&a, "reconcile why=reload", 1, 10000));
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), 50);
	ck_assert(!ipvs_has("-t", VIP_API));
	ck_assert_uint_ge(vt_agent_count(&a, "1 service not created: vigild cannot record"), 1);
	ck_assert_int_eq(status_num("services", "unclaimed"), 1);
	/* a repair of an owned service needs no new claim */
	vt_must("ipvsadm -d -t %s -r %s", VIP, D1);
	assert_or_log(&a, weight_becomes(VIP, D1, 100, 5000), "not repaired");

	/* space again: the next pass creates it */
	vt_must("rm %s/filler", STATE_DIR);
	assert_or_log(&a, service_appears(VIP_API, 5000), "api not created");
	ck_assert_int_eq(status_num("services", "unclaimed"), 0);

	/* read-only: the same */
	vt_must("mount -o remount,ro %s", STATE_DIR);
	ck_assert_int_eq(vt_write(CONFIG, AGENT("") "services:\n" WEB_B "  - name: api\n"
						    "    vip: " VIP_API "\n"
						    "    destinations: [" D1 "]\n"
						    "  - name: more\n"
						    "    vip: " VIP_MORE "\n"
						    "    destinations: [" D2 "]\n"),
			 0);
	vt_must("kill -HUP %d", (int)a.pid);
	ck_assert(vt_agent_wait(&a, "reconcile why=reload", 2, 10000));
	ck_assert(!ipvs_has("-t", VIP_MORE));
	ck_assert_uint_ge(vt_agent_count(&a, "Read-only file system"), 1);
	vt_must("mount -o remount,rw %s", STATE_DIR);
	assert_or_log(&a, service_appears(VIP_MORE, 5000), "more not created");
	no_client_failed_no_service_lost(&loop, 3);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
	vt_must("umount %s", STATE_DIR);
}
END_TEST

/*
 * The ring buffer overflows (the smallest one, vigild stopped while 600
 * connections go through): the drops are counted and reported, the attempts
 * in flight are forgotten rather than judged, so no healthy destination is
 * quarantined, and detection works again right after.
 */
START_TEST(an_overflowing_ring_buffer_resyncs_without_false_quarantine)
{
	struct vt_storm storm;
	struct vt_clients c;
	struct vt_agent a;

	start_web(&a, "  ringbuf_size: 64KiB\n");
	c = vt_connect_n(VIP, 3, 3000, NULL); /* the pipeline verified first */
	ck_assert_uint_eq(c.ok, 3);

	vt_must("kill -STOP %d", (int)a.pid);
	ck_assert_int_eq(vt_storm(VIP, 600, 20, &storm), 0);
	vt_must("kill -CONT %d", (int)a.pid);
	fprintf(stderr, "storm: %u connected, %u failed\n", storm.ok, storm.failed);
	ck_assert_uint_eq(storm.failed, 0);
	vt_storm_free(&storm);
	usleep(2500000);

	fprintf(stderr, "ring buffer: %lld events dropped, %u syn-timeouts, weights %d %d %d\n",
		status_num("probes", "ringbuf_drops"),
		vt_agent_count(&a, "evidence kind=syn-timeout"), vt_ipvs_weight(VIP, D1),
		vt_ipvs_weight(VIP, D2), vt_ipvs_weight(VIP, D3));
	assert_or_log(&a, vt_agent_count(&a, "evidence kind=syn-timeout") == 0,
		      "syn-timeouts of lost answers");
	ck_assert_int_eq(vt_ipvs_weight(VIP, D1), 100);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D2), 100);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), 100);

	ck_assert_int_gt(status_num("probes", "ringbuf_drops"), 0);
	ck_assert_int_ge(status_num("probes", "resyncs"), 1);
	ck_assert_uint_ge(vt_agent_count(&a, "the ring buffer overflowed"), 1);
	vt_must("%s silent d2", vt_lab());
	c = vt_connect_n(VIP, 30, 10000, NULL);
	fprintf(stderr, "after the resync, past a silent d2: %u ok, slowest %.3f s\n", c.ok,
		c.max_s);
	ck_assert_uint_eq(c.ok, 30);
	ck_assert_double_lt(c.max_s, 1.5);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/*
 * Removes every ip_vs module, scheduler modules first; 0 or rmmod's status.
 * vigild puts its services back within a second, and they hold their
 * scheduler's module: clear and remove at once, a few times if need be.
 */
static int unload_ip_vs(void)
{
	return vt_sh("for i in $(seq 20); do ipvsadm -C && "
		     "rmmod $(lsmod | awk '$1 ~ /^ip_vs_/ { print $1 }') ip_vs 2>/dev/null && "
		     "exit 0; sleep 0.1; done; lsmod | grep ip_vs; exit 1");
}

/*
 * ip_vs unloaded while vigild runs, in each of vigild's ways to hook it (fexit,
 * or kretprobe without trampolines). Where the kernel lets it go (6.1: its
 * kprobes do not pin a module), vigild's next pass finds IPVS back: resolving
 * the family loads the module again (request_module of its generic netlink
 * alias). It programs every service and the sysctls again within a reconcile
 * interval, and moves its kretprobe to the new module's function. Where the
 * kernel refuses (a trampoline pins the module of its function, and newer
 * kernels' kprobes do too), what the attempt cleared is put back.
 */
static void unload_and_back(struct vt_agent *a, const char *how)
{
	unsigned int backs = vt_agent_count(a, "IPVS is back"),
		     moved = vt_agent_count(a, "attached kretprobe/ip_vs_conn_new to the new");
	bool kretprobe = strstr(vt_agent_log(a), "using kretprobe/ip_vs_conn_new") != NULL;
	struct vt_loop loop;
	json_object *st;
	uint64_t t0;
	int r;

	r = unload_ip_vs();
	t0 = vt_now_ns();
	fprintf(stderr, "%s: ip_vs %s\n", how,
		r ? "stays: the kernel refuses while vigild's hooks are on it" : "unloaded");
	if (!service_appears(VIP, 3000))
		fprintf(stderr, "%s", vt_agent_log(a));
	ck_assert(service_appears(VIP, 1));
	fprintf(stderr, "%s: programmed again %.2f s after\n", how, (vt_now_ns() - t0) / 1e9);
	ck_assert(vt_agent_alive(a));
	ck_assert_int_eq(ipvs_services(), 3);
	if (!r) {
		ck_assert_uint_eq(vt_agent_count(a, "IPVS is back"), backs + 1);
		ck_assert_int_eq(vt_sh("test $(sysctl -n net.ipv4.vs.expire_nodest_conn) = 1"), 0);
		if (kretprobe)
			ck_assert_uint_eq(
			    vt_agent_count(a, "attached kretprobe/ip_vs_conn_new to the new"),
			    moved + 1);
	}
	ck_assert_int_eq(vt_loop_start(&loop, VIP, 50), 0);
	usleep(3000000);
	no_client_failed_no_service_lost(&loop, 3);
	st = status();
	fprintf(stderr, "%s: degraded after: %s\n", how,
		json_object_to_json_string(json_object_object_get(st, "degraded")));
	/* the pipeline still works: nothing found silent */
	ck_assert_ptr_null(strstr(json_object_to_json_string(st), "\"state\": \"silent\""));
	json_object_put(st);
}

START_TEST(ip_vs_unloaded_and_loaded_again_is_programmed_again)
{
	struct vt_agent a;

	ck_assert_int_eq(vt_write(CONFIG, THREE_SERVICES), 0);
	ck_assert_int_eq(vt_agent_start(&a, CONFIG), 0);
	ck_assert(vt_agent_wait(&a, "watching attached=", 1, 30000));
	unload_and_back(&a, "preferred hooks");
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);

	setenv("VIGIL_DISABLE_PROBES", "trampolines", 1);
	ck_assert_int_eq(vt_agent_restart(&a, CONFIG), 0);
	unsetenv("VIGIL_DISABLE_PROBES");
	ck_assert(vt_agent_wait(&a, "watching attached=", 2, 30000));
	unload_and_back(&a, "kprobes");
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

#define SOCKET "/run/vigil/vigil.sock"

/*
 * A connection to the control socket as UID (the effective uid is what
 * SO_PEERCRED reports; the group stays root's, which the socket allows when
 * there is no vigil group): the socket, or -1.
 */
static int control_as(uid_t uid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = SOCKET };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(seteuid(uid), 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	ck_assert_int_eq(seteuid(0), 0);
	return fd;
}

/* The line vigild wrote on FD within 2 s ("" if none: the client was kept). */
static const char *answer(int fd)
{
	static char line[512];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n = 0;

	line[0] = '\0';
	if (poll(&p, 1, 2000) == 1) {
		n = read(fd, line, sizeof(line) - 1);
		line[n > 0 ? n : 0] = '\0';
	}
	return line;
}

/* Whether vigild writes nothing on FD for a while: a kept, idle client. */
static bool kept(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 200) == 0;
}

/*
 * 32 idle clients of one member of the group, then the group's whole share
 * from four: root still reloads. Before, 32 idle clients of uid 65534 made
 * root's reload fail with "too many control clients".
 */
START_TEST(idle_group_clients_do_not_lock_root_out)
{
	int fds[64], n = 0, i;
	struct vt_agent a;
	struct vt_loop loop;

	ck_assert_int_eq(vt_write(CONFIG, AGENT("") "services:\n" WEB), 0);
	ck_assert_int_eq(vt_agent_start(&a, CONFIG), 0);
	ck_assert_int_eq(vt_loop_start(&loop, VIP, 50), 0);

	for (i = 0; i < 32; i++)
		ck_assert_int_ge(fds[n++] = control_as(65534), 0);
	for (i = 0; i < 32; i++) {
		if (i < 8) {
			ck_assert(kept(fds[i]));
			continue;
		}
		ck_assert_str_eq(answer(fds[i]), "{\"ok\":false,\"error\":\"too many control "
						 "clients of uid 65534 (limit 8)\"}\n");
	}
	ck_assert_int_eq(vt_sh(VIGILCTL " reload"), 0);

	/* the share of every uid but root's, full: 28 of 32 */
	for (uid_t uid = 65533; uid > 65530; uid--)
		for (i = 0; i < 8; i++)
			ck_assert_int_ge(fds[n++] = control_as(uid), 0);
	ck_assert_str_eq(answer(fds[n - 1]),
			 "{\"ok\":false,\"error\":\"too many control clients of uids other than 0 "
			 "(limit 28, the other 4 are kept for root)\"}\n");
	ck_assert_int_eq(vt_sh(VIGILCTL " reload"), 0);
	ck_assert_int_eq(status_num("control", "clients"), 29);
	ck_assert_uint_eq(vt_agent_count(&a, "reloaded config="), 2);
	for (i = 0; i < n; i++)
		close(fds[i]);
	no_client_failed_no_service_lost(&loop, 1);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/*
 * A read-only client that pipelines `list`s as fast as it is answered, until
 * killed; it counts the answers in *answered (shared memory).
 */
static pid_t list_flooder(volatile unsigned long *answered)
{
	static const char req[] = "{\"command\":\"list\"}\n";
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = SOCKET };
		char buf[65536], batch[64 * sizeof(req)];
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		if (setuid(65534) < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(1);
		for (size_t i = 0; i < 64; i++)
			memcpy(batch + i * (sizeof(req) - 1), req, sizeof(req) - 1);
		for (;;) {
			struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

			if (poll(&p, 1, 100) < 0)
				_exit(1);
			if (p.revents & POLLIN) {
				ssize_t n = read(fd, buf, sizeof(buf));

				if (n <= 0)
					_exit(0);
				for (ssize_t i = 0; i < n; i++)
					*answered += buf[i] == '\n';
			}
			if ((p.revents & POLLOUT) && write(fd, batch, 64 * (sizeof(req) - 1)) < 0)
				_exit(0);
		}
	}
	return pid;
}

/* The largest age_ms of the syn-timeout evidence in vigild's log: how late its timer ran. */
static double max_syn_timeout_age(struct vt_agent *a)
{
	const char *p = vt_agent_log(a);
	double max = 0;

	while ((p = strstr(p, "evidence kind=syn-timeout "))) {
		const char *age = strstr(p, "age_ms="), *eol = strchr(p, '\n');

		if (age && (!eol || age < eol) && atof(age + 7) > max)
			max = atof(age + 7);
		p += 10;
	}
	return max;
}

/*
 * Four clients pipelining `list` without pause while a destination goes
 * silent: requests run one per loop turn, so the decision timers still run
 * on time and every client gets past the silent destination at once.
 */
START_TEST(a_list_flood_does_not_delay_failover)
{
	volatile unsigned long *answered;
	pid_t flooders[4];
	struct vt_clients c;
	struct vt_agent a;
	double late;
	int i;

	start_web(&a, "");
	c = vt_connect_n(VIP, 3, 3000, NULL); /* the pipeline verified first */
	answered = mmap(NULL, 4 * sizeof(*answered), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(answered != MAP_FAILED);
	for (i = 0; i < 4; i++)
		flooders[i] = list_flooder(&answered[i]);
	usleep(1000000);

	vt_must("%s silent d2", vt_lab());
	c = vt_connect_n(VIP, 30, 10000, NULL);
	late = max_syn_timeout_age(&a);
	fprintf(stderr,
		"under a list flood (%lu lists answered), past a silent d2: %u ok, slowest "
		"%.3f s; syn-timeout evidence at most %.2f ms after its deadline\n",
		answered[0] + answered[1] + answered[2] + answered[3], c.ok, c.max_s, late);
	for (i = 0; i < 4; i++) {
		kill(flooders[i], SIGKILL);
		waitpid(flooders[i], NULL, 0);
	}
	ck_assert_uint_eq(c.ok, 30);
	ck_assert_double_lt(c.max_s, 1.5);
	ck_assert_double_lt(late, 100);
	ck_assert_uint_ge(vt_agent_count(&a, "evidence kind=syn-timeout service=web real=" D2), 1);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vm_faults");
	TCase *tc = tcase_create("faults");

	tcase_add_unchecked_fixture(tc, vt_lab_three, vt_lab_three_down);
	tcase_add_checked_fixture(tc, fresh, NULL);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, dual_stack_clients_make_no_evidence_and_still_fail_over);
	tcase_add_test(tc, answers_lost_mid_batch_keep_ownership);
	tcase_add_test(tc, killed_mid_apply_then_restarted_adopts_all);
	tcase_add_test(tc, a_lost_state_file_is_adopted_back_from_the_vip_routes);
	tcase_add_test(tc, a_full_or_read_only_state_dir_still_repairs);
	tcase_add_test(tc, an_overflowing_ring_buffer_resyncs_without_false_quarantine);
	tcase_add_test(tc, ip_vs_unloaded_and_loaded_again_is_programmed_again);
	tcase_add_test(tc, idle_group_clients_do_not_lock_root_out);
	tcase_add_test(tc, a_list_flood_does_not_delay_failover);
	suite_add_tcase(s, tc);
	return check_main(s, CK_VERBOSE);
}
