// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parts of the ipvs library that need no kernel: building requests,
 * parsing replies (including malformed ones), sysctl names and files, and
 * keeping the kernel's errno.
 */
#include <arpa/inet.h>
#include <check.h>

#include "check_main.h"
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ip_vs.h>
#include <netlink/genl/genl.h>

#include "ipvs-internal.h"

#define FAMILY 0x20 /* any id: parsing does not look at it */

static struct nl_msg *new_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(genlmsg_put(msg, 0, 1, FAMILY, 0, 0, cmd, IPVS_GENL_VERSION));
	return msg;
}

/* The nested attribute of a message with only that one at the top. */
static struct nlattr *top_nest(struct nl_msg *msg, int type)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *a = nla_find(genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), type);

	ck_assert_ptr_nonnull(a);
	return a;
}

static struct ipvs_service v4_service(void)
{
	struct ipvs_service s;

	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.protocol = IPPROTO_TCP;
	inet_pton(AF_INET, "10.96.0.10", &s.addr);
	s.port = 443;
	strcpy(s.scheduler, "wrr");
	s.flags = IPVS_SVC_F_PERSISTENT | IPVS_SVC_F_ONEPACKET;
	s.timeout = 600;
	s.netmask = htonl(0xffffff00);
	return s;
}

START_TEST(service_round_trip_v4)
{
	struct ipvs_service s = v4_service(), back;
	struct nl_msg *msg = new_msg(IPVS_CMD_NEW_SERVICE);
	struct nlattr *nest, *a;
	struct ip_vs_flags flags;

	ck_assert_int_eq(ipvs_fill_service(msg, &s, true), 0);
	nest = top_nest(msg, IPVS_CMD_ATTR_SERVICE);
	/* what the kernel reads: family, 4-byte address, port in network order */
	a = nla_find(nla_data(nest), nla_len(nest), IPVS_SVC_ATTR_ADDR);
	ck_assert_int_eq(nla_len(a), 4);
	a = nla_find(nla_data(nest), nla_len(nest), IPVS_SVC_ATTR_PORT);
	ck_assert_uint_eq(nla_get_u16(a), htons(443));
	a = nla_find(nla_data(nest), nla_len(nest), IPVS_SVC_ATTR_FLAGS);
	ck_assert_int_eq(nla_len(a), sizeof(flags));
	memcpy(&flags, nla_data(a), sizeof(flags));
	ck_assert_uint_eq(flags.flags, IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_ONEPACKET);
	ck_assert_uint_eq(flags.mask, ~0u);
	ck_assert_ptr_null(nla_find(nla_data(nest), nla_len(nest), IPVS_SVC_ATTR_FWMARK));
	ck_assert_ptr_null(nla_find(nla_data(nest), nla_len(nest), IPVS_SVC_ATTR_PE_NAME));

	ck_assert_int_eq(ipvs_parse_service_msg(nlmsg_hdr(msg), &back), 0);
	ck_assert_uint_eq(back.af, AF_INET);
	ck_assert_uint_eq(back.protocol, IPPROTO_TCP);
	ck_assert_uint_eq(back.addr.v4, s.addr.v4);
	ck_assert_uint_eq(back.port, 443);
	ck_assert_uint_eq(back.fwmark, 0);
	ck_assert_str_eq(back.scheduler, "wrr");
	ck_assert_str_eq(back.pe_name, "");
	ck_assert_uint_eq(back.flags, s.flags);
	ck_assert_uint_eq(back.timeout, 600);
	ck_assert_uint_eq(back.netmask, htonl(0xffffff00));
	ck_assert(ipvs_service_key_equal(&s, &back));
	nlmsg_free(msg);
}
END_TEST

START_TEST(service_round_trip_v6_fwmark_pe)
{
	struct ipvs_service s, back;
	struct nl_msg *msg = new_msg(IPVS_CMD_SET_SERVICE);
	struct nlattr *nest;

	memset(&s, 0, sizeof(s));
	s.af = AF_INET6;
	s.fwmark = 42;
	strcpy(s.scheduler, "sh");
	strcpy(s.pe_name, "sip");
	s.flags = IPVS_SVC_F_PERSISTENT | IPVS_SVC_F_SCHED1 | IPVS_SVC_F_SCHED2;
	s.timeout = 60;
	s.netmask = 64;
	ck_assert_int_eq(ipvs_fill_service(msg, &s, true), 0);
	nest = top_nest(msg, IPVS_CMD_ATTR_SERVICE);
	/* a firewall-mark service is named by its mark, not an address */
	ck_assert_ptr_null(nla_find(nla_data(nest), nla_len(nest), IPVS_SVC_ATTR_ADDR));
	ck_assert_ptr_null(nla_find(nla_data(nest), nla_len(nest), IPVS_SVC_ATTR_PORT));
	ck_assert_int_eq(ipvs_parse_service_msg(nlmsg_hdr(msg), &back), 0);
	ck_assert_uint_eq(back.af, AF_INET6);
	ck_assert_uint_eq(back.fwmark, 42);
	ck_assert_str_eq(back.scheduler, "sh");
	ck_assert_str_eq(back.pe_name, "sip");
	ck_assert_uint_eq(back.flags, s.flags);
	ck_assert_uint_eq(back.netmask, 64);
	ck_assert(ipvs_service_key_equal(&s, &back));
	nlmsg_free(msg);

	/* an IPv6 address goes whole */
	memset(&s, 0, sizeof(s));
	s.af = AF_INET6;
	s.protocol = IPPROTO_UDP;
	inet_pton(AF_INET6, "fd00:96::1", &s.addr);
	s.port = 53;
	strcpy(s.scheduler, "rr");
	msg = new_msg(IPVS_CMD_NEW_SERVICE);
	ck_assert_int_eq(ipvs_fill_service(msg, &s, true), 0);
	ck_assert_int_eq(ipvs_parse_service_msg(nlmsg_hdr(msg), &back), 0);
	ck_assert_int_eq(memcmp(&back.addr, &s.addr, 16), 0);
	ck_assert_uint_eq(back.protocol, IPPROTO_UDP);
	nlmsg_free(msg);
}
END_TEST

