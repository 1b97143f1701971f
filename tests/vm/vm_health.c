// SPDX-License-Identifier: GPL-2.0-only
/*
 * TCP health per real destination against the real kernel: the probes,
 * loaded in this process with the sockops program on the root cgroup v2,
 * watch connections through a VIP to two lab destinations, one of them
 * delayed (netem) or lossy; health.c turns what they measure into scores.
 */
#include <check.h>

#include "check_main.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "health.h"
#include "probes.h"
#include "vmtest.h"

#define VIP       "10.96.0.1:80" /* d-fast and d-slow */
#define VIP_LOSSY "10.96.0.2:80" /* d-lossy alone */

#define REAL_FAST  "10.100.1.2:8080"
#define REAL_SLOW  "10.100.2.2:8080"
#define REAL_LOSSY "10.100.3.2:8080"

#define DELAY_MS  200
#define MAX_REALS 16

static void lab_up(void)
{
	const char *lab = vt_lab();

	vt_must("%s clean", lab);
	vt_must("%s dest d-fast --v4 10.100.1.2 --port 8080", lab);
	vt_must("%s dest d-slow --v4 10.100.2.2 --port 8080", lab);
	vt_must("%s dest d-lossy --v4 10.100.3.2 --port 8080", lab);
	vt_must("ip link add vip0 type dummy && ip link set vip0 up");
	vt_must("ip route add 10.96.0.0/24 dev vip0");
	vt_must("ipvsadm -C");
	vt_must("ipvsadm -A -t %s -s rr && ipvsadm -a -t %s -r %s -m && ipvsadm -a -t %s -r %s -m",
		VIP, VIP, REAL_FAST, VIP, REAL_SLOW);
	vt_must("ipvsadm -A -t %s -s rr && ipvsadm -a -t %s -r %s -m", VIP_LOSSY, VIP_LOSSY,
		REAL_LOSSY);
}

static void lab_down(void)
{
	vt_sh("ipvsadm -C; ip link del vip0 2>/dev/null; %s clean", vt_lab());
}

static int drop_event(const struct vigil_event *e, void *data)
{
	return 0;
}

static struct vigil_vip vip_of(const char *addr_port)
{
	struct config_addr a;
	struct vigil_real r;
	struct vigil_vip v;

	ck_assert_int_eq(config_addr_parse(addr_port, &a, NULL, 0), 0);
	ck_assert_int_eq(health_real_from_addr(&a, &r), 0);
	memset(&v, 0, sizeof(v));
	v.addr = r.addr;
	v.port = r.port;
	v.family = r.family;
	v.protocol = IPPROTO_TCP;
	return v;
}

/* The probes as vigild would run them for VIP and VIP_LOSSY. */
static struct probes *open_probes(bool sockops)
{
	struct probes_opts opts = { .sockops = sockops };
	struct vigil_vip v;
	struct probes *p = NULL;

	ck_assert_int_eq(probes_open(&opts, drop_event, NULL, &p, NULL), 0);
	v = vip_of(VIP);
	ck_assert_int_eq(probes_vip_add(p, &v), 0);
	v = vip_of(VIP_LOSSY);
	ck_assert_int_eq(probes_vip_add(p, &v), 0);
	fprintf(stderr, "attached: %s\n", probes_attached(p));
	return p;
}

/* exchange()'s answer when the peer closed before echoing all of it */
#define CLOSED_BY_PEER 1

/*
 * A TCP connection to addr_port with `rounds` echo exchanges of 100 bytes
 * (each gives the client an RTT sample), then closed. 0, CLOSED_BY_PEER or
 * -errno.
 */
static int exchange(const char *addr_port, int rounds)
{
	struct timeval tv = { .tv_sec = 15 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct config_addr a;
	char buf[100];
	int fd, i, r = 0;

	if (config_addr_parse(addr_port, &a, NULL, 0) || a.family != AF_INET)
		return -EINVAL;
	sin.sin_port = htons(a.port);
	memcpy(&sin.sin_addr, a.addr, 4);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* blocking connect and I/O, bounded by the timeouts */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		r = -errno;
		goto out;
	}
	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < rounds; i++) {
		size_t got = 0;

		if (send(fd, buf, sizeof(buf), 0) != sizeof(buf)) {
			r = -errno;
			goto out;
		}
		while (got < sizeof(buf)) {
			ssize_t n = recv(fd, buf + got, sizeof(buf) - got, 0);

			if (n <= 0) {
				r = n < 0 ? -errno : CLOSED_BY_PEER;
				goto out;
			}
			got += n;
		}
	}
out:
	close(fd);
	return r;
}

/*
 * n connections through addr_port; all must succeed. Then a pause for their
 * closing handshakes, whose ACKs are RTT samples too: a delayed destination
 * would otherwise report them into the next phase.
 */
