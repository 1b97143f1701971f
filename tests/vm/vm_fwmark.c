// SPDX-License-Identifier: GPL-2.0-only
/*
 * Firewall-mark services, one-packet scheduling and included files against
 * the real kernel: what vigild programs (through the ipvs library's dump, an
 * independent reader of IPVS), what it keeps in its state file and shows,
 * and whether it watches the connections of a fwmark service, whose clients
 * reach an address no VIP names.
 *
 * The clients mark their own packets with SO_MARK, as the iptables rule
 * `-t mangle -A OUTPUT ... -j MARK` of an operator would: IPVS takes
 * skb->mark at LOCAL_OUT either way, and the VM needs no netfilter for it.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_main.h"
#include "ipvs.h"
#include "vmtest.h"

#define CONFIG    "/tmp/vigil-fwmark.yaml"
#define CONF_D    "/tmp/vigil-fwmark.d"
#define STATE_DIR "/tmp/vigil-fwmark-state"
#define MARK      10
/* What the marked clients connect to: routed, but no VIP (vigild adds no route for it). */
#define TARGET    "10.96.7.7:80"
#define TARGET_IF "vtmark0"
#define D1        "10.100.1.2:8080"
#define D2        "10.100.2.2:8080"
#define D3        "10.100.3.2:8080"

#define CONFIG_HEAD                                                                                \
	"agent:\n"                                                                                 \
	"  state_dir: " STATE_DIR "\n"                                                             \
	"  reconcile_interval: 1s\n"                                                               \
	"defaults:\n"                                                                              \
	"  scheduler: rr\n"                                                                        \
	"  quarantine: { base: 3s, max: 30s, multiplier: 2, jitter: 0% }\n"                        \
	"  probation: { interval: 500ms, timeout: 500ms, warmup: 2s }\n"                           \
	"  health: { enabled: false }\n"

/* In CONF_D: the fwmark service comes from an included file. */
#define MARKED_FILE                                                                                \
	"services:\n"                                                                              \
	"  - name: marked\n"                                                                       \
	"    fwmark: 10\n"                                                                         \
	"    destinations: [" D1 ", " D2 ", " D3 "]\n"

#define UDP_OPS_SERVICE                                                                            \
	"  - name: dns\n"                                                                          \
	"    vip: 10.96.0.53:53\n"                                                                 \
	"    protocol: udp\n"                                                                      \
	"    ops: true\n"                                                                          \
	"    destinations: [10.100.1.2:53, 10.100.2.2:53]\n"

static void fresh(void)
{
	vt_lab_three_fresh(STATE_DIR);
	vt_must("rm -rf %s && mkdir -p %s", CONF_D, CONF_D);
	vt_sh("ip link del %s 2>/dev/null", TARGET_IF);
	/* as an operator routes the addresses the marked clients use */
	vt_must("ip link add %s type dummy && ip link set %s up && "
		"ip route add 10.96.7.7/32 dev %s",
		TARGET_IF, TARGET_IF, TARGET_IF);
}

static void lab_down(void)
{
	vt_sh("ip link del %s 2>/dev/null; rm -rf %s", TARGET_IF, CONF_D);
	vt_lab_three_down();
}

static void start(struct vt_agent *a, const char *services)
{
	vt_write(CONF_D "/marked.yaml", "%s", MARKED_FILE);
	/* the main file needs its own services:, [] when all come from the included file */
	vt_write(CONFIG, "%sinclude: [" CONF_D "/*.yaml]\nservices:%s%s", CONFIG_HEAD,
		 *services ? "\n" : " []\n", services);
	ck_assert_int_eq(vt_agent_start(a, CONFIG), 0);
	ck_assert_msg(vt_agent_wait(a, "watching attached=", 1, 60000),
		      "vigild does not watch:\n%s", vt_agent_log(a));
}

/* A TCP connection whose packets carry MARK, capped at timeout_ms. */
static void marked_connect(const char *addr_port, unsigned int mark, int timeout_ms,
			   struct vt_conn *ret)
{
	struct sockaddr_storage ss;
	struct pollfd pfd;
	socklen_t len;
	int fd, r;

	memset(ret, 0, sizeof(*ret));
	ck_assert_int_eq(vt_sockaddr(addr_port, &ss, &len), 0);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == 0, "SO_MARK: %s",
		      strerror(errno));
	ret->started_ns = vt_now_ns();
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		ret->err = errno;
		close(fd);
		return;
	}
	ret->local_port = vt_local_port(fd);
	pfd.fd = fd;
	pfd.events = POLLOUT;
	r = poll(&pfd, 1, timeout_ms);
	if (r < 0) {
		ret->err = errno;
	} else if (r == 0) {
		ret->err = ETIMEDOUT;
	} else {
		socklen_t l = sizeof(ret->err);

		getsockopt(fd, SOL_SOCKET, SO_ERROR, &ret->err, &l);
	}
	ret->seconds = (vt_now_ns() - ret->started_ns) / 1e9;
	close(fd);
}