START_TEST(service_key_only_and_hashed_flag)
{
	struct ipvs_service s = v4_service(), back;
	struct nl_msg *msg = new_msg(IPVS_CMD_DEL_SERVICE);
	struct nlattr *nest, *a;
	struct ip_vs_flags flags;

	ck_assert_int_eq(ipvs_fill_service(msg, &s, false), 0);
	nest = top_nest(msg, IPVS_CMD_ATTR_SERVICE);
	ck_assert_ptr_nonnull(nla_find(nla_data(nest), nla_len(nest), IPVS_SVC_ATTR_AF));
	ck_assert_ptr_null(nla_find(nla_data(nest), nla_len(nest), IPVS_SVC_ATTR_SCHED_NAME));
	ck_assert_ptr_null(nla_find(nla_data(nest), nla_len(nest), IPVS_SVC_ATTR_FLAGS));
	/* a reply must carry the settings: a key alone is not a service */
	ck_assert_int_eq(ipvs_parse_service_msg(nlmsg_hdr(msg), &back), -EBADMSG);
	nlmsg_free(msg);

	/* the kernel's HASHED bit is never sent, and never reported */
	s.flags |= IP_VS_SVC_F_HASHED;
	msg = new_msg(IPVS_CMD_NEW_SERVICE);
	ck_assert_int_eq(ipvs_fill_service(msg, &s, true), 0);
	nest = top_nest(msg, IPVS_CMD_ATTR_SERVICE);
	a = nla_find(nla_data(nest), nla_len(nest), IPVS_SVC_ATTR_FLAGS);
	memcpy(&flags, nla_data(a), sizeof(flags));
	ck_assert_uint_eq(flags.flags & IP_VS_SVC_F_HASHED, 0);
	flags.flags |= IP_VS_SVC_F_HASHED;
	memcpy(nla_data(a), &flags, sizeof(flags));
	ck_assert_int_eq(ipvs_parse_service_msg(nlmsg_hdr(msg), &back), 0);
	ck_assert_uint_eq(back.flags, IPVS_SVC_F_PERSISTENT | IPVS_SVC_F_ONEPACKET);
	nlmsg_free(msg);
}
END_TEST

START_TEST(fill_refuses_bad_input)
{
	struct ipvs_service s = v4_service();
	struct ipvs_dest d;
	struct nl_msg *msg = new_msg(IPVS_CMD_NEW_SERVICE);

	s.af = AF_UNIX;
	ck_assert_int_eq(ipvs_fill_service(msg, &s, true), -EAFNOSUPPORT);
	s = v4_service();
	memset(s.scheduler, 'x', sizeof(s.scheduler));
	ck_assert_int_eq(ipvs_fill_service(msg, &s, true), -ENAMETOOLONG);
	/* only the key is sent: a bad scheduler does not matter there */
	ck_assert_int_eq(ipvs_fill_service(msg, &s, false), 0);
	memset(&d, 0, sizeof(d));
	d.af = 99;
	ck_assert_int_eq(ipvs_fill_dest(msg, &d, AF_INET, true), -EAFNOSUPPORT);
	d.af = 0;
	ck_assert_int_eq(ipvs_fill_dest(msg, &d, 0, true), -EAFNOSUPPORT);
	nlmsg_free(msg);
}
END_TEST

/* Copies a nest's attributes into a new message, as the kernel would echo them. */
static struct nl_msg *echo_dest(const struct nlattr *src, bool with_conns)
{
	struct nl_msg *msg = new_msg(IPVS_CMD_NEW_DEST);
	struct nlattr *nest = nla_nest_start(msg, IPVS_CMD_ATTR_DEST), *a;
	int rem;

	nla_for_each_nested(a, (struct nlattr *)src, rem)
	    ck_assert_int_eq(nla_put(msg, nla_type(a), nla_len(a), nla_data(a)), 0);
	if (with_conns) {
		nla_put_u32(msg, IPVS_DEST_ATTR_ACTIVE_CONNS, 5);
		nla_put_u32(msg, IPVS_DEST_ATTR_INACT_CONNS, 6);
		nla_put_u32(msg, IPVS_DEST_ATTR_PERSIST_CONNS, 7);
	}
	nla_nest_end(msg, nest);
	return msg;
}