static void connections(struct probes *p, const char *addr_port, int n, int rounds)
{
	int i, r;

	for (i = 0; i < n; i++) {
		r = exchange(addr_port, rounds);
		if (r) /* what the kernel held then, for the failure's cause */
			vt_sh("ipvsadm -Lnc; ipvsadm -Ln --stats; tc qdisc show; pgrep -a vigild; "
			      "dmesg | tail -5");
		ck_assert_msg(r == 0, "connection %d of %d through %s: %s", i, n, addr_port,
			      r == CLOSED_BY_PEER ? "closed by the peer before the echo came back"
						  : strerror(-r));
		probes_consume(p);
	}
	usleep(5 * DELAY_MS * 1000);
}

/* A copy of the kernel's health map. */
struct snapshot {
	struct vigil_real real[MAX_REALS];
	struct vigil_health h[MAX_REALS];
	size_t n;
};

static int collect(const struct vigil_real *real, const struct vigil_health *h, void *data)
{
	struct snapshot *s = data;

	if (s->n == MAX_REALS)
		return -ENOSPC;
	s->real[s->n] = *real;
	s->h[s->n++] = *h;
	return 0;
}

static void snapshot(struct probes *p, struct snapshot *s)
{
	int r;

	memset(s, 0, sizeof(*s));
	r = probes_health_read(p, collect, s);
	ck_assert_msg(r >= 0, "probes_health_read: %s", strerror(-r));
	ck_assert_int_eq((size_t)r, s->n);
}

static const struct vigil_health *lookup(const struct vigil_real *real, void *data)
{
	const struct snapshot *s = data;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!memcmp(&s->real[i], real, sizeof(*real)))
			return &s->h[i];
	return NULL;
}

static const struct vigil_health *metrics_of(const struct snapshot *s, const char *addr_port)
{
	struct config_addr a;
	struct vigil_real r;

	ck_assert_int_eq(config_addr_parse(addr_port, &a, NULL, 0), 0);
	ck_assert_int_eq(health_real_from_addr(&a, &r), 0);
	return lookup(&r, (void *)s);
}

static double mean_rtt_ms(const struct vigil_health *now, const struct vigil_health *before)
{
	uint64_t samples = now->rtt_samples - (before ? before->rtt_samples : 0);
	uint64_t sum = now->rtt_sum_us - (before ? before->rtt_sum_us : 0);

	return samples ? sum / 1000.0 / samples : -1;
}

static void show(const char *when, const struct snapshot *s)
{
	char addr[ADDR_PORT_STRLEN];
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct vigil_health *h = &s->h[i];

		fprintf(stderr,
			"%s: %s conns=%llu samples=%llu mean_srtt=%.1fms rtt_min=%.1fms "
			"retrans=%llu lost=%llu data_segs=%llu\n",
			when,
			addr_port_format(s->real[i].family, &s->real[i].addr, s->real[i].port, addr,
					 sizeof(addr)),
			(unsigned long long)h->conns, (unsigned long long)h->rtt_samples,
			mean_rtt_ms(h, NULL), h->rtt_min_us / 1000.0,
			(unsigned long long)h->retrans, (unsigned long long)h->lost,
			(unsigned long long)h->data_segs);
	}
}

START_TEST(sockops_is_optional)
{
	struct probes *p = open_probes(false);
	struct snapshot s;

	ck_assert(!probes_sockops_attached(p));
	ck_assert_ptr_null(strstr(probes_attached(p), "sockops"));
	ck_assert_int_eq(probes_sockops_set(p, true), -EINVAL);
	connections(p, VIP, 2, 1);
	snapshot(p, &s);
	ck_assert_uint_eq(s.n, 0);
	probes_free(p);

	p = open_probes(true);
	ck_assert(probes_sockops_attached(p));
	ck_assert_ptr_nonnull(strstr(probes_attached(p), "sockops:/sys/fs/cgroup"));
	/* detached: connections go unfollowed; attached again: followed */
	ck_assert_int_eq(probes_sockops_set(p, false), 0);
	ck_assert(!probes_sockops_attached(p));
	ck_assert_ptr_null(strstr(probes_attached(p), "sockops"));
	connections(p, VIP, 2, 1);
	snapshot(p, &s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(probes_sockops_set(p, true), 0);
	ck_assert_int_eq(probes_sockops_set(p, true), 0);
	ck_assert(probes_sockops_attached(p));
	ck_assert_ptr_nonnull(strstr(probes_attached(p), "sockops:/sys/fs/cgroup"));
	connections(p, VIP, 2, 1);
	snapshot(p, &s);
	ck_assert_uint_eq(s.n, 2);
	probes_free(p);
}
END_TEST

START_TEST(only_vip_sockets_are_followed)
{
	struct probes *p = open_probes(true);
	const struct vigil_health *h;
	struct snapshot s;
	uint64_t c[VIGIL_CTR_MAX];

	/* straight to the destination, not through IPVS: not followed */
	ck_assert_int_eq(exchange(REAL_FAST, 3), 0);
	ck_assert_int_eq(exchange(REAL_SLOW, 3), 0);
	snapshot(p, &s);
	show("direct", &s);
	ck_assert_uint_eq(s.n, 0);
	/* through the VIP: rr sends one to each */
	connections(p, VIP, 2, 3);
	snapshot(p, &s);
	show("through the VIP", &s);
	ck_assert_uint_eq(s.n, 2);
	h = metrics_of(&s, REAL_FAST);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->conns, 1);
	/* the handshake and one per exchange at least */
	ck_assert_uint_ge(h->rtt_samples, 4);
	ck_assert_uint_ge(h->data_segs, 3);
	ck_assert_uint_gt(h->rtt_min_us, 0);
	ck_assert_uint_eq(h->retrans, 0);
	ck_assert_ptr_nonnull(metrics_of(&s, REAL_SLOW));
	ck_assert_int_eq(probes_counters(p, c), 0);
	ck_assert_uint_eq(c[VIGIL_CTR_HEALTH_ERRORS], 0);
	probes_free(p);
}
END_TEST