static struct vt_clients marked_connect_n(unsigned int n, int cap_ms)
{
	struct vt_clients c = { 0 };
	struct vt_conn conn;

	for (unsigned int i = 0; i < n; i++) {
		marked_connect(TARGET, MARK, cap_ms, &conn);
		if (conn.err == 0)
			c.ok++;
		else
			c.failed++;
		if (conn.seconds > c.max_s)
			c.max_s = conn.seconds;
	}
	return c;
}

/* IPVS's weight of REAL in fwmark service MARK (IPv4), or -1. */
static int fwmark_weight(const char *real)
{
	char *out = vt_output("ipvsadm -Ln -f %u | awk '$2 == \"%s\" { print $4 }'", MARK, real);
	int w = out && *out ? atoi(out) : -1;

	free(out);
	return w;
}

/* The kernel's service of KEY, from the library's dump; NULL if it has none. Free T. */
static const struct ipvs_table_service *dumped(struct ipvs_table **t,
					       const struct ipvs_service *key)
{
	struct ipvs *h = NULL;

	ck_assert_int_eq(ipvs_open(&h), 0);
	ck_assert_int_eq(ipvs_dump(h, t), 0);
	ipvs_close(h);
	for (size_t i = 0; i < (*t)->n_services; i++) {
		const struct ipvs_service *s = &(*t)->services[i].svc;

		if (s->af == key->af && s->fwmark == key->fwmark &&
		    (key->fwmark || (s->protocol == key->protocol && s->port == key->port)))
			return &(*t)->services[i];
	}
	return NULL;
}

START_TEST(fwmark_and_ops_are_programmed_owned_and_shown)
{
	struct ipvs_service key = { .af = AF_INET, .fwmark = MARK };
	const struct ipvs_table_service *ts;
	struct ipvs_table *t = NULL;
	json_object *list;
	struct vt_agent a;
	char *text;

	start(&a, UDP_OPS_SERVICE);
	/* the included file's service is in IPVS, keyed by its mark */
	ts = dumped(&t, &key);
	ck_assert_msg(ts, "no fwmark %d service in IPVS:\n%s", MARK, vt_agent_log(&a));
	ck_assert_uint_eq(ts->n_dests, 3);
	ck_assert_str_eq(ts->svc.scheduler, "rr");
	ck_assert_uint_eq(ts->svc.flags & IPVS_SVC_F_ONEPACKET, 0);
	ipvs_table_free(t);
	key = (struct ipvs_service){ .af = AF_INET, .protocol = IPPROTO_UDP, .port = 53 };
	ts = dumped(&t, &key);
	ck_assert_ptr_nonnull(ts);
	ck_assert_uint_eq(ts->svc.flags & IPVS_SVC_F_ONEPACKET, IPVS_SVC_F_ONEPACKET);
	ipvs_table_free(t);
	/* ipvsadm reads it the same way */
	ck_assert_int_eq(vt_sh("ipvsadm -Sn | grep -qx -- '-A -f %d -s rr'", MARK), 0);
	ck_assert_int_eq(vt_sh("ipvsadm -Sn | grep -qE -- '^-A -u 10.96.0.53:53 -s rr.* (-o|ops)'"),
			 0);
	/* owned: in the state file by mark and family */
	ck_assert_int_eq(vt_sh("grep -q '\"fwmark\": *%d' %s/state.json", MARK, STATE_DIR), 0);
	/* shown as ipvsadm shows them */
	text = vt_output("%s/cli/vigilctl list -n", VIGIL_BUILD_DIR);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, "FWM  10 rr (marked)"), "vigilctl list:\n%s", text);
	ck_assert_msg(strstr(text, "UDP  10.96.0.53:53 rr ops (dns)"), "vigilctl list:\n%s", text);
	free(text);
	list = vt_vigilctl_json("status");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
			     json_object_object_get(list, "services"), "fwmark")),
			 1);
	json_object_put(list);
	/* no route for a mark: only the UDP VIP's */
	ck_assert_int_eq(vt_sh("ip route show dev vigil0 | grep -q 10.96.0.53"), 0);
	ck_assert_int_ne(vt_sh("ip route show dev vigil0 | grep -q 10.96.7.7"), 0);

	/* the included file emptied: its service goes, the rest stays */
	vt_write(CONF_D "/marked.yaml", "services: []\n");
	kill(a.pid, SIGHUP);
	ck_assert_msg(vt_agent_wait(&a, "reloaded config=", 1, 30000), "no reload:\n%s",
		      vt_agent_log(&a));
	ck_assert_msg(vt_agent_wait(&a, "reconcile why=reload", 1, 30000), "no reconcile:\n%s",
		      vt_agent_log(&a));
	key = (struct ipvs_service){ .af = AF_INET, .fwmark = MARK };
	ck_assert_ptr_null(dumped(&t, &key));
	ipvs_table_free(t);
	/* a bad included file is rejected whole: the UDP service stays as it was */
	vt_write(CONF_D "/bad.yaml", "services:\n  - name: dns\n    vip: 10.96.0.54:53\n"
				     "    destinations: [10.100.1.2:53]\n");
	kill(a.pid, SIGHUP);
	ck_assert_msg(vt_agent_wait(&a, "duplicate service name", 1, 30000),
		      "the duplicate across files was not reported:\n%s", vt_agent_log(&a));
	ck_assert_msg(strstr(vt_agent_log(&a), CONF_D "/bad.yaml:2:11:"),
		      "the error does not point into the included file:\n%s", vt_agent_log(&a));
	ck_assert_int_eq(vt_sh("ipvsadm -Sn | grep -q -- '^-A -u 10.96.0.53:53 '"), 0);
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/*
 * The clients of a fwmark service connect to an address vigild was never
 * told of; IPVS's pick names the flow and the mark its service, and from
 * there the connections are watched as a VIP's: a silent destination is
 * caught by its SYN timeouts and taken out, and every client connects.
 */