START_TEST(dest_round_trip)
{
	struct ipvs_dest d, back;
	struct nl_msg *msg = new_msg(IPVS_CMD_NEW_DEST), *echo;
	struct nlattr *nest, *a;

	memset(&d, 0, sizeof(d));
	d.af = AF_INET6; /* in an IPv4 service: a mixed-family tunnel */
	inet_pton(AF_INET6, "fd00:100:1::2", &d.addr);
	d.port = 8080;
	d.fwd = IPVS_FWD_TUNNEL;
	d.weight = 200;
	d.u_threshold = 100;
	d.l_threshold = 10;
	d.tun_type = IPVS_TUN_GUE;
	d.tun_port = 6080;
	d.tun_flags = IPVS_TUN_F_CSUM;
	ck_assert_int_eq(ipvs_fill_dest(msg, &d, AF_INET, true), 0);
	nest = top_nest(msg, IPVS_CMD_ATTR_DEST);
	a = nla_find(nla_data(nest), nla_len(nest), IPVS_DEST_ATTR_ADDR);
	ck_assert_int_eq(nla_len(a), 16);
	a = nla_find(nla_data(nest), nla_len(nest), IPVS_DEST_ATTR_TUN_PORT);
	ck_assert_uint_eq(nla_get_u16(a), htons(6080));
	a = nla_find(nla_data(nest), nla_len(nest), IPVS_DEST_ATTR_ADDR_FAMILY);
	ck_assert_uint_eq(nla_get_u16(a), AF_INET6);

	/* without the connection counters it is not a reply */
	echo = echo_dest(nest, false);
	ck_assert_int_eq(ipvs_parse_dest_msg(nlmsg_hdr(echo), AF_INET, &back), -EBADMSG);
	nlmsg_free(echo);
	echo = echo_dest(nest, true);
	ck_assert_int_eq(ipvs_parse_dest_msg(nlmsg_hdr(echo), AF_INET, &back), 0);
	ck_assert_uint_eq(back.af, AF_INET6);
	ck_assert_int_eq(memcmp(&back.addr, &d.addr, 16), 0);
	ck_assert_uint_eq(back.port, 8080);
	ck_assert_uint_eq(back.fwd, IPVS_FWD_TUNNEL);
	ck_assert_uint_eq(back.weight, 200);
	ck_assert_uint_eq(back.u_threshold, 100);
	ck_assert_uint_eq(back.l_threshold, 10);
	ck_assert_uint_eq(back.tun_type, IPVS_TUN_GUE);
	ck_assert_uint_eq(back.tun_port, 6080);
	ck_assert_uint_eq(back.tun_flags, IPVS_TUN_F_CSUM);
	ck_assert_uint_eq(back.active_conns, 5);
	ck_assert_uint_eq(back.inactive_conns, 6);
	ck_assert_uint_eq(back.persist_conns, 7);
	nlmsg_free(echo);
	nlmsg_free(msg);

	/* the service's family is the default; a key carries no settings */
	memset(&d, 0, sizeof(d));
	inet_pton(AF_INET, "10.100.1.2", &d.addr);
	d.port = 80;
	msg = new_msg(IPVS_CMD_DEL_DEST);
	ck_assert_int_eq(ipvs_fill_dest(msg, &d, AF_INET, false), 0);
	nest = top_nest(msg, IPVS_CMD_ATTR_DEST);
	ck_assert_ptr_null(nla_find(nla_data(nest), nla_len(nest), IPVS_DEST_ATTR_ADDR_FAMILY));
	ck_assert_ptr_null(nla_find(nla_data(nest), nla_len(nest), IPVS_DEST_ATTR_WEIGHT));
	a = nla_find(nla_data(nest), nla_len(nest), IPVS_DEST_ATTR_ADDR);
	ck_assert_int_eq(nla_len(a), 4);
	nlmsg_free(msg);
}
END_TEST

static void put_stats(struct nl_msg *msg, int type, bool is64, uint64_t base)
{
	struct nlattr *nest = nla_nest_start(msg, type);
	int i;

	for (i = IPVS_STATS_ATTR_CONNS; i <= IPVS_STATS_ATTR_OUTBPS; i++) {
		bool wide = is64 || i == IPVS_STATS_ATTR_INBYTES || i == IPVS_STATS_ATTR_OUTBYTES;

		if (wide)
			nla_put_u64(msg, i, base + i);
		else
			nla_put_u32(msg, i, (uint32_t)(base + i));
	}
	nla_nest_end(msg, nest);
}

/* How a crafted service message departs from what the kernel sends. */
struct tweak {
	int skip;   /* an attribute left out */
	int resize; /* an attribute sent with len bytes of payload */
	int len;
	uint16_t af;
	bool fwmark;
};

static void put(struct nl_msg *msg, const struct tweak *tw, int type, const void *data, int len)
{
	uint8_t buf[64] = { 0 };

	if (type == tw->skip)
		return;
	if (type == tw->resize) {
		memcpy(buf, data, len < tw->len ? len : tw->len);
		data = buf;
		len = tw->len;
	}
	ck_assert_int_eq(nla_put(msg, type, len, data), 0);
}