/* The service as the config would give it, health settings at their defaults. */
static void service(struct config_service *svc, struct config_dest dests[2])
{
	memset(svc, 0, sizeof(*svc));
	memset(dests, 0, 2 * sizeof(*dests));
	config_defaults(&svc->policy);
	svc->protocol = IPPROTO_TCP;
	ck_assert_int_eq(config_addr_parse(VIP, &svc->vip, NULL, 0), 0);
	ck_assert_int_eq(config_addr_parse(REAL_FAST, &dests[0].addr, NULL, 0), 0);
	ck_assert_int_eq(config_addr_parse(REAL_SLOW, &dests[1].addr, NULL, 0), 0);
	dests[0].weight = dests[1].weight = 100;
	svc->dests = dests;
	svc->n_dests = 2;
}

START_TEST(delay_lowers_score_and_recovers)
{
	const uint64_t interval = 5000 * 1000000ull, t0 = 1000 * interval;
	const struct health_dest_status *fast, *slow;
	const struct vigil_health *hf, *hs;
	struct probes *p = open_probes(true);
	struct config_service svc;
	struct config_dest dests[2];
	struct snapshot before, s;
	struct health *h = health_new();
	double fast_ms, slow_ms;

	ck_assert_ptr_nonnull(h);
	service(&svc, dests);
	ck_assert_int_eq(health_configure(h, &svc), 0);
	fast = health_find(h, &dests[0].addr);
	slow = health_find(h, &dests[1].addr);

	snapshot(p, &s);
	ck_assert_int_eq(health_update(h, t0, lookup, &s), 0);

	vt_must("%s delay d-slow %d", vt_lab(), DELAY_MS);
	connections(p, VIP, 8, 3);
	snapshot(p, &s);
	show("delayed", &s);
	hf = metrics_of(&s, REAL_FAST);
	hs = metrics_of(&s, REAL_SLOW);
	ck_assert(hf && hs);
	ck_assert_uint_eq(hf->conns, 4);
	ck_assert_uint_eq(hs->conns, 4);
	fast_ms = mean_rtt_ms(hf, NULL);
	slow_ms = mean_rtt_ms(hs, NULL);
	ck_assert_msg(slow_ms > 0.75 * DELAY_MS && slow_ms < 2 * DELAY_MS,
		      "mean srtt of the delayed destination: %.1f ms", slow_ms);
	ck_assert_msg(fast_ms < 50, "mean srtt of the other: %.1f ms", fast_ms);
	ck_assert_uint_ge(hs->rtt_min_us, 0.75 * DELAY_MS * 1000);

	ck_assert_int_eq(health_update(h, t0 + interval, lookup, &s), 1);
	fprintf(stderr, "scores: fast %.3f (weight %u), slow %.3f (weight %u)\n", fast->score,
		fast->effective, slow->score, slow->effective);
	ck_assert(fast->measured && slow->measured);
	ck_assert_double_eq(fast->score, 1);
	ck_assert_double_lt(slow->score, 0.2);
	ck_assert_uint_eq(fast->effective, 100);
	ck_assert_uint_lt(slow->effective, 20);
	ck_assert_uint_ge(slow->effective, 1);

	/* the delay goes: new connections, new samples */
	vt_must("%s live d-slow", vt_lab());
	before = s;
	connections(p, VIP, 8, 3);
	snapshot(p, &s);
	show("recovered", &s);
	hs = metrics_of(&s, REAL_SLOW);
	slow_ms = mean_rtt_ms(hs, metrics_of(&before, REAL_SLOW));
	ck_assert_msg(slow_ms < 50, "mean srtt after the delay went: %.1f ms", slow_ms);

	ck_assert_int_eq(health_update(h, t0 + 2 * interval, lookup, &s), 1);
	fprintf(stderr, "scores: fast %.3f (weight %u), slow %.3f (weight %u)\n", fast->score,
		fast->effective, slow->score, slow->effective);
	/*
	 * Back within the noise of RTTs under TCG (a few ms either way: 0.76 to
	 * 0.99 seen), an order of magnitude above the delayed score (0.05).
	 */
	ck_assert_double_gt(slow->score, 0.5);
	ck_assert_uint_ge(slow->effective, 50);
	ck_assert_uint_ge(fast->effective, 50);
	health_free(h);
	probes_free(p);
}
END_TEST

