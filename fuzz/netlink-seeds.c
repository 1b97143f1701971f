// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writes the seed corpus of fuzz_netlink into DIR: replies laid out as the
 * kernel sends them (the attributes ip_vs_ctl.c puts, in its order), so the
 * fuzzer starts from messages that parse and mutates from there.
 *   fuzz_netlink_seeds fuzz/corpus/netlink
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/ip_vs.h>
#include <netlink/genl/genl.h>

#include "ipvs-internal.h"

#define FAMILY 0x20 /* as in fuzz/netlink.c */

static struct nl_msg *reply(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, 0, 1, FAMILY, 0, NLM_F_MULTI, cmd, IPVS_GENL_VERSION))
		abort();
	return msg;
}

static void put_stats(struct nl_msg *msg, int type, bool is64)
{
	struct nlattr *nest = nla_nest_start(msg, type);
	int i;

	for (i = IPVS_STATS_ATTR_CONNS; i <= IPVS_STATS_ATTR_OUTBPS; i++) {
		if (is64 || i == IPVS_STATS_ATTR_INBYTES || i == IPVS_STATS_ATTR_OUTBYTES)
			nla_put_u64(msg, i, 1000 + i);
		else
			nla_put_u32(msg, i, 1000 + i);
	}
	nla_nest_end(msg, nest);
}

static struct nl_msg *service(uint16_t af, const char *addr, uint32_t fwmark, const char *pe)
{
	struct ip_vs_flags flags = { IP_VS_SVC_F_HASHED, ~0u };
	struct nl_msg *msg = reply(IPVS_CMD_NEW_SERVICE);
	struct nlattr *nest = nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE);
	uint8_t a[16] = { 0 };

	inet_pton(af, addr, a);
	nla_put_u16(msg, IPVS_SVC_ATTR_AF, af);
	if (fwmark) {
		nla_put_u32(msg, IPVS_SVC_ATTR_FWMARK, fwmark);
	} else {
		nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP);
		nla_put(msg, IPVS_SVC_ATTR_ADDR, sizeof(a), a);
		nla_put_u16(msg, IPVS_SVC_ATTR_PORT, htons(443));
	}
	nla_put_string(msg, IPVS_SVC_ATTR_SCHED_NAME, "wrr");
	if (pe)
		nla_put_string(msg, IPVS_SVC_ATTR_PE_NAME, pe);
	nla_put(msg, IPVS_SVC_ATTR_FLAGS, sizeof(flags), &flags);
	nla_put_u32(msg, IPVS_SVC_ATTR_TIMEOUT, 300);
	nla_put_u32(msg, IPVS_SVC_ATTR_NETMASK, 0xffffffff);
	put_stats(msg, IPVS_SVC_ATTR_STATS, false);
	put_stats(msg, IPVS_SVC_ATTR_STATS64, true);
	nla_nest_end(msg, nest);
	return msg;
}

static struct nl_msg *dest(uint16_t af, const char *addr)
{
	struct nl_msg *msg = reply(IPVS_CMD_NEW_DEST);
	struct nlattr *nest = nla_nest_start(msg, IPVS_CMD_ATTR_DEST);
	uint8_t a[16] = { 0 };

	inet_pton(af, addr, a);
	nla_put(msg, IPVS_DEST_ATTR_ADDR, sizeof(a), a);
	nla_put_u16(msg, IPVS_DEST_ATTR_PORT, htons(8443));
	nla_put_u32(msg, IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_MASQ);
	nla_put_u32(msg, IPVS_DEST_ATTR_WEIGHT, 100);
	nla_put_u8(msg, IPVS_DEST_ATTR_TUN_TYPE, 0);
	nla_put_u16(msg, IPVS_DEST_ATTR_TUN_PORT, 0);
	nla_put_u16(msg, IPVS_DEST_ATTR_TUN_FLAGS, 0);
	nla_put_u32(msg, IPVS_DEST_ATTR_U_THRESH, 0);
	nla_put_u32(msg, IPVS_DEST_ATTR_L_THRESH, 0);
	nla_put_u32(msg, IPVS_DEST_ATTR_ACTIVE_CONNS, 3);
	nla_put_u32(msg, IPVS_DEST_ATTR_INACT_CONNS, 1);
	nla_put_u32(msg, IPVS_DEST_ATTR_PERSIST_CONNS, 0);
	nla_put_u16(msg, IPVS_DEST_ATTR_ADDR_FAMILY, af);
	put_stats(msg, IPVS_DEST_ATTR_STATS, false);
	put_stats(msg, IPVS_DEST_ATTR_STATS64, true);
	nla_nest_end(msg, nest);
	return msg;
}