/* A service as the kernel dumps it, but for the tweak. */
static struct nl_msg *kernel_service(const struct tweak *tw)
{
	struct ip_vs_flags flags = { IP_VS_SVC_F_HASHED | IP_VS_SVC_F_PERSISTENT, ~0u };
	struct nl_msg *msg = new_msg(IPVS_CMD_NEW_SERVICE);
	struct nlattr *nest = nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE);
	uint8_t addr[16] = { 10, 96, 0, 1 };
	uint16_t af = tw->af ? tw->af : AF_INET, proto = IPPROTO_TCP, port = htons(80);
	uint32_t mark = 7, timeout = 300, mask = 0xffffffff;

	put(msg, tw, IPVS_SVC_ATTR_AF, &af, sizeof(af));
	if (tw->fwmark) {
		put(msg, tw, IPVS_SVC_ATTR_FWMARK, &mark, sizeof(mark));
	} else {
		put(msg, tw, IPVS_SVC_ATTR_PROTOCOL, &proto, sizeof(proto));
		put(msg, tw, IPVS_SVC_ATTR_ADDR, addr, sizeof(addr));
		put(msg, tw, IPVS_SVC_ATTR_PORT, &port, sizeof(port));
	}
	put(msg, tw, IPVS_SVC_ATTR_SCHED_NAME, "wlc", 4);
	put(msg, tw, IPVS_SVC_ATTR_FLAGS, &flags, sizeof(flags));
	put(msg, tw, IPVS_SVC_ATTR_TIMEOUT, &timeout, sizeof(timeout));
	put(msg, tw, IPVS_SVC_ATTR_NETMASK, &mask, sizeof(mask));
	if (tw->skip != IPVS_SVC_ATTR_STATS)
		put_stats(msg, IPVS_SVC_ATTR_STATS, false, 1000);
	if (tw->skip != IPVS_SVC_ATTR_STATS64)
		put_stats(msg, IPVS_SVC_ATTR_STATS64, true, 5000000000ull);
	nla_nest_end(msg, nest);
	return msg;
}

static int parse_tweaked(const struct tweak *tw, struct ipvs_service *ret)
{
	struct nl_msg *msg = kernel_service(tw);
	int r = ipvs_parse_service_msg(nlmsg_hdr(msg), ret);

	nlmsg_free(msg);
	return r;
}

START_TEST(service_from_kernel)
{
	struct ipvs_service s;

	ck_assert_int_eq(parse_tweaked(&(struct tweak){ 0 }, &s), 0);
	ck_assert_uint_eq(s.addr.v4, htonl(0x0a600001));
	ck_assert_uint_eq(s.port, 80);
	ck_assert_str_eq(s.scheduler, "wlc");
	ck_assert_uint_eq(s.flags, IPVS_SVC_F_PERSISTENT);
	ck_assert_uint_eq(s.timeout, 300);
	/* 64-bit counters win over the 32-bit ones */
	ck_assert_uint_eq(s.stats.conns, 5000000000ull + IPVS_STATS_ATTR_CONNS);
	ck_assert_uint_eq(s.stats.outbps, 5000000000ull + IPVS_STATS_ATTR_OUTBPS);

	ck_assert_int_eq(parse_tweaked(&(struct tweak){ .skip = IPVS_SVC_ATTR_STATS64 }, &s), 0);
	ck_assert_uint_eq(s.stats.conns, 1000 + IPVS_STATS_ATTR_CONNS);
	ck_assert_uint_eq(s.stats.inbytes, 1000 + IPVS_STATS_ATTR_INBYTES);

	/* statistics are optional */
	ck_assert_int_eq(
	    parse_tweaked(&(struct tweak){ .skip = IPVS_SVC_ATTR_STATS64, .fwmark = true }, &s), 0);
	ck_assert_uint_eq(s.fwmark, 7);
	ck_assert_uint_eq(s.protocol, 0);

	/* IPv6: the whole address */
	ck_assert_int_eq(parse_tweaked(&(struct tweak){ .af = AF_INET6 }, &s), 0);
	ck_assert_uint_eq(s.af, AF_INET6);
	ck_assert_uint_eq(s.addr.v6[0], 10);
}
END_TEST

START_TEST(service_missing_mandatory)
{
	static const int inet[] = { IPVS_SVC_ATTR_AF,         IPVS_SVC_ATTR_PROTOCOL,
				    IPVS_SVC_ATTR_ADDR,       IPVS_SVC_ATTR_PORT,
				    IPVS_SVC_ATTR_SCHED_NAME, IPVS_SVC_ATTR_FLAGS,
				    IPVS_SVC_ATTR_TIMEOUT,    IPVS_SVC_ATTR_NETMASK };
	struct ipvs_service s;
	struct nl_msg *msg;
	size_t i;

	for (i = 0; i < sizeof(inet) / sizeof(inet[0]); i++)
		ck_assert_msg(parse_tweaked(&(struct tweak){ .skip = inet[i] }, &s) == -EBADMSG,
			      "service without attribute %d accepted", inet[i]);
	/* a firewall-mark service without its mark has no key at all */
	ck_assert_int_eq(
	    parse_tweaked(&(struct tweak){ .skip = IPVS_SVC_ATTR_FWMARK, .fwmark = true }, &s),
	    -EBADMSG);
	/* no service at all */
	msg = new_msg(IPVS_CMD_NEW_SERVICE);
	ck_assert_int_eq(ipvs_parse_service_msg(nlmsg_hdr(msg), &s), -EBADMSG);
	nlmsg_free(msg);
}
END_TEST