START_TEST(loss_shows_as_retransmits)
{
	struct probes *p = open_probes(true);
	const struct vigil_health *h;
	struct snapshot s;
	int i, failed = 0;

	vt_must("ip netns exec d-lossy tc qdisc replace dev eth0 root netem loss 30%%");
	for (i = 0; i < 10; i++) {
		int r = exchange(VIP_LOSSY, 5);

		if (r) {
			fprintf(stderr, "lossy connection %d: %s\n", i, strerror(-r));
			failed++;
		}
		probes_consume(p);
	}
	vt_must("%s live d-lossy", vt_lab());
	snapshot(p, &s);
	show("lossy", &s);
	h = metrics_of(&s, REAL_LOSSY);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_ge(h->conns, 10 - failed);
	ck_assert_uint_gt(h->retrans, 0);
	ck_assert_uint_gt(h->data_segs, 0);
	probes_free(p);
}
END_TEST

/* Runs probes_open() with stderr in a file; returns what it logged. */
static char *open_logged(const struct probes_opts *opts, int *ret, struct probes **p)
{
	char path[] = "/tmp/vm-health-log-XXXXXX", *text = calloc(1, 8192);
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t n;

	ck_assert(fd >= 0 && saved >= 0 && text);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	*ret = probes_open(opts, drop_event, NULL, p, NULL);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, text, 8191, 0);
	text[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	fprintf(stderr, "probes_open: %d, logged:\n%s", *ret, text);
	return text;
}

START_TEST(cgroup2_mounted_when_missing)
{
	struct probes_opts opts = { .sockops = true };
	struct probes *p = NULL;
	struct snapshot s;
	struct vigil_vip v = vip_of(VIP);
	char *log;
	int r;

	/* this test's own mount namespace (Check runs each test in its own process) */
	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	ck_assert_int_eq(umount2("/sys/fs/cgroup", MNT_DETACH), 0);

	log = open_logged(&opts, &r, &p);
	ck_assert_int_eq(r, 0);
	ck_assert_ptr_nonnull(strstr(log, "mounted fs=cgroup2 path=" PROBES_CGROUP2_MOUNT));
	ck_assert_ptr_nonnull(strstr(probes_attached(p), "sockops:" PROBES_CGROUP2_MOUNT));
	free(log);
	ck_assert_int_eq(probes_vip_add(p, &v), 0);
	connections(p, VIP, 2, 1);
	snapshot(p, &s);
	ck_assert_uint_eq(s.n, 2);
	probes_free(p);

	/* no cgroup2 anywhere and nowhere to mount one */
	ck_assert_int_eq(umount2(PROBES_CGROUP2_MOUNT, MNT_DETACH), 0);
	ck_assert_int_eq(mount("tmpfs", "/run", "tmpfs", MS_RDONLY, NULL), 0);
	/* which costs the health metrics only (degraded mode), and says why */
	log = open_logged(&opts, &r, &p);
	ck_assert_int_eq(r, 0);
	ck_assert(!probes_sockops_attached(p));
	ck_assert_int_eq(probes_degraded(p)->caps[DEGRADED_HEALTH].state, DEGRADED_MISSING);
	ck_assert_ptr_nonnull(
	    strstr(probes_degraded(p)->caps[DEGRADED_HEALTH].why, "Read-only file system (EROFS)"));
	free(log);
	probes_free(p);
	/* which matters only when sockops is asked for */
	opts.sockops = false;
	log = open_logged(&opts, &r, &p);
	ck_assert_int_eq(r, 0);
	free(log);
	probes_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vm_health");
	TCase *tc = tcase_create("health");

	tcase_add_unchecked_fixture(tc, lab_up, lab_down);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, sockops_is_optional);
	tcase_add_test(tc, only_vip_sockets_are_followed);
	tcase_add_test(tc, delay_lowers_score_and_recovers);
	tcase_add_test(tc, loss_shows_as_retransmits);
	tcase_add_test(tc, cgroup2_mounted_when_missing);
	suite_add_tcase(s, tc);
	return check_main(s, CK_VERBOSE);
}
