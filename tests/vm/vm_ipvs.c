// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ipvs library against the real kernel. What the library dumps is checked
 * against what was added and against `ipvsadm -Sn`, an independent reader of
 * the same state. `vm_ipvs --bench` also times programming 1,000 services of
 * 10 destinations: sequential calls, a batch, and `ipvsadm -R`.
 */
#include <arpa/inet.h>
#include <check.h>

#include "check_main.h"
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipvs.h"
#include "ipvs-internal.h" /* to cripple the handle's socket on purpose */
#include "vmtest.h"

#define MAX_DESTS 4
#define MAX_LINES 256

struct spec {
	struct ipvs_service svc;
	struct ipvs_dest dests[MAX_DESTS];
	size_t n_dests;
};

static union ipvs_addr addr_of(int af, const char *s)
{
	union ipvs_addr a;

	memset(&a, 0, sizeof(a));
	ck_assert_msg(inet_pton(af, s, &a) == 1, "bad address %s", s);
	return a;
}

static struct ipvs_service service(int af, int protocol, const char *addr, uint16_t port,
				   const char *sched)
{
	struct ipvs_service s;

	memset(&s, 0, sizeof(s));
	s.af = af;
	s.protocol = protocol;
	s.addr = addr_of(af, addr);
	s.port = port;
	snprintf(s.scheduler, sizeof(s.scheduler), "%s", sched);
	s.netmask = af == AF_INET6 ? 128 : 0xffffffff;
	return s;
}

static struct ipvs_service fwmark_service(int af, uint32_t mark, const char *sched)
{
	struct ipvs_service s;

	memset(&s, 0, sizeof(s));
	s.af = af;
	s.fwmark = mark;
	snprintf(s.scheduler, sizeof(s.scheduler), "%s", sched);
	s.netmask = af == AF_INET6 ? 128 : 0xffffffff;
	return s;
}

static struct ipvs_dest dest(int af, const char *addr, uint16_t port, uint32_t fwd, uint32_t weight)
{
	struct ipvs_dest d;

	memset(&d, 0, sizeof(d));
	d.af = af;
	d.addr = addr_of(af, addr);
	d.port = port;
	d.fwd = fwd;
	d.weight = weight;
	return d;
}

/*
 * Each test runs in its own network namespace, so with its own IPVS: nothing
 * leaks into the next test or into other VM tests. It matters for timing too:
 * the kernel keeps deleted destinations in a "trash" list for minutes and
 * scans all of it on every destination it adds.
 */
static void private_netns(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s", strerror(errno));
	/*
	 * IPVS refuses an IPv4 destination unless inet_addr_type() calls it
	 * unicast, and without a local routing table (no address yet) every
	 * address counts as broadcast: EINVAL.
	 */
	vt_must("ip link set lo up");
}

static struct ipvs *open_ipvs(void)
{
	struct ipvs *h = NULL;
	int r = ipvs_open(&h);

	ck_assert_msg(r == 0, "ipvs_open: %s", strerror(-r));
	return h;
}

/* ipvsadm's notation: 10.0.0.1:80, [fd00::1]:80 */
static const char *addr_port(int af, const union ipvs_addr *a, uint16_t port, char *buf,
			     size_t size)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(af, a, s, sizeof(s));
	snprintf(buf, size, af == AF_INET6 ? "[%s]:%u" : "%s:%u", s, port);
	return buf;
}

static const char *service_spec(const struct ipvs_service *s, char *buf, size_t size)
{
	char ap[64];

	if (s->fwmark) {
		snprintf(buf, size, "-f %u%s", s->fwmark, s->af == AF_INET6 ? " -6" : "");
		return buf;
	}
	addr_port(s->af, &s->addr, s->port, ap, sizeof(ap));
	snprintf(buf, size, "%s %s",
		 s->protocol == IPPROTO_TCP   ? "-t"
		 : s->protocol == IPPROTO_UDP ? "-u"
					      : "--sctp-service",
		 ap);
	return buf;
}

/* The -Sn line ipvsadm would print for a service. */
static void service_line(const struct ipvs_service *s, char *buf, size_t size)
{
	char spec[96];
	int n;

	n = snprintf(buf, size, "-A %s -s %s", service_spec(s, spec, sizeof(spec)), s->scheduler);
	if (s->flags & IPVS_SVC_F_ONEPACKET)
		n += snprintf(buf + n, size - n, " -o");
	if (s->flags & (IPVS_SVC_F_SCHED1 | IPVS_SVC_F_SCHED2)) {
		const char *p = s->scheduler;

		n += snprintf(
		    buf + n, size - n, " -b %s%s%s%s%s", s->flags & IPVS_SVC_F_SCHED1 ? p : "",
		    s->flags & IPVS_SVC_F_SCHED1 ? "-fallback" : "",
		    (s->flags & IPVS_SVC_F_SCHED1) && (s->flags & IPVS_SVC_F_SCHED2) ? "," : "",
		    s->flags & IPVS_SVC_F_SCHED2 ? p : "",
		    s->flags & IPVS_SVC_F_SCHED2 ? "-port" : "");
	}
	if (s->flags & IPVS_SVC_F_PERSISTENT) {
		n += snprintf(buf + n, size - n, " -p %u", s->timeout);
		if (s->af == AF_INET6 && s->netmask != 128)
			n += snprintf(buf + n, size - n, " -M %u", s->netmask);
		if (s->af == AF_INET && s->netmask != 0xffffffff) {
			char m[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &s->netmask, m, sizeof(m));
			n += snprintf(buf + n, size - n, " -M %s", m);
		}
	}
	if (s->pe_name[0])
		snprintf(buf + n, size - n, " --pe %s", s->pe_name);
}