START_TEST(service_malformed)
{
	struct ipvs_service s;
	struct nl_msg *msg;
	struct nlattr *a, *nest, *last = NULL;
	int rem;

	/* attributes too short for their type */
	ck_assert_int_eq(
	    parse_tweaked(&(struct tweak){ .resize = IPVS_SVC_ATTR_PORT, .len = 1 }, &s), -EBADMSG);
	ck_assert_int_eq(
	    parse_tweaked(&(struct tweak){ .resize = IPVS_SVC_ATTR_TIMEOUT, .len = 2 }, &s),
	    -EBADMSG);
	/* flags of 4 bytes, or 12, not the 8 of struct ip_vs_flags */
	ck_assert_int_eq(
	    parse_tweaked(&(struct tweak){ .resize = IPVS_SVC_ATTR_FLAGS, .len = 4 }, &s),
	    -EBADMSG);
	ck_assert_int_eq(
	    parse_tweaked(&(struct tweak){ .resize = IPVS_SVC_ATTR_FLAGS, .len = 12 }, &s),
	    -EBADMSG);
	/* a scheduler name without its NUL, and one too long */
	ck_assert_int_eq(
	    parse_tweaked(&(struct tweak){ .resize = IPVS_SVC_ATTR_SCHED_NAME, .len = 3 }, &s),
	    -EBADMSG);
	ck_assert_int_eq(
	    parse_tweaked(&(struct tweak){ .resize = IPVS_SVC_ATTR_SCHED_NAME, .len = 20 }, &s),
	    -EBADMSG);
	/* an IPv6 service with an IPv4-sized address; an address over 16 bytes */
	ck_assert_int_eq(
	    parse_tweaked(&(struct tweak){ .af = AF_INET6, .resize = IPVS_SVC_ATTR_ADDR, .len = 4 },
			  &s),
	    -EBADMSG);
	ck_assert_int_eq(
	    parse_tweaked(&(struct tweak){ .resize = IPVS_SVC_ATTR_ADDR, .len = 20 }, &s),
	    -EBADMSG);
	/* the positive control: an IPv4 service needs only 4 bytes */
	ck_assert_int_eq(
	    parse_tweaked(&(struct tweak){ .resize = IPVS_SVC_ATTR_ADDR, .len = 4 }, &s), 0);
	/* a family that is neither */
	ck_assert_int_eq(parse_tweaked(&(struct tweak){ .af = AF_UNIX }, &s), -EBADMSG);

	/* the last attribute of the nest runs past it (libnl alone would ignore it) */
	msg = kernel_service(&(struct tweak){ .skip = IPVS_SVC_ATTR_STATS64 });
	nest = top_nest(msg, IPVS_CMD_ATTR_SERVICE);
	nla_for_each_nested(a, nest, rem) last = a;
	last->nla_len += 8;
	ck_assert_int_eq(ipvs_parse_service_msg(nlmsg_hdr(msg), &s), -EBADMSG);
	nlmsg_free(msg);

	/* the message ends inside the nest */
	msg = kernel_service(&(struct tweak){ 0 });
	nlmsg_hdr(msg)->nlmsg_len -= 12;
	ck_assert_int_eq(ipvs_parse_service_msg(nlmsg_hdr(msg), &s), -EBADMSG);
	nlmsg_free(msg);

	/* the message ends inside the generic netlink header */
	msg = kernel_service(&(struct tweak){ 0 });
	nlmsg_hdr(msg)->nlmsg_len = NLMSG_HDRLEN + 2;
	ck_assert_int_eq(ipvs_parse_service_msg(nlmsg_hdr(msg), &s), -EBADMSG);
	nlmsg_free(msg);

	/* a malformed statistics nest spoils the message */
	msg = kernel_service(&(struct tweak){ .skip = IPVS_SVC_ATTR_STATS64 });
	nest = top_nest(msg, IPVS_CMD_ATTR_SERVICE);
	a = nla_find(nla_data(nest), nla_len(nest), IPVS_SVC_ATTR_STATS);
	((struct nlattr *)nla_data(a))->nla_len = NLA_HDRLEN + 1; /* CONNS of one byte */
	ck_assert_int_eq(ipvs_parse_service_msg(nlmsg_hdr(msg), &s), -EBADMSG);
	nlmsg_free(msg);
}
END_TEST

/* A destination as the kernel dumps it, without attribute skip. */
static struct nl_msg *kernel_dest(int skip)
{
	struct nl_msg *msg = new_msg(IPVS_CMD_NEW_DEST);
	struct nlattr *nest = nla_nest_start(msg, IPVS_CMD_ATTR_DEST);
	uint8_t addr[16] = { 10, 100, 1, 2 };
	int i;

	for (i = 1; i <= IPVS_DEST_ATTR_MAX; i++) {
		if (i == skip)
			continue;
		switch (i) {
		case IPVS_DEST_ATTR_ADDR:
			nla_put(msg, i, sizeof(addr), addr);
			break;
		case IPVS_DEST_ATTR_PORT:
			nla_put_u16(msg, i, htons(8080));
			break;
		case IPVS_DEST_ATTR_FWD_METHOD:
			nla_put_u32(msg, i, IP_VS_CONN_F_DROUTE);
			break;
		case IPVS_DEST_ATTR_STATS:
		case IPVS_DEST_ATTR_STATS64:
			put_stats(msg, i, i == IPVS_DEST_ATTR_STATS64, 7);
			break;
		case IPVS_DEST_ATTR_ADDR_FAMILY:
			nla_put_u16(msg, i, AF_INET);
			break;
		case IPVS_DEST_ATTR_TUN_TYPE:
			nla_put_u8(msg, i, 0);
			break;
		case IPVS_DEST_ATTR_TUN_PORT:
		case IPVS_DEST_ATTR_TUN_FLAGS:
			nla_put_u16(msg, i, 0);
			break;
		default:
			nla_put_u32(msg, i, 100 + i);
		}
	}
	nla_nest_end(msg, nest);
	return msg;
}