START_TEST(fwmark_connections_are_watched)
{
	struct vt_clients c;
	struct vt_agent a;

	start(&a, "");
	c = marked_connect_n(6, 5000); /* the destinations show their RTTs */
	ck_assert_msg(c.ok == 6, "%u of 6 marked clients connected:\n%s", c.ok, vt_agent_log(&a));
	ck_assert_int_eq(fwmark_weight(D2), 100);
	vt_must("%s silent d2", vt_lab());
	c = marked_connect_n(30, 10000);
	fprintf(stderr, "fwmark, silent d2: %u of 30 connected, %u failed, slowest %.3f s\n", c.ok,
		c.failed, c.max_s);
	ck_assert_uint_eq(c.ok, 30);
	/* no SYN RTO for a mark: the one that met d2 waited for the kernel's 1 s retransmit */
	ck_assert_double_lt(c.max_s, 2.5);
	ck_assert_int_eq(fwmark_weight(D2), 0);
	ck_assert_msg(strstr(vt_agent_log(&a), "evidence kind=syn-timeout service=marked real=" D2),
		      "no syn-timeout of the marked connections:\n%s", vt_agent_log(&a));
	ck_assert_msg(
	    vt_agent_wait(&a, "decision action=quarantine service=marked real=" D2, 1, 5000),
	    "d2 was not quarantined:\n%s", vt_agent_log(&a));
	/* the others were never suspected */
	ck_assert_ptr_null(strstr(vt_agent_log(&a), "service=marked real=" D1));
	ck_assert_ptr_null(strstr(vt_agent_log(&a), "service=marked real=" D3));
	/* back: probed and put back in rotation */
	vt_must("%s live d2", vt_lab());
	ck_assert_msg(vt_wait_dest_state("marked", D2, "healthy", 20000),
		      "d2 did not come back:\n%s", vt_agent_log(&a));
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

/*
 * A refusing destination: the reset to the marked SYN is evidence at once,
 * as for a VIP's (vm_failover): out within 2 s of the first refusal, and
 * every connection after it connects.
 */
START_TEST(fwmark_refusing_destination_is_out_after_its_first_reset)
{
	struct vt_clients c;
	struct vt_conn conn;
	struct vt_agent a;
	unsigned int i;
	int waited_ms;

	start(&a, "");
	vt_must("%s refuse d3", vt_lab());
	/* round-robin: within three connections one meets d3 and is refused */
	for (i = 0; i < 3; i++) {
		marked_connect(TARGET, MARK, 5000, &conn);
		if (conn.err == ECONNREFUSED)
			break;
	}
	ck_assert_msg(i < 3, "no marked connection met the refusing destination");
	for (waited_ms = 0; fwmark_weight(D3) != 0 && waited_ms < 2000; waited_ms += 20)
		usleep(20 * 1000);
	ck_assert_msg(fwmark_weight(D3) == 0, "d3 still has weight %d:\n%s", fwmark_weight(D3),
		      vt_agent_log(&a));
	c = marked_connect_n(10, 5000);
	fprintf(stderr,
		"fwmark, refusing d3: out %d ms after the refusal, then %u of 10 connected\n",
		waited_ms, c.ok);
	ck_assert_uint_eq(c.ok, 10);
	ck_assert_msg(strstr(vt_agent_log(&a), "evidence kind=refused service=marked real=" D3),
		      "no refusal seen:\n%s", vt_agent_log(&a));
	ck_assert_int_eq(vt_agent_stop(&a, SIGTERM), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fwmark");
	TCase *tc = tcase_create("fwmark");

	tcase_add_unchecked_fixture(tc, vt_lab_three, lab_down);
	tcase_add_checked_fixture(tc, fresh, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fwmark_and_ops_are_programmed_owned_and_shown);
	tcase_add_test(tc, fwmark_connections_are_watched);
	tcase_add_test(tc, fwmark_refusing_destination_is_out_after_its_first_reset);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