static void dest_line(const struct ipvs_service *s, const struct ipvs_dest *d, char *buf,
		      size_t size)
{
	static const char *const fwd[] = { "-m", "-m", "-i", "-g" };
	static const char *const tun[] = { "ipip", "gue", "gre" };
	char spec[96], ap[64];
	int n;

	n = snprintf(buf, size, "-a %s -r %s %s -w %u", service_spec(s, spec, sizeof(spec)),
		     addr_port(d->af ? d->af : s->af, &d->addr, d->port, ap, sizeof(ap)),
		     fwd[d->fwd & 3], d->weight);
	if (d->fwd != IPVS_FWD_TUNNEL)
		return;
	n += snprintf(buf + n, size - n, " --tun-type %s", tun[d->tun_type % 3]);
	if (d->tun_type == IPVS_TUN_GUE)
		n += snprintf(buf + n, size - n, " --tun-port %u", d->tun_port);
	if (d->tun_type != IPVS_TUN_IPIP)
		snprintf(buf + n, size - n, " %s",
			 d->tun_flags & IPVS_TUN_F_REMCSUM ? "--tun-remcsum"
			 : d->tun_flags & IPVS_TUN_F_CSUM  ? "--tun-csum"
							   : "--tun-nocsum");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An ipvsadm rule with its options sorted, so that order does not matter. */
static char *normalize(const char *line)
{
	char copy[512], *tok[64], *opt[32], *save = NULL, *t, *out;
	size_t n_tok = 0, n_opt = 0, i, len = 0;

	snprintf(copy, sizeof(copy), "%s", line);
	for (t = strtok_r(copy, " \t\n", &save); t && n_tok < 64;
	     t = strtok_r(NULL, " \t\n", &save))
		tok[n_tok++] = t;
	for (i = 0; i < n_tok && n_opt < 32; i++) {
		char pair[160];

		if (i + 1 < n_tok && tok[i + 1][0] != '-') {
			snprintf(pair, sizeof(pair), "%s=%s", tok[i], tok[i + 1]);
			i++;
		} else
			snprintf(pair, sizeof(pair), "%s", tok[i]);
		opt[n_opt++] = strdup(pair);
	}
	qsort(opt, n_opt, sizeof(opt[0]), cmp_str);
	out = calloc(1, 1024);
	for (i = 0; i < n_opt; i++) {
		len += snprintf(out + len, 1024 - len, "%s%s", i ? " " : "", opt[i]);
		free(opt[i]);
	}
	return out;
}

struct lines {
	char *v[MAX_LINES];
	size_t n;
};

static void lines_add(struct lines *l, const char *line)
{
	ck_assert_msg(l->n < MAX_LINES, "too many rules");
	l->v[l->n++] = normalize(line);
}

static void lines_free(struct lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

static void lines_of_table(const struct ipvs_table *t, struct lines *l)
{
	char buf[512];
	size_t i, j;

	for (i = 0; i < t->n_services; i++) {
		const struct ipvs_table_service *ts = &t->services[i];

		service_line(&ts->svc, buf, sizeof(buf));
		lines_add(l, buf);
		for (j = 0; j < ts->n_dests; j++) {
			dest_line(&ts->svc, &ts->dests[j], buf, sizeof(buf));
			lines_add(l, buf);
		}
	}
}

static void lines_of_ipvsadm(struct lines *l)
{
	FILE *f = popen("ipvsadm -Sn", "r");
	char buf[512];

	ck_assert(f);
	while (fgets(buf, sizeof(buf), f))
		lines_add(l, buf);
	ck_assert_int_eq(pclose(f), 0);
}

/* The library's dump, as ipvsadm rules, must be what ipvsadm -Sn says. */
static void compare_with_ipvsadm(const struct ipvs_table *t)
{
	struct lines mine = { 0 }, theirs = { 0 };
	size_t i;
	bool same;

	lines_of_table(t, &mine);
	lines_of_ipvsadm(&theirs);
	qsort(mine.v, mine.n, sizeof(mine.v[0]), cmp_str);
	qsort(theirs.v, theirs.n, sizeof(theirs.v[0]), cmp_str);
	same = mine.n == theirs.n;
	for (i = 0; same && i < mine.n; i++)
		same = !strcmp(mine.v[i], theirs.v[i]);
	if (!same) {
		fprintf(stderr, "library dump (%zu rules):\n", mine.n);
		for (i = 0; i < mine.n; i++)
			fprintf(stderr, "  %s\n", mine.v[i]);
		fprintf(stderr, "ipvsadm -Sn (%zu rules):\n", theirs.n);
		for (i = 0; i < theirs.n; i++)
			fprintf(stderr, "  %s\n", theirs.v[i]);
	}
	lines_free(&mine);
	lines_free(&theirs);
	ck_assert_msg(same, "the library's dump differs from ipvsadm -Sn");
}

static bool service_key_equal(const struct ipvs_service *a, const struct ipvs_service *b)
{
	if (a->af != b->af || a->fwmark != b->fwmark)
		return false;
	if (a->fwmark)
		return true;
	return a->protocol == b->protocol && a->port == b->port &&
	       !memcmp(&a->addr, &b->addr, a->af == AF_INET6 ? 16 : 4);
}

static const struct ipvs_table_service *find_service(const struct ipvs_table *t,
						     const struct ipvs_service *key)
{
	size_t i;

	for (i = 0; i < t->n_services; i++)
		if (service_key_equal(&t->services[i].svc, key))
			return &t->services[i];
	return NULL;
}

static const struct ipvs_dest *find_dest(const struct ipvs_table_service *ts,
					 const struct ipvs_dest *key)
{
	uint16_t af = key->af ? key->af : ts->svc.af;
	size_t i;

	for (i = 0; i < ts->n_dests; i++) {
		const struct ipvs_dest *d = &ts->dests[i];

		if (d->af == af && d->port == key->port &&
		    !memcmp(&d->addr, &key->addr, af == AF_INET6 ? 16 : 4))
			return d;
	}
	return NULL;
}

/* The dump holds exactly what the specs say, settings included. */
static void compare_with_specs(const struct ipvs_table *t, const struct spec *specs, size_t n)
{
	size_t i, j, n_dests = 0;
	char buf[512];

	ck_assert_uint_eq(t->n_services, n);
	for (i = 0; i < n; i++) {
		const struct spec *sp = &specs[i];
		const struct ipvs_table_service *ts = find_service(t, &sp->svc);

		service_line(&sp->svc, buf, sizeof(buf));
		ck_assert_msg(ts, "missing from the dump: %s", buf);
		ck_assert_str_eq(ts->svc.scheduler, sp->svc.scheduler);
		ck_assert_str_eq(ts->svc.pe_name, sp->svc.pe_name);
		ck_assert_msg(ts->svc.flags == sp->svc.flags, "%s: flags %#x", buf, ts->svc.flags);
		ck_assert_uint_eq(ts->svc.timeout, sp->svc.timeout);
		ck_assert_uint_eq(ts->svc.netmask, sp->svc.netmask);
		ck_assert_uint_eq(ts->n_dests, sp->n_dests);
		for (j = 0; j < sp->n_dests; j++) {
			const struct ipvs_dest *want = &sp->dests[j];
			const struct ipvs_dest *d = find_dest(ts, want);

			dest_line(&sp->svc, want, buf, sizeof(buf));
			ck_assert_msg(d, "missing from the dump: %s", buf);
			ck_assert_msg(
			    d->fwd == want->fwd && d->weight == want->weight &&
				d->u_threshold == want->u_threshold &&
				d->l_threshold == want->l_threshold &&
				d->tun_type == want->tun_type && d->tun_port == want->tun_port &&
				d->tun_flags == want->tun_flags,
			    "%s: dumped fwd %u weight %u thresholds %u/%u tunnel %u/%u/%#x", buf,
			    d->fwd, d->weight, d->u_threshold, d->l_threshold, d->tun_type,
			    d->tun_port, d->tun_flags);
		}
		n_dests += sp->n_dests;
	}
	ck_assert_uint_eq(t->n_dests, n_dests);
}

static void check_state(struct ipvs *h, const struct spec *specs, size_t n)
{
	struct ipvs_table *t = NULL;
	int r = ipvs_dump(h, &t);

	ck_assert_msg(r == 0, "ipvs_dump: %s", strerror(-r));
	compare_with_specs(t, specs, n);
	compare_with_ipvsadm(t);
	ipvs_table_free(t);
}

static void add_specs(struct ipvs *h, const struct spec *specs, size_t n)
{
	char buf[512];
	size_t i, j;
	int r;

	for (i = 0; i < n; i++) {
		service_line(&specs[i].svc, buf, sizeof(buf));
		r = ipvs_service_add(h, &specs[i].svc);
		ck_assert_msg(r == 0, "%s: %s", buf, strerror(-r));
		for (j = 0; j < specs[i].n_dests; j++) {
			dest_line(&specs[i].svc, &specs[i].dests[j], buf, sizeof(buf));
			r = ipvs_dest_add(h, &specs[i].svc, &specs[i].dests[j]);
			ck_assert_msg(r == 0, "%s: %s", buf, strerror(-r));
		}
	}
}

/* Services and destinations of every kind the library models. */
static size_t make_specs(struct spec *s)
{
	size_t n = 0;

	memset(s, 0, 16 * sizeof(*s));
	/* IPv4 TCP, NAT, weights and thresholds */
	s[n].svc = service(AF_INET, IPPROTO_TCP, "10.96.1.1", 80, "wrr");
	s[n].dests[0] = dest(AF_INET, "10.100.1.2", 8080, IPVS_FWD_MASQ, 3);
	s[n].dests[1] = dest(AF_INET, "10.100.1.3", 8080, IPVS_FWD_MASQ, 0);
	s[n].dests[1].u_threshold = 100;
	s[n].dests[1].l_threshold = 10;
	s[n].dests[2] = dest(AF_INET, "10.100.1.4", 80, IPVS_FWD_ROUTE, 7);
	s[n++].n_dests = 3;
	/* IPv4 UDP, source hashing with its flags, one-packet, every tunnel */
	s[n].svc = service(AF_INET, IPPROTO_UDP, "10.96.1.1", 53, "sh");
	s[n].svc.flags = IPVS_SVC_F_ONEPACKET | IPVS_SVC_F_SCHED1 | IPVS_SVC_F_SCHED2;
	s[n].dests[0] = dest(AF_INET, "10.100.2.2", 53, IPVS_FWD_TUNNEL, 1);
	s[n].dests[1] = dest(AF_INET, "10.100.2.3", 53, IPVS_FWD_TUNNEL, 2);
	s[n].dests[1].tun_type = IPVS_TUN_GUE;
	s[n].dests[1].tun_port = 6080;
	s[n].dests[2] = dest(AF_INET, "10.100.2.4", 53, IPVS_FWD_TUNNEL, 3);
	s[n].dests[2].tun_type = IPVS_TUN_GRE;
	s[n].dests[2].tun_flags = IPVS_TUN_F_CSUM;
	s[n].dests[3] = dest(AF_INET, "10.100.2.5", 53, IPVS_FWD_TUNNEL, 4);
	s[n].dests[3].tun_type = IPVS_TUN_GUE;
	s[n].dests[3].tun_port = 6081;
	s[n].dests[3].tun_flags = IPVS_TUN_F_REMCSUM;
	s[n++].n_dests = 4;
	/* IPv4 persistence with a netmask */
	s[n].svc = service(AF_INET, IPPROTO_TCP, "10.96.1.2", 443, "lc");
	s[n].svc.flags = IPVS_SVC_F_PERSISTENT;
	s[n].svc.timeout = 600;
	s[n].svc.netmask = htonl(0xffffff00);
	s[n].dests[0] = dest(AF_INET, "10.100.3.2", 443, IPVS_FWD_MASQ, 1);
	s[n++].n_dests = 1;
	/* IPv6 TCP */
	s[n].svc = service(AF_INET6, IPPROTO_TCP, "fd00:96::1", 80, "wlc");
	s[n].dests[0] = dest(AF_INET6, "fd00:100:1::2", 8080, IPVS_FWD_MASQ, 2);
	s[n].dests[1] = dest(AF_INET6, "fd00:100:1::3", 80, IPVS_FWD_ROUTE, 5);
	s[n++].n_dests = 2;
	/* IPv6 UDP, persistence with a prefix length */
	s[n].svc = service(AF_INET6, IPPROTO_UDP, "fd00:96::2", 53, "sed");
	s[n].svc.flags = IPVS_SVC_F_PERSISTENT;
	s[n].svc.timeout = 60;
	s[n].svc.netmask = 64;
	s[n].dests[0] = dest(AF_INET6, "fd00:100:2::2", 53, IPVS_FWD_MASQ, 1);
	s[n++].n_dests = 1;
	/* firewall marks, both families */
	s[n].svc = fwmark_service(AF_INET, 42, "rr");
	s[n].dests[0] = dest(AF_INET, "10.100.4.2", 0, IPVS_FWD_ROUTE, 1);
	s[n++].n_dests = 1;
	s[n].svc = fwmark_service(AF_INET6, 43, "nq");
	s[n++].n_dests = 0;
	/* SCTP, maglev hashing */
	s[n].svc = service(AF_INET, IPPROTO_SCTP, "10.96.1.3", 9000, "mh");
	s[n].dests[0] = dest(AF_INET, "10.100.5.2", 9000, IPVS_FWD_MASQ, 1);
	s[n++].n_dests = 1;
	/* an IPv4 service with an IPv6 destination: only tunnels may mix */
	s[n].svc = service(AF_INET, IPPROTO_TCP, "10.96.1.4", 80, "dh");
	s[n].dests[0] = dest(AF_INET6, "fd00:100:6::2", 80, IPVS_FWD_TUNNEL, 1);
	s[n++].n_dests = 1;
	/* more schedulers, and a persistence engine */
	s[n].svc = service(AF_INET, IPPROTO_TCP, "10.96.1.5", 80, "lblc");
	s[n++].n_dests = 0;
	s[n].svc = service(AF_INET, IPPROTO_TCP, "10.96.1.6", 80, "fo");
	s[n++].n_dests = 0;
	s[n].svc = service(AF_INET, IPPROTO_UDP, "10.96.1.7", 5060, "rr");
	s[n].svc.flags = IPVS_SVC_F_PERSISTENT;
	s[n].svc.timeout = 100;
	snprintf(s[n].svc.pe_name, sizeof(s[n].svc.pe_name), "sip");
	s[n++].n_dests = 0;
	return n;
}

START_TEST(test_every_kind)
{
	struct spec specs[16];
	struct ipvs *h;
	size_t n = make_specs(specs);
	int r;

	private_netns();
	h = open_ipvs();
	ck_assert_int_eq(ipvs_flush(h), 0);
	add_specs(h, specs, n);
	check_state(h, specs, n);

	/* edits: a weight, thresholds, a tunnel; a scheduler, persistence */
	specs[0].dests[0].weight = 9;
	specs[0].dests[1].u_threshold = 0;
	specs[0].dests[1].l_threshold = 0;
	r = ipvs_dest_edit(h, &specs[0].svc, &specs[0].dests[0]);
	ck_assert_msg(r == 0, "dest edit: %s", strerror(-r));
	ck_assert_int_eq(ipvs_dest_edit(h, &specs[0].svc, &specs[0].dests[1]), 0);
	specs[1].dests[1].tun_port = 7000;
	specs[1].dests[1].tun_flags = IPVS_TUN_F_CSUM;
	ck_assert_int_eq(ipvs_dest_edit(h, &specs[1].svc, &specs[1].dests[1]), 0);
	snprintf(specs[0].svc.scheduler, sizeof(specs[0].svc.scheduler), "rr");
	r = ipvs_service_edit(h, &specs[0].svc);
	ck_assert_msg(r == 0, "service edit: %s", strerror(-r));
	specs[3].svc.flags = IPVS_SVC_F_PERSISTENT;
	specs[3].svc.timeout = 30;
	specs[3].svc.netmask = 48;
	snprintf(specs[3].svc.scheduler, sizeof(specs[3].svc.scheduler), "lblcr");
	ck_assert_int_eq(ipvs_service_edit(h, &specs[3].svc), 0);
	specs[2].svc.flags = 0;
	ck_assert_int_eq(ipvs_service_edit(h, &specs[2].svc), 0);
	check_state(h, specs, n);

	/* deletions: a destination, a service with its destinations */
	ck_assert_int_eq(ipvs_dest_del(h, &specs[0].svc, &specs[0].dests[2]), 0);
	specs[0].n_dests = 2;
	ck_assert_int_eq(ipvs_service_del(h, &specs[1].svc), 0);
	specs[1] = specs[--n];
	check_state(h, specs, n);

	ck_assert_int_eq(ipvs_flush(h), 0);
	check_state(h, specs, 0);
	ipvs_close(h);
}
END_TEST

START_TEST(test_errors_keep_errno)
{
	struct ipvs_service svc = service(AF_INET, IPPROTO_TCP, "10.96.2.1", 80, "rr");
	struct ipvs_service missing = service(AF_INET, IPPROTO_TCP, "10.96.2.99", 80, "rr");
	struct ipvs_dest d = dest(AF_INET, "10.100.1.2", 8080, IPVS_FWD_MASQ, 1);
	struct ipvs_dest other = dest(AF_INET, "10.100.1.9", 8080, IPVS_FWD_MASQ, 1);
	struct ipvs_batch_result *res = NULL;
	struct ipvs_table *t = NULL;
	struct ipvs_service bad;
	struct ipvs *h;

	private_netns();
	h = open_ipvs();
	ck_assert_int_eq(ipvs_flush(h), 0);
	ck_assert_int_eq(ipvs_service_add(h, &svc), 0);
	ck_assert_int_eq(ipvs_service_add(h, &svc), -EEXIST);
	ck_assert_int_eq(ipvs_dest_add(h, &svc, &d), 0);
	ck_assert_int_eq(ipvs_dest_add(h, &svc, &d), -EEXIST);
	/* no such service, no such destination: two different answers */
	ck_assert_int_eq(ipvs_dest_del(h, &missing, &d), -ESRCH);
	ck_assert_int_eq(ipvs_dest_del(h, &svc, &other), -ENOENT);
	ck_assert_int_eq(ipvs_dest_edit(h, &svc, &other), -ENOENT);
	ck_assert_int_eq(ipvs_dest_edit(h, &missing, &d), -ESRCH);
	ck_assert_int_eq(ipvs_service_edit(h, &missing), -ESRCH);
	ck_assert_int_eq(ipvs_service_del(h, &missing), -ESRCH);
	/* no such scheduler */
	bad = service(AF_INET, IPPROTO_TCP, "10.96.2.2", 80, "nosuch");
	ck_assert_int_eq(ipvs_service_add(h, &bad), -ENOENT);
	/* refused before anything is sent */
	bad.af = AF_UNIX;
	ck_assert_int_eq(ipvs_service_add(h, &bad), -EAFNOSUPPORT);
	/* mixed families need a tunnel */
	other = dest(AF_INET6, "fd00::9", 80, IPVS_FWD_MASQ, 1);
	ck_assert_int_eq(ipvs_dest_add(h, &svc, &other), -EINVAL);

	/* a batch reports each operation's own result, in order */
	ck_assert_int_eq(ipvs_batch_begin(h), 0);
	ck_assert_int_eq(ipvs_batch_begin(h), -EBUSY);
	ck_assert_int_eq(ipvs_dump(h, &t), -EBUSY);
	ck_assert_int_eq(ipvs_dest_del(h, &missing, &d), 0);        /* 0: -ESRCH */
	ck_assert_int_eq(ipvs_service_add(h, &svc), 0);             /* 1: -EEXIST */
	ck_assert_int_eq(ipvs_dest_edit(h, &svc, &d), 0);           /* 2: 0 */
	ck_assert_int_eq(ipvs_service_add(h, &bad), -EAFNOSUPPORT); /* 3 */
	ck_assert_int_eq(ipvs_dest_del(h, &svc, &other), 0);        /* 4: -ENOENT */
	ck_assert_int_eq(ipvs_service_add(h, &missing), 0);         /* 5: 0 */
	ck_assert_int_eq(ipvs_batch_end(h, &res), -ESRCH);
	ck_assert_ptr_nonnull(res);
	ck_assert_uint_eq(res->n_ops, 6);
	ck_assert_uint_eq(res->n_failed, 4);
	ck_assert_int_eq(res->errors[0], -ESRCH);
	ck_assert_int_eq(res->errors[1], -EEXIST);
	ck_assert_int_eq(res->errors[2], 0);
	ck_assert_int_eq(res->errors[3], -EAFNOSUPPORT);
	ck_assert_int_eq(res->errors[4], -ENOENT);
	ck_assert_int_eq(res->errors[5], 0);
	ipvs_batch_result_free(res);
	ck_assert_int_eq(ipvs_batch_end(h, NULL), -EINVAL);

	ck_assert_int_eq(ipvs_dump(h, &t), 0);
	ck_assert_uint_eq(t->n_services, 2);
	ck_assert_uint_eq(t->n_dests, 1);
	ipvs_table_free(t);
	ck_assert_int_eq(ipvs_flush(h), 0);
	ipvs_close(h);
}
END_TEST

START_TEST(test_info_timeouts_sysctl)
{
	struct ipvs_timeouts t, saved, want = { .tcp = 1000, .tcp_fin = 100, .udp = 200 };
	struct ipvs_info info;
	unsigned int size = 0;
	char line[128];
	struct ipvs *h;
	FILE *f;
	int v, old;

	private_netns();
	h = open_ipvs();
	ck_assert_int_eq(ipvs_info(h, &info), 0);
	ck_assert_uint_eq(info.version, 0x010201);
	f = fopen("/proc/net/ip_vs", "r");
	ck_assert(f && fgets(line, sizeof(line), f));
	fclose(f);
	ck_assert_msg(sscanf(line, "IP Virtual Server version %*u.%*u.%*u (size=%u)", &size) == 1,
		      "%s", line);
	ck_assert_uint_eq(info.conn_tab_size, size);

	ck_assert_int_eq(ipvs_timeout_get(h, &saved), 0);
	ck_assert(saved.tcp > 0 && saved.tcp_fin > 0 && saved.udp > 0);
	ck_assert_int_eq(ipvs_timeout_set(h, &want), 0);
	ck_assert_int_eq(ipvs_timeout_get(h, &t), 0);
	ck_assert_uint_eq(t.tcp, 1000);
	ck_assert_uint_eq(t.tcp_fin, 100);
	ck_assert_uint_eq(t.udp, 200);
	vt_must("ipvsadm -L --timeout | grep -qx 'Timeout (tcp tcpfin udp): 1000 100 200'");
	/* 0 leaves a timeout as it is */
	want = (struct ipvs_timeouts){ .udp = 250 };
	ck_assert_int_eq(ipvs_timeout_set(h, &want), 0);
	ck_assert_int_eq(ipvs_timeout_get(h, &t), 0);
	ck_assert_uint_eq(t.tcp, 1000);
	ck_assert_uint_eq(t.udp, 250);
	ck_assert_int_eq(ipvs_timeout_set(h, &saved), 0);

	ck_assert_int_eq(ipvs_sysctl_get("expire_nodest_conn", &old), 0);
	ck_assert_int_eq(ipvs_sysctl_set("expire_nodest_conn", 1), 0);
	ck_assert_int_eq(ipvs_sysctl_get("expire_nodest_conn", &v), 0);
	ck_assert_int_eq(v, 1);
	vt_must("test \"$(cat /proc/sys/net/ipv4/vs/expire_nodest_conn)\" = 1");
	ck_assert_int_eq(ipvs_sysctl_set("expire_nodest_conn", old), 0);
	ck_assert_int_eq(ipvs_sysctl_get("expire_nodest_conn", &v), 0);
	ck_assert_int_eq(v, old);
	ck_assert_int_eq(ipvs_sysctl_get("no_such_sysctl", &v), -ENOENT);
	ck_assert_int_eq(ipvs_sysctl_get("../../../../etc/passwd", &v), -EINVAL);
	/* two integers: not an integer sysctl */
	ck_assert_int_eq(ipvs_sysctl_get("sync_threshold", &v), -EINVAL);
	ipvs_close(h);
}
END_TEST

/* Lost and truncated answers are reported or retried, never a hang or a partial table. */
START_TEST(test_transport_recovery)
{
	struct ipvs_service svc = service(AF_INET, IPPROTO_TCP, "10.96.3.1", 80, "rr");
	struct ipvs_service missing = service(AF_INET, IPPROTO_TCP, "10.96.3.99", 80, "rr");
	struct ipvs_dest d = dest(AF_INET, "10.100.1.2", 8080, IPVS_FWD_MASQ, 1);
	struct ipvs_batch_result *res = NULL;
	struct ipvs_table *t = NULL;
	struct ipvs_info info;
	size_t i, lost = 0, n = 300;
	int tiny = 0, r;
	struct ipvs *h;

	private_netns();
	h = open_ipvs();
	/* a receive buffer too small for a window of error replies: they overrun it */
	ck_assert_int_eq(
	    setsockopt(nl_socket_get_fd(h->sk), SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny)), 0);
	ck_assert_int_eq(ipvs_batch_begin(h), 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(ipvs_dest_del(h, &missing, &d), 0);
	r = ipvs_batch_end(h, &res);
	ck_assert_uint_eq(res->n_ops, n);
	for (i = 0; i < n; i++) {
		ck_assert_msg(res->errors[i] == -ESRCH || res->errors[i] == -ENOBUFS,
			      "operation %zu: %s", i, strerror(-res->errors[i]));
		lost += res->errors[i] == -ENOBUFS;
	}
	printf("overrun: %zu of %zu answers lost\n", lost, n);
	ck_assert_uint_gt(lost, 0);
	ck_assert_int_eq(r, res->errors[0]);
	/* the next window went out on a fresh socket, with its full buffer */
	ck_assert_int_eq(res->errors[n - 1], -ESRCH);
	ipvs_batch_result_free(res);
	ck_assert_int_eq(ipvs_info(h, &info), 0);

	/* dump messages truncated by a small buffer: the dump starts over, whole */
	ck_assert_int_eq(ipvs_service_add(h, &svc), 0);
	for (i = 0; i < 50; i++) {
		d.addr.v4 = htonl(0x0a640100 + i);
		ck_assert_int_eq(ipvs_dest_add(h, &svc, &d), 0);
	}
	nl_socket_disable_msg_peek(h->sk);
	ck_assert_int_eq(nl_socket_set_msg_buf_size(h->sk, 256), 0);
	r = ipvs_dump(h, &t);
	ck_assert_msg(r == 0, "ipvs_dump: %s", strerror(-r));
	ck_assert_uint_eq(t->n_services, 1);
	ck_assert_uint_eq(t->n_dests, 50);
	ipvs_table_free(t);
	ipvs_close(h);
}
END_TEST

/* Traffic through rules the library programmed, to lab destinations. */
START_TEST(test_traffic)
{
	struct ipvs_service tcp = service(AF_INET, IPPROTO_TCP, "10.96.0.1", 80, "rr");
	struct ipvs_service udp = service(AF_INET, IPPROTO_UDP, "10.96.0.1", 53, "rr");
	struct ipvs_service tcp6 = service(AF_INET6, IPPROTO_TCP, "fd00:96::1", 80, "rr");
	struct ipvs_dest a = dest(AF_INET, "10.100.1.2", 8080, IPVS_FWD_MASQ, 1);
	struct ipvs_dest b = dest(AF_INET, "10.100.2.2", 8080, IPVS_FWD_MASQ, 1);
	struct ipvs_dest a6 = dest(AF_INET6, "fd00:100:1::2", 8080, IPVS_FWD_MASQ, 1);
	const char *lab = vt_lab();
	struct vt_storm storm;
	struct vt_conn c;
	struct ipvs *h;
	int i;

	private_netns();
	vt_must("%s dest ipvs-a --v4 10.100.1.2 --v6 fd00:100:1::2 --port 8080", lab);
	vt_must("%s dest ipvs-b --v4 10.100.2.2 --port 8080", lab);
	/* local clients reach a VIP through a route; IPVS takes it from there */
	vt_must("ip link add vip0 type dummy && ip link set vip0 up");
	vt_must("ip route add 10.96.0.0/24 dev vip0 && ip -6 route add fd00:96::/64 dev vip0");
	h = open_ipvs();
	ck_assert_int_eq(ipvs_batch_begin(h), 0);
	ipvs_service_add(h, &tcp);
	ipvs_dest_add(h, &tcp, &a);
	ipvs_dest_add(h, &tcp, &b);
	ipvs_service_add(h, &udp);
	ipvs_dest_add(h, &udp, &a);
	ipvs_service_add(h, &tcp6);
	ipvs_dest_add(h, &tcp6, &a6);
	ck_assert_int_eq(ipvs_batch_end(h, NULL), 0);

	ck_assert_int_eq(vt_storm("10.96.0.1:80", 20, 4, &storm), 0);
	ck_assert_msg(storm.ok == 20, "%u of 20 connections failed", storm.failed);
	vt_storm_free(&storm);
	ck_assert_int_eq(vt_udp_exchange("10.96.0.1:53", 5000, &c), 0);
	ck_assert_msg(c.err == 0, "UDP through IPVS: %s", strerror(c.err));
	ck_assert_int_eq(vt_connect("[fd00:96::1]:80", 5000, &c), 0);
	ck_assert_msg(c.err == 0, "TCP over IPv6 through IPVS: %s", strerror(c.err));

	/* weight 0: new connections go to the other destination only */
	b.weight = 0;
	ck_assert_int_eq(ipvs_dest_edit(h, &tcp, &b), 0);
	vt_must("%s silent ipvs-b", lab);
	for (i = 0; i < 6; i++) {
		ck_assert_int_eq(vt_connect("10.96.0.1:80", 5000, &c), 0);
		ck_assert_msg(c.err == 0, "connection %d after quiescing b: %s", i,
			      strerror(c.err));
	}

	/* without the service, the VIP leads nowhere */
	ck_assert_int_eq(ipvs_service_del(h, &tcp), 0);
	ck_assert_int_eq(vt_connect("10.96.0.1:80", 1000, &c), 0);
	ck_assert_int_ne(c.err, 0);
	ipvs_close(h);
	vt_sh("%s clean", lab);
}
END_TEST

#define BIG_SERVICES 10000
#define BIG_DESTS    10

static void big_service(unsigned int i, struct ipvs_service *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->af = AF_INET;
	ret->protocol = IPPROTO_TCP;
	ret->addr.v4 = htonl(0x0a600000 + i); /* 10.96.0.0 + i */
	ret->port = 80;
	snprintf(ret->scheduler, sizeof(ret->scheduler), "wrr");
	ret->netmask = 0xffffffff;
}

static void big_dest(unsigned int i, unsigned int j, struct ipvs_dest *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->addr.v4 = htonl(0xac100000 + i); /* 172.16.0.0 + i */
	ret->port = 8000 + j;
	ret->fwd = IPVS_FWD_MASQ;
	ret->weight = 1 + j;
}

/* Adds n services of d destinations in one batch; the seconds it took. */
static double add_big(struct ipvs *h, unsigned int n, unsigned int d, bool batch)
{
	struct ipvs_batch_result *res = NULL;
	struct ipvs_service svc;
	struct ipvs_dest dst;
	uint64_t t0 = vt_now_ns();
	unsigned int i, j;
	int r;

	if (batch)
		ck_assert_int_eq(ipvs_batch_begin(h), 0);
	for (i = 0; i < n; i++) {
		big_service(i, &svc);
		r = ipvs_service_add(h, &svc);
		ck_assert_msg(r == 0, "service %u: %s", i, strerror(-r));
		for (j = 0; j < d; j++) {
			big_dest(i, j, &dst);
			r = ipvs_dest_add(h, &svc, &dst);
			ck_assert_msg(r == 0, "service %u dest %u: %s", i, j, strerror(-r));
		}
	}
	if (batch) {
		r = ipvs_batch_end(h, &res);
		ck_assert_msg(r == 0, "batch: %zu of %zu failed, first with %s", res->n_failed,
			      res->n_ops, strerror(-r));
		ck_assert_uint_eq(res->n_ops, n * (1 + d));
		ipvs_batch_result_free(res);
	}
	return (vt_now_ns() - t0) / 1e9;
}

static int count_ipvsadm_lines(void)
{
	FILE *f = popen("ipvsadm -Sn | wc -l", "r");
	int n = -1;

	ck_assert(f);
	ck_assert_int_eq(fscanf(f, "%d", &n), 1);
	pclose(f);
	return n;
}

START_TEST(test_large_table)
{
	struct ipvs_table *t = NULL;
	struct ipvs_service svc;
	struct ipvs_dest want;
	unsigned int i, checked = 0;
	double add_s, dump_s;
	struct ipvs *h;
	uint64_t t0;
	int r;

	private_netns();
	h = open_ipvs();
	add_s = add_big(h, BIG_SERVICES, BIG_DESTS, true);
	t0 = vt_now_ns();
	r = ipvs_dump(h, &t);
	dump_s = (vt_now_ns() - t0) / 1e9;
	ck_assert_msg(r == 0, "ipvs_dump: %s", strerror(-r));
	printf("large table: %u services x %u destinations: batch add %.2f s, dump %.2f s\n",
	       BIG_SERVICES, BIG_DESTS, add_s, dump_s);
	ck_assert_uint_eq(t->n_services, BIG_SERVICES);
	ck_assert_uint_eq(t->n_dests, BIG_SERVICES * BIG_DESTS);
	/* every service is there once, with its destinations */
	for (i = 0; i < t->n_services; i++) {
		const struct ipvs_table_service *ts = &t->services[i];
		unsigned int k = ntohl(ts->svc.addr.v4) - 0x0a600000;

		ck_assert_uint_lt(k, BIG_SERVICES);
		ck_assert_uint_eq(ts->n_dests, BIG_DESTS);
		if (k % 997 == 0) {
			unsigned int j;

			big_service(k, &svc);
			ck_assert(service_key_equal(&svc, &ts->svc));
			ck_assert_str_eq(ts->svc.scheduler, "wrr");
			for (j = 0; j < BIG_DESTS; j++) {
				const struct ipvs_dest *d;

				big_dest(k, j, &want);
				d = find_dest(ts, &want);
				ck_assert_msg(d, "service %u lacks destination %u", k, j);
				ck_assert_uint_eq(d->weight, want.weight);
				ck_assert_uint_eq(d->fwd, IPVS_FWD_MASQ);
			}
			checked++;
		}
	}
	ck_assert_uint_gt(checked, 9);
	ipvs_table_free(t);
	t0 = vt_now_ns();
	ck_assert_int_eq(count_ipvsadm_lines(), BIG_SERVICES * (1 + BIG_DESTS));
	printf("large table: ipvsadm -Sn | wc -l took %.2f s\n", (vt_now_ns() - t0) / 1e9);
	ck_assert_int_eq(ipvs_flush(h), 0);
	ipvs_close(h);
}
END_TEST

#define BENCH_SERVICES 1000
#define BENCH_DESTS    10
#define BENCH_RUNS     3

static void write_rules(const char *path)
{
	FILE *f = fopen(path, "w");
	struct ipvs_service svc;
	struct ipvs_dest d;
	char spec[96], ap[64];
	unsigned int i, j;

	ck_assert(f);
	for (i = 0; i < BENCH_SERVICES; i++) {
		big_service(i, &svc);
		fprintf(f, "-A %s -s wrr\n", service_spec(&svc, spec, sizeof(spec)));
		for (j = 0; j < BENCH_DESTS; j++) {
			big_dest(i, j, &d);
			fprintf(f, "-a %s -r %s -m -w %u\n", spec,
				addr_port(AF_INET, &d.addr, d.port, ap, sizeof(ap)), d.weight);
		}
	}
	ck_assert_int_eq(fclose(f), 0);
}

enum bench_method {
	BENCH_SEQUENTIAL,
	BENCH_BATCH,
	BENCH_RESTORE
};

/*
 * Programs the benchmark's rules with one method in a fresh network
 * namespace; ret gets the seconds it took, then those of a dump by the
 * library and by ipvsadm -Sn. Runs in a child: the namespace (and the trash
 * the kernel keeps there) goes away with it.
 */
static void bench_once(enum bench_method method, double ret[3])
{
	int p[2];
	pid_t pid;
	FILE *f;

	ck_assert_int_eq(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct ipvs_table *t = NULL;
		struct ipvs *h = NULL;
		double add = 0, dump, save;
		uint64_t t0;

		close(p[0]);
		if (unshare(CLONE_NEWNET) < 0 || vt_sh("ip link set lo up") != 0 ||
		    ipvs_open(&h) < 0)
			_exit(2);
		if (method == BENCH_RESTORE) {
			t0 = vt_now_ns();
			if (vt_sh("ipvsadm -R < /tmp/vm_ipvs.rules") != 0)
				_exit(3);
			add = (vt_now_ns() - t0) / 1e9;
		} else {
			add = add_big(h, BENCH_SERVICES, BENCH_DESTS, method == BENCH_BATCH);
		}
		t0 = vt_now_ns();
		if (ipvs_dump(h, &t) < 0 || t->n_dests != BENCH_SERVICES * BENCH_DESTS)
			_exit(4);
		dump = (vt_now_ns() - t0) / 1e9;
		ipvs_table_free(t);
		t0 = vt_now_ns();
		if (vt_sh("ipvsadm -Sn > /dev/null") != 0)
			_exit(5);
		save = (vt_now_ns() - t0) / 1e9;
		/* now, not in the background while the next run is timed */
		ipvs_flush(h);
		ipvs_close(h);
		dprintf(p[1], "%f %f %f\n", add, dump, save);
		_exit(0);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	ck_assert_int_eq(fscanf(f, "%lf %lf %lf", &ret[0], &ret[1], &ret[2]), 3);
	fclose(f);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}

START_TEST(test_bench)
{
	static const char *const names[] = { "sequential", "batch", "ipvsadm -R" };
	double add[3][BENCH_RUNS], dump[BENCH_RUNS * 3], save[BENCH_RUNS * 3], m[3];
	int run, method;

	write_rules("/tmp/vm_ipvs.rules");
	for (run = 0; run < BENCH_RUNS; run++) {
		for (method = 0; method < 3; method++) {
			double r[3];

			bench_once(method, r);
			add[method][run] = r[0];
			dump[run * 3 + method] = r[1];
			save[run * 3 + method] = r[2];
			printf("bench run %d: %s %.3f s; then dump %.3f s, ipvsadm -Sn %.3f s\n",
			       run + 1, names[method], r[0], r[1], r[2]);
		}
	}
	for (method = 0; method < 3; method++)
		m[method] = vt_median(add[method], BENCH_RUNS);

	printf("bench medians, %u services x %u destinations: sequential %.3f s, batch %.3f s, "
	       "ipvsadm -R %.3f s (%.1fx, %.1fx); dump %.3f s, ipvsadm -Sn %.3f s\n",
	       BENCH_SERVICES, BENCH_DESTS, m[0], m[1], m[2], m[2] / m[0], m[2] / m[1],
	       vt_median(dump, BENCH_RUNS * 3), vt_median(save, BENCH_RUNS * 3));
}
END_TEST

int main(int argc, char **argv)
{
	bool bench = argc > 1 && !strcmp(argv[1], "--bench");
	Suite *s = suite_create("ipvs");
	TCase *tc = tcase_create("kernel");
	/* where lab finds its server, unless tests/vm/run said */
	setenv("VIGIL_BUILD_DIR", VIGIL_BUILD_DIR, 0);
	/* TCG is slow, and the large table is large */
	tcase_set_timeout(tc, 800);
	tcase_add_test(tc, test_every_kind);
	tcase_add_test(tc, test_errors_keep_errno);
	tcase_add_test(tc, test_info_timeouts_sysctl);
	tcase_add_test(tc, test_traffic);
	tcase_add_test(tc, test_transport_recovery);
	tcase_add_test(tc, test_large_table);
	if (bench)
		tcase_add_test(tc, test_bench);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