START_TEST(dest_from_kernel)
{
	static const int mandatory[] = {
		IPVS_DEST_ATTR_ADDR,          IPVS_DEST_ATTR_PORT,
		IPVS_DEST_ATTR_FWD_METHOD,    IPVS_DEST_ATTR_WEIGHT,
		IPVS_DEST_ATTR_U_THRESH,      IPVS_DEST_ATTR_L_THRESH,
		IPVS_DEST_ATTR_ACTIVE_CONNS,  IPVS_DEST_ATTR_INACT_CONNS,
		IPVS_DEST_ATTR_PERSIST_CONNS,
	};
	struct nl_msg *msg = kernel_dest(0);
	struct ipvs_dest d;
	size_t i;

	ck_assert_int_eq(ipvs_parse_dest_msg(nlmsg_hdr(msg), AF_INET6, &d), 0);
	ck_assert_uint_eq(d.af, AF_INET);
	ck_assert_uint_eq(d.addr.v4, htonl(0x0a640102));
	ck_assert_uint_eq(d.port, 8080);
	ck_assert_uint_eq(d.fwd, IPVS_FWD_ROUTE);
	ck_assert_uint_eq(d.weight, 100 + IPVS_DEST_ATTR_WEIGHT);
	ck_assert_uint_eq(d.persist_conns, 100 + IPVS_DEST_ATTR_PERSIST_CONNS);
	ck_assert_uint_eq(d.stats.inbytes, 7 + IPVS_STATS_ATTR_INBYTES);
	nlmsg_free(msg);

	for (i = 0; i < sizeof(mandatory) / sizeof(mandatory[0]); i++) {
		msg = kernel_dest(mandatory[i]);
		ck_assert_msg(ipvs_parse_dest_msg(nlmsg_hdr(msg), AF_INET, &d) == -EBADMSG,
			      "destination without attribute %d accepted", mandatory[i]);
		nlmsg_free(msg);
	}

	/* older kernels: no family (the service's), no tunnel settings */
	msg = kernel_dest(IPVS_DEST_ATTR_ADDR_FAMILY);
	ck_assert_int_eq(ipvs_parse_dest_msg(nlmsg_hdr(msg), AF_INET, &d), 0);
	ck_assert_uint_eq(d.af, AF_INET);
	nlmsg_free(msg);
	msg = kernel_dest(IPVS_DEST_ATTR_TUN_TYPE);
	ck_assert_int_eq(ipvs_parse_dest_msg(nlmsg_hdr(msg), AF_INET, &d), 0);
	nlmsg_free(msg);

	/* the service's family asks for 16 bytes of address, the message has 16 */
	msg = kernel_dest(IPVS_DEST_ATTR_ADDR_FAMILY);
	ck_assert_int_eq(ipvs_parse_dest_msg(nlmsg_hdr(msg), AF_INET6, &d), 0);
	ck_assert_uint_eq(d.af, AF_INET6);
	nlmsg_free(msg);

	/* no destination at all */
	msg = new_msg(IPVS_CMD_NEW_DEST);
	ck_assert_int_eq(ipvs_parse_dest_msg(nlmsg_hdr(msg), AF_INET, &d), -EBADMSG);
	nlmsg_free(msg);
}
END_TEST

START_TEST(info_and_timeouts)
{
	struct ipvs_timeouts want = { .tcp = 900, .udp = 300 }, t;
	struct nl_msg *msg = new_msg(IPVS_CMD_SET_INFO);
	struct ipvs_info info;
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];

	nla_put_u32(msg, IPVS_INFO_ATTR_VERSION, 0x010201);
	nla_put_u32(msg, IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096);
	ck_assert_int_eq(ipvs_parse_info(nlmsg_hdr(msg), &info), 0);
	ck_assert_uint_eq(info.version, 0x010201);
	ck_assert_uint_eq(info.conn_tab_size, 4096);
	nlmsg_free(msg);
	msg = new_msg(IPVS_CMD_SET_INFO);
	nla_put_u32(msg, IPVS_INFO_ATTR_VERSION, 0x010201);
	ck_assert_int_eq(ipvs_parse_info(nlmsg_hdr(msg), &info), -EBADMSG);
	nlmsg_free(msg);

	/* 0 means "leave it": such a timeout is not sent */
	msg = new_msg(IPVS_CMD_SET_CONFIG);
	ck_assert_int_eq(ipvs_fill_timeouts(msg, &want), 0);
	ck_assert_int_eq(ipvs_parse_cmd_attrs(nlmsg_hdr(msg), tb), 0);
	ck_assert_ptr_nonnull(tb[IPVS_CMD_ATTR_TIMEOUT_TCP]);
	ck_assert_ptr_null(tb[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN]);
	ck_assert_ptr_nonnull(tb[IPVS_CMD_ATTR_TIMEOUT_UDP]);
	ck_assert_int_eq(ipvs_parse_timeouts(nlmsg_hdr(msg), &t), 0);
	ck_assert_uint_eq(t.tcp, 900);
	ck_assert_uint_eq(t.tcp_fin, 0);
	ck_assert_uint_eq(t.udp, 300);
	nlmsg_free(msg);
}
END_TEST