static struct nl_msg *info(void)
{
	struct nl_msg *msg = reply(IPVS_CMD_SET_INFO);

	nla_put_u32(msg, IPVS_INFO_ATTR_VERSION, 0x010201);
	nla_put_u32(msg, IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096);
	return msg;
}

static struct nl_msg *timeouts(void)
{
	struct nl_msg *msg = reply(IPVS_CMD_SET_CONFIG);

	nla_put_u32(msg, IPVS_CMD_ATTR_TIMEOUT_TCP, 900);
	nla_put_u32(msg, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, 120);
	nla_put_u32(msg, IPVS_CMD_ATTR_TIMEOUT_UDP, 300);
	return msg;
}

/* The end of a dump, with the error the kernel reports since 4.x (0). */
static struct nl_msg *done(int err)
{
	struct nl_msg *msg = nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI);

	if (!msg || nlmsg_append(msg, &err, sizeof(err), NLMSG_ALIGNTO) < 0)
		abort();
	nlmsg_hdr(msg)->nlmsg_seq = 1;
	return msg;
}

static struct nl_msg *error(int err)
{
	struct nl_msg *msg = nlmsg_alloc_simple(NLMSG_ERROR, 0);
	struct nlmsgerr e = { .error = err, .msg = { .nlmsg_len = NLMSG_HDRLEN, .nlmsg_seq = 1 } };

	if (!msg || nlmsg_append(msg, &e, sizeof(e), NLMSG_ALIGNTO) < 0)
		abort();
	nlmsg_hdr(msg)->nlmsg_seq = 1;
	return msg;
}

/* One datagram of the messages, each freed. */
static void write_seed(const char *dir, const char *name, struct nl_msg **msgs, int n)
{
	char path[4096];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f) {
		perror(path);
		exit(1);
	}
	for (i = 0; i < n; i++) {
		struct nlmsghdr *nlh = nlmsg_hdr(msgs[i]);

		fwrite(nlh, 1, NLMSG_ALIGN(nlh->nlmsg_len), f);
		nlmsg_free(msgs[i]);
	}
	if (fclose(f)) {
		perror(path);
		exit(1);
	}
}

#define SEED(dir, name, ...)                                                                       \
	do {                                                                                       \
		struct nl_msg *m[] = { __VA_ARGS__ };                                              \
		write_seed(dir, name, m, sizeof(m) / sizeof(m[0]));                                \
	} while (0)

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	SEED(argv[1], "service-v4", service(AF_INET, "10.96.0.10", 0, NULL));
	SEED(argv[1], "service-v6-fwmark-pe", service(AF_INET6, "fd00::10", 7, "sip"));
	SEED(argv[1], "services-and-done", service(AF_INET, "10.96.0.10", 0, NULL),
	     service(AF_INET6, "fd00::10", 0, NULL), done(0));
	SEED(argv[1], "dest-v4", dest(AF_INET, "192.168.1.10"));
	SEED(argv[1], "dest-v6", dest(AF_INET6, "fd00::1:10"));
	SEED(argv[1], "info", info());
	SEED(argv[1], "timeouts", timeouts());
	SEED(argv[1], "ack-and-error", error(0), error(-ENOENT));
	return 0;
}