START_TEST(sysctl_names)
{
	static const char *const bad[] = {
		"",           "../../../etc/passwd",
		"a/b",        "Expire",
		"conn-reuse", "sync_ports1",
		".",          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	size_t i;
	int v;

	ck_assert(ipvs_sysctl_name_valid("expire_nodest_conn"));
	ck_assert(ipvs_sysctl_name_valid("conntrack"));
	ck_assert(!ipvs_sysctl_name_valid(NULL));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!ipvs_sysctl_name_valid(bad[i]), "'%s' accepted", bad[i]);
		ck_assert_int_eq(ipvs_sysctl_get(bad[i], &v), -EINVAL);
		ck_assert_int_eq(ipvs_sysctl_set(bad[i], 1), -EINVAL);
	}
}
END_TEST

static void write_file(const char *dir, const char *name, const char *content)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
}

START_TEST(sysctl_files)
{
	char dir[] = "/tmp/check_ipvs_XXXXXX", buf[32] = "";
	char path[256];
	FILE *f;
	int v = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file(dir, "one", "1\n");
	ck_assert_int_eq(ipvs_sysctl_get_in(dir, "one", &v), 0);
	ck_assert_int_eq(v, 1);
	write_file(dir, "neg", "  -5\n");
	ck_assert_int_eq(ipvs_sysctl_get_in(dir, "neg", &v), 0);
	ck_assert_int_eq(v, -5);
	write_file(dir, "pair", "3\t50\n");
	ck_assert_int_eq(ipvs_sysctl_get_in(dir, "pair", &v), -EINVAL);
	write_file(dir, "word", "abc\n");
	ck_assert_int_eq(ipvs_sysctl_get_in(dir, "word", &v), -EINVAL);
	write_file(dir, "empty", "");
	ck_assert_int_eq(ipvs_sysctl_get_in(dir, "empty", &v), -EINVAL);
	write_file(dir, "huge", "99999999999\n");
	ck_assert_int_eq(ipvs_sysctl_get_in(dir, "huge", &v), -EINVAL);
	ck_assert_int_eq(ipvs_sysctl_get_in(dir, "absent", &v), -ENOENT);
	ck_assert_int_eq(ipvs_sysctl_set_in(dir, "absent", 1), -ENOENT);

	ck_assert_int_eq(ipvs_sysctl_set_in(dir, "one", 42), 0);
	snprintf(path, sizeof(path), "%s/one", dir);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_str_eq(buf, "42\n");
	ck_assert_int_eq(ipvs_sysctl_get_in(dir, "one", &v), 0);
	ck_assert_int_eq(v, 42);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

START_TEST(libnl_errors_to_errno)
{
	/* why the library keeps the kernel's errno itself: libnl folds these */
	ck_assert_int_eq(nl_syserr2nlerr(ESRCH), nl_syserr2nlerr(ENOENT));
	ck_assert_int_eq(ipvs_errno_from_nl(-NLE_OBJ_NOTFOUND, ESRCH), -ESRCH);
	ck_assert_int_eq(ipvs_errno_from_nl(-NLE_OBJ_NOTFOUND, ENOENT), -ENOENT);
	ck_assert_int_eq(ipvs_errno_from_nl(-NLE_OBJ_NOTFOUND, 0), -ENOENT);
	/* a socket overrun is not a failed allocation */
	ck_assert_int_eq(ipvs_errno_from_nl(-NLE_NOMEM, ENOBUFS), -ENOBUFS);
	ck_assert_int_eq(ipvs_errno_from_nl(-NLE_NOMEM, 0), -ENOMEM);
	/* an errno that does not belong to the code is no hint */
	ck_assert_int_eq(ipvs_errno_from_nl(-NLE_NOMEM, EPERM), -ENOMEM);
	ck_assert_int_eq(ipvs_errno_from_nl(-NLE_MSG_TRUNC, 0), -EMSGSIZE);
	ck_assert_int_eq(ipvs_errno_from_nl(-NLE_DUMP_INTR, 0), -EINTR);
	ck_assert_int_eq(ipvs_errno_from_nl(-NLE_PERM, 0), -EPERM);
	ck_assert_int_eq(ipvs_errno_from_nl(-NLE_EXIST, EEXIST), -EEXIST);
	ck_assert_int_eq(ipvs_errno_from_nl(-NLE_SEQ_MISMATCH, 0), -EBADMSG);
	ck_assert_int_eq(ipvs_errno_from_nl(-NLE_FAILURE, 0), -EIO);
}
END_TEST

/* Answers to three requests in flight, sequence numbers 100, 101, 102. */
START_TEST(error_callback_keeps_kernel_errno)
{
	int results[3] = { IPVS_PENDING, IPVS_PENDING, IPVS_PENDING };
	struct ipvs h;
	struct nlmsgerr e;
	struct {
		struct nlmsghdr nlh;
		struct nlmsgerr err;
	} ack;

	memset(&h, 0, sizeof(h));
	h.results = results;
	h.results_cap = 3;
	h.seq0 = 100;
	h.n_ops = h.n_sent = 3;
	h.wait_seq = 102;

	memset(&e, 0, sizeof(e));
	e.error = -ESRCH;
	e.msg.nlmsg_seq = 100;
	ipvs_on_error(&h, &e);
	e.error = -ENOENT;
	e.msg.nlmsg_seq = 101;
	ipvs_on_error(&h, &e);
	/* an answer to a request given up on changes nothing */
	e.error = -EEXIST;
	e.msg.nlmsg_seq = 99;
	ipvs_on_error(&h, &e);
	e.msg.nlmsg_seq = 103;
	ipvs_on_error(&h, &e);
	ck_assert_int_eq(results[0], -ESRCH);
	ck_assert_int_eq(results[1], -ENOENT);
	ck_assert_int_eq(results[2], IPVS_PENDING);
	ck_assert(!h.wait_done);

	/* an ACK is an NLMSG_ERROR with error 0, quoting the request */
	memset(&ack, 0, sizeof(ack));
	ack.nlh.nlmsg_type = NLMSG_ERROR;
	ack.nlh.nlmsg_len = sizeof(ack);
	ack.nlh.nlmsg_seq = 102;
	ack.err.msg.nlmsg_seq = 102;
	ipvs_dispatch(&h, &ack.nlh);
	ck_assert_int_eq(results[2], 0);
	ck_assert(h.wait_done);
	ck_assert_int_eq(h.wait_err, 0);

	/* the awaited request failing ends the wait with its error */
	results[2] = IPVS_PENDING;
	h.wait_done = false;
	e.error = -EEXIST;
	e.msg.nlmsg_seq = 102;
	ipvs_on_error(&h, &e);
	ck_assert_int_eq(results[2], -EEXIST);
	ck_assert(h.wait_done);
	ck_assert_int_eq(h.wait_err, -EEXIST);
}
END_TEST

START_TEST(handle_basics)
{
	struct ipvs_service s = v4_service();
	struct ipvs *h = NULL;
	int r;

	/* NULL everywhere a destructor or a handle is taken */
	ipvs_close(NULL);
	ipvs_table_free(NULL);
	ipvs_batch_result_free(NULL);
	ck_assert_int_eq(ipvs_service_add(NULL, &s), -EINVAL);
	ck_assert_int_eq(ipvs_batch_begin(NULL), -EINVAL);
	ck_assert_int_eq(ipvs_batch_end(NULL, NULL), -EINVAL);

	/* without ip_vs, opening says so in its own way */
	r = ipvs_open(&h);
	if (access("/proc/net/ip_vs", F_OK) != 0)
		ck_assert_int_eq(r, -EPROTONOSUPPORT);
	else
		ck_assert_int_eq(r, 0);
	ipvs_close(h);
}
END_TEST

/* What /proc/net/ip_vs shows, with connection counters that traffic changes. */
static uint64_t fingerprint_of(const char *text)
{
	char path[] = "/tmp/check-ipvs-proc-XXXXXX";
	uint64_t fp = 0;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(ipvs_fingerprint_in(path, &fp), 0);
	unlink(path);
	return fp;
}

#define PROC_HEAD                                                                                  \
	"IP Virtual Server version 1.2.1 (size=4096)\n"                                            \
	"Prot LocalAddress:Port Scheduler Flags\n"                                                 \
	"  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n"                            \
	"TCP  0A600001:0050 wrr  \n"

START_TEST(fingerprint_ignores_connection_counters_only)
{
	uint64_t base = fingerprint_of(
	    PROC_HEAD "  -> 0A640102:1F90      Masq    100    0          0         \n");
	uint64_t busy = fingerprint_of(
	    PROC_HEAD "  -> 0A640102:1F90      Masq    100    12         3456      \n");
	uint64_t weight = fingerprint_of(
	    PROC_HEAD "  -> 0A640102:1F90      Masq    0      0          0         \n");
	uint64_t other = fingerprint_of(
	    PROC_HEAD "  -> 0A640103:1F90      Masq    100    0          0         \n");
	uint64_t fp;

	ck_assert_uint_eq(base, busy);
	ck_assert_uint_ne(base, weight);
	ck_assert_uint_ne(base, other);
	ck_assert_uint_ne(base, fingerprint_of(PROC_HEAD));
	ck_assert_int_eq(ipvs_fingerprint_in("/nonexistent/ip_vs", &fp), -ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ipvs");
	TCase *tc = tcase_create("ipvs");

	tcase_add_test(tc, service_round_trip_v4);
	tcase_add_test(tc, service_round_trip_v6_fwmark_pe);
	tcase_add_test(tc, service_key_only_and_hashed_flag);
	tcase_add_test(tc, fill_refuses_bad_input);
	tcase_add_test(tc, dest_round_trip);
	tcase_add_test(tc, service_from_kernel);
	tcase_add_test(tc, service_missing_mandatory);
	tcase_add_test(tc, service_malformed);
	tcase_add_test(tc, dest_from_kernel);
	tcase_add_test(tc, info_and_timeouts);
	tcase_add_test(tc, sysctl_names);
	tcase_add_test(tc, sysctl_files);
	tcase_add_test(tc, libnl_errors_to_errno);
	tcase_add_test(tc, error_callback_keeps_kernel_errno);
	tcase_add_test(tc, fingerprint_ignores_connection_counters_only);
	tcase_add_test(tc, handle_basics);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
