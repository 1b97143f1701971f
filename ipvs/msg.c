// SPDX-License-Identifier: GPL-2.0-only
/*
 * Building and parsing IPVS generic netlink messages. Parsing trusts nothing:
 * every nested attribute is validated against a policy, trailing bytes that
 * do not form an attribute make the message malformed, and every attribute
 * the kernel always sends is checked for before it is read.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/ip_vs.h>
#include <netlink/genl/genl.h>

#include "ipvs-internal.h"

_Static_assert(IPVS_SVC_F_PERSISTENT == IP_VS_SVC_F_PERSISTENT, "flag mismatch");
_Static_assert(IPVS_SVC_F_ONEPACKET == IP_VS_SVC_F_ONEPACKET, "flag mismatch");
_Static_assert(IPVS_SVC_F_SCHED1 == IP_VS_SVC_F_SCHED1, "flag mismatch");
_Static_assert(IPVS_SVC_F_SCHED2 == IP_VS_SVC_F_SCHED2, "flag mismatch");
_Static_assert(IPVS_SVC_F_SCHED3 == IP_VS_SVC_F_SCHED3, "flag mismatch");
_Static_assert(IPVS_FWD_MASQ == IP_VS_CONN_F_MASQ, "fwd mismatch");
_Static_assert(IPVS_FWD_LOCAL == IP_VS_CONN_F_LOCALNODE, "fwd mismatch");
_Static_assert(IPVS_FWD_TUNNEL == IP_VS_CONN_F_TUNNEL, "fwd mismatch");
_Static_assert(IPVS_FWD_ROUTE == IP_VS_CONN_F_DROUTE, "fwd mismatch");
_Static_assert(IPVS_FWD_BYPASS == IP_VS_CONN_F_BYPASS, "fwd mismatch");
_Static_assert((int)IPVS_TUN_GUE == (int)IP_VS_CONN_F_TUNNEL_TYPE_GUE, "tunnel type mismatch");
_Static_assert((int)IPVS_TUN_GRE == (int)IP_VS_CONN_F_TUNNEL_TYPE_GRE, "tunnel type mismatch");
_Static_assert(IPVS_TUN_F_CSUM == IP_VS_TUNNEL_ENCAP_FLAG_CSUM, "tunnel flag mismatch");
_Static_assert(IPVS_TUN_F_REMCSUM == IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM, "tunnel flag mismatch");
_Static_assert(IPVS_SCHED_NAME_MAX == IP_VS_SCHEDNAME_MAXLEN, "length mismatch");
_Static_assert(IPVS_PE_NAME_MAX == IP_VS_PENAME_MAXLEN, "length mismatch");
_Static_assert(sizeof(union ipvs_addr) == 16, "address size");

static const struct nla_policy cmd_policy[IPVS_CMD_ATTR_MAX + 1] = {
	[IPVS_CMD_ATTR_SERVICE] = { .type = NLA_NESTED },
	[IPVS_CMD_ATTR_DEST] = { .type = NLA_NESTED },
	[IPVS_CMD_ATTR_DAEMON] = { .type = NLA_NESTED },
	[IPVS_CMD_ATTR_TIMEOUT_TCP] = { .type = NLA_U32 },
	[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN] = { .type = NLA_U32 },
	[IPVS_CMD_ATTR_TIMEOUT_UDP] = { .type = NLA_U32 },
};

static const struct nla_policy svc_policy[IPVS_SVC_ATTR_MAX + 1] = {
	[IPVS_SVC_ATTR_AF] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_PROTOCOL] = { .type = NLA_U16 },
	/* 4 bytes are enough for IPv4; the kernel sends its whole 16-byte union */
	[IPVS_SVC_ATTR_ADDR] = { .type = NLA_UNSPEC, .minlen = 4, .maxlen = 16 },
	[IPVS_SVC_ATTR_PORT] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_FWMARK] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_SCHED_NAME] = { .type = NLA_STRING, .maxlen = IP_VS_SCHEDNAME_MAXLEN },
	[IPVS_SVC_ATTR_FLAGS] = { .type = NLA_UNSPEC,
				  .minlen = sizeof(struct ip_vs_flags),
				  .maxlen = sizeof(struct ip_vs_flags) },
	[IPVS_SVC_ATTR_TIMEOUT] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_NETMASK] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_STATS] = { .type = NLA_NESTED },
	[IPVS_SVC_ATTR_PE_NAME] = { .type = NLA_STRING, .maxlen = IP_VS_PENAME_MAXLEN },
	[IPVS_SVC_ATTR_STATS64] = { .type = NLA_NESTED },
};

static const struct nla_policy dest_policy[IPVS_DEST_ATTR_MAX + 1] = {
	[IPVS_DEST_ATTR_ADDR] = { .type = NLA_UNSPEC, .minlen = 4, .maxlen = 16 },
	[IPVS_DEST_ATTR_PORT] = { .type = NLA_U16 },
	[IPVS_DEST_ATTR_FWD_METHOD] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_WEIGHT] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_U_THRESH] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_L_THRESH] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_ACTIVE_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_INACT_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_PERSIST_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_STATS] = { .type = NLA_NESTED },
	[IPVS_DEST_ATTR_ADDR_FAMILY] = { .type = NLA_U16 },
	[IPVS_DEST_ATTR_STATS64] = { .type = NLA_NESTED },
	[IPVS_DEST_ATTR_TUN_TYPE] = { .type = NLA_U8 },
	[IPVS_DEST_ATTR_TUN_PORT] = { .type = NLA_U16 },
	[IPVS_DEST_ATTR_TUN_FLAGS] = { .type = NLA_U16 },
};

/* IPVS_SVC_ATTR_STATS: the kernel keeps the byte counters 64-bit, the rest 32. */
static const struct nla_policy stats_policy[IPVS_STATS_ATTR_MAX + 1] = {
	[IPVS_STATS_ATTR_CONNS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_INPKTS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_OUTPKTS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_INBYTES] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTBYTES] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_CPS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_INPPS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_OUTPPS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_INBPS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_OUTBPS] = { .type = NLA_U32 },
};

static const struct nla_policy stats64_policy[IPVS_STATS_ATTR_MAX + 1] = {
	[IPVS_STATS_ATTR_CONNS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_INPKTS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTPKTS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_INBYTES] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTBYTES] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_CPS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_INPPS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTPPS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_INBPS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTBPS] = { .type = NLA_U64 },
};

/* Attribute numbers of GET_INFO replies overlap the command attributes'. */
static const struct nla_policy info_policy[IPVS_INFO_ATTR_MAX + 1] = {
	[IPVS_INFO_ATTR_VERSION] = { .type = NLA_U32 },
	[IPVS_INFO_ATTR_CONN_TAB_SIZE] = { .type = NLA_U32 },
};

static size_t addr_len(uint16_t af)
{
	return af == AF_INET6 ? 16 : 4;
}

static bool af_valid(uint16_t af)
{
	return af == AF_INET || af == AF_INET6;
}

/* A NUL within size bytes: the kernel rejects longer names anyway. */
static bool name_fits(const char *name, size_t size)
{
	return strnlen(name, size) < size;
}

/*
 * nla_parse() stops quietly at an attribute that runs past the end and
 * ignores what is left: a truncated attribute must not pass for an absent one.
 */
static int parse_attrs(struct nlattr **tb, int max, struct nlattr *head, int len,
		       const struct nla_policy *policy)
{
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, head, len, rem)
	{
	}
	if (rem > 0)
		return -EBADMSG;
	if (nla_parse(tb, max, head, len, policy) < 0)
		return -EBADMSG;
	return 0;
}

static int parse_nested(struct nlattr **tb, int max, const struct nlattr *nest,
			const struct nla_policy *policy)
{
	struct nlattr *n = (struct nlattr *)nest;

	return parse_attrs(tb, max, nla_data(n), nla_len(n), policy);
}

static bool have_all(struct nlattr **tb, const int *types, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!tb[types[i]])
			return false;
	return true;
}

static void get_addr(const struct nlattr *a, uint16_t af, union ipvs_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	memcpy(ret, nla_data(a), addr_len(af));
}

int ipvs_fill_service(struct nl_msg *msg, const struct ipvs_service *svc, bool full)
{
	struct nlattr *nest;

	if (!af_valid(svc->af))
		return -EAFNOSUPPORT;
	if (full && (!name_fits(svc->scheduler, sizeof(svc->scheduler)) ||
		     !name_fits(svc->pe_name, sizeof(svc->pe_name))))
		return -ENAMETOOLONG;
	nest = nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(msg, IPVS_SVC_ATTR_AF, svc->af) < 0)
		return -EMSGSIZE;
	if (svc->fwmark) {
		if (nla_put_u32(msg, IPVS_SVC_ATTR_FWMARK, svc->fwmark) < 0)
			return -EMSGSIZE;
	} else if (nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL, svc->protocol) < 0 ||
		   nla_put(msg, IPVS_SVC_ATTR_ADDR, addr_len(svc->af), &svc->addr) < 0 ||
		   nla_put_u16(msg, IPVS_SVC_ATTR_PORT, htons(svc->port)) < 0) {
		return -EMSGSIZE;
	}
	if (full) {
		/*
		 * The kernel keeps IP_VS_SVC_F_HASHED in the same word; a new
		 * service that claimed it would never be hashed, so never send it.
		 */
		struct ip_vs_flags flags = {
			.flags = svc->flags & ~IP_VS_SVC_F_HASHED,
			.mask = ~0u,
		};

		if (nla_put_string(msg, IPVS_SVC_ATTR_SCHED_NAME, svc->scheduler) < 0 ||
		    (svc->pe_name[0] &&
		     nla_put_string(msg, IPVS_SVC_ATTR_PE_NAME, svc->pe_name) < 0) ||
		    nla_put(msg, IPVS_SVC_ATTR_FLAGS, sizeof(flags), &flags) < 0 ||
		    nla_put_u32(msg, IPVS_SVC_ATTR_TIMEOUT, svc->timeout) < 0 ||
		    nla_put_u32(msg, IPVS_SVC_ATTR_NETMASK, svc->netmask) < 0)
			return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

int ipvs_fill_dest(struct nl_msg *msg, const struct ipvs_dest *dest, uint16_t svc_af, bool full)
{
	uint16_t af = dest->af ? dest->af : svc_af;
	struct nlattr *nest;

	if (!af_valid(af))
		return -EAFNOSUPPORT;
	nest = nla_nest_start(msg, IPVS_CMD_ATTR_DEST);
	if (!nest)
		return -EMSGSIZE;
	/* left out when it is the service's: kernels before 4.2 do not know it */
	if (dest->af && nla_put_u16(msg, IPVS_DEST_ATTR_ADDR_FAMILY, dest->af) < 0)
		return -EMSGSIZE;
	if (nla_put(msg, IPVS_DEST_ATTR_ADDR, addr_len(af), &dest->addr) < 0 ||
	    nla_put_u16(msg, IPVS_DEST_ATTR_PORT, htons(dest->port)) < 0)
		return -EMSGSIZE;
	/*
	 * The tunnel attributes go always: the kernel overwrites its tunnel
	 * settings on every edit with what it is given, zero when absent.
	 */
	if (full && (nla_put_u32(msg, IPVS_DEST_ATTR_FWD_METHOD, dest->fwd) < 0 ||
		     nla_put_u32(msg, IPVS_DEST_ATTR_WEIGHT, dest->weight) < 0 ||
		     nla_put_u32(msg, IPVS_DEST_ATTR_U_THRESH, dest->u_threshold) < 0 ||
		     nla_put_u32(msg, IPVS_DEST_ATTR_L_THRESH, dest->l_threshold) < 0 ||
		     nla_put_u8(msg, IPVS_DEST_ATTR_TUN_TYPE, dest->tun_type) < 0 ||
		     nla_put_u16(msg, IPVS_DEST_ATTR_TUN_PORT, htons(dest->tun_port)) < 0 ||
		     nla_put_u16(msg, IPVS_DEST_ATTR_TUN_FLAGS, dest->tun_flags) < 0))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int ipvs_fill_timeouts(struct nl_msg *msg, const struct ipvs_timeouts *t)
{
	/* an absent attribute leaves that timeout as it is */
	if ((t->tcp && nla_put_u32(msg, IPVS_CMD_ATTR_TIMEOUT_TCP, t->tcp) < 0) ||
	    (t->tcp_fin && nla_put_u32(msg, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t->tcp_fin) < 0) ||
	    (t->udp && nla_put_u32(msg, IPVS_CMD_ATTR_TIMEOUT_UDP, t->udp) < 0))
		return -EMSGSIZE;
	return 0;
}

static int parse_genl(struct nlmsghdr *nlh, struct nlattr **tb, int max,
		      const struct nla_policy *policy)
{
	struct genlmsghdr *gnlh;

	if (!genlmsg_valid_hdr(nlh, 0))
		return -EBADMSG;
	gnlh = nlmsg_data(nlh);
	return parse_attrs(tb, max, genlmsg_attrdata(gnlh, 0), genlmsg_attrlen(gnlh, 0), policy);
}

int ipvs_parse_cmd_attrs(struct nlmsghdr *nlh, struct nlattr **tb)
{
	return parse_genl(nlh, tb, IPVS_CMD_ATTR_MAX, cmd_policy);
}

int ipvs_parse_stats(const struct nlattr *nest, bool is64, struct ipvs_stats *ret)
{
	struct nlattr *tb[IPVS_STATS_ATTR_MAX + 1];
	uint64_t *out[IPVS_STATS_ATTR_MAX + 1] = {
		[IPVS_STATS_ATTR_CONNS] = &ret->conns,
		[IPVS_STATS_ATTR_INPKTS] = &ret->inpkts,
		[IPVS_STATS_ATTR_OUTPKTS] = &ret->outpkts,
		[IPVS_STATS_ATTR_INBYTES] = &ret->inbytes,
		[IPVS_STATS_ATTR_OUTBYTES] = &ret->outbytes,
		[IPVS_STATS_ATTR_CPS] = &ret->cps,
		[IPVS_STATS_ATTR_INPPS] = &ret->inpps,
		[IPVS_STATS_ATTR_OUTPPS] = &ret->outpps,
		[IPVS_STATS_ATTR_INBPS] = &ret->inbps,
		[IPVS_STATS_ATTR_OUTBPS] = &ret->outbps,
	};
	const struct nla_policy *policy = is64 ? stats64_policy : stats_policy;
	int i, r;

	memset(ret, 0, sizeof(*ret));
	r = parse_nested(tb, IPVS_STATS_ATTR_MAX, nest, policy);
	if (r < 0)
		return r;
	/* counters are informational: one the kernel left out reads as 0 */
	for (i = 0; i <= IPVS_STATS_ATTR_MAX; i++) {
		if (!out[i] || !tb[i])
			continue;
		*out[i] = policy[i].type == NLA_U64 ? nla_get_u64(tb[i]) : nla_get_u32(tb[i]);
	}
	return 0;
}

int ipvs_parse_service(const struct nlattr *nest, struct ipvs_service *ret)
{
	static const int required[] = { IPVS_SVC_ATTR_AF, IPVS_SVC_ATTR_SCHED_NAME,
					IPVS_SVC_ATTR_FLAGS, IPVS_SVC_ATTR_TIMEOUT,
					IPVS_SVC_ATTR_NETMASK };
	static const int required_inet[] = { IPVS_SVC_ATTR_PROTOCOL, IPVS_SVC_ATTR_ADDR,
					     IPVS_SVC_ATTR_PORT };
	struct nlattr *tb[IPVS_SVC_ATTR_MAX + 1];
	struct ip_vs_flags flags;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = parse_nested(tb, IPVS_SVC_ATTR_MAX, nest, svc_policy);
	if (r < 0)
		return r;
	if (!have_all(tb, required, sizeof(required) / sizeof(required[0])))
		return -EBADMSG;
	ret->af = nla_get_u16(tb[IPVS_SVC_ATTR_AF]);
	if (!af_valid(ret->af))
		return -EBADMSG;
	if (tb[IPVS_SVC_ATTR_FWMARK])
		ret->fwmark = nla_get_u32(tb[IPVS_SVC_ATTR_FWMARK]);
	if (!ret->fwmark) {
		if (!have_all(tb, required_inet, sizeof(required_inet) / sizeof(required_inet[0])))
			return -EBADMSG;
		if ((size_t)nla_len(tb[IPVS_SVC_ATTR_ADDR]) < addr_len(ret->af))
			return -EBADMSG;
		ret->protocol = nla_get_u16(tb[IPVS_SVC_ATTR_PROTOCOL]);
		get_addr(tb[IPVS_SVC_ATTR_ADDR], ret->af, &ret->addr);
		ret->port = ntohs(nla_get_u16(tb[IPVS_SVC_ATTR_PORT]));
	}
	nla_strlcpy(ret->scheduler, tb[IPVS_SVC_ATTR_SCHED_NAME], sizeof(ret->scheduler));
	if (tb[IPVS_SVC_ATTR_PE_NAME])
		nla_strlcpy(ret->pe_name, tb[IPVS_SVC_ATTR_PE_NAME], sizeof(ret->pe_name));
	memcpy(&flags, nla_data(tb[IPVS_SVC_ATTR_FLAGS]), sizeof(flags));
	/* HASHED is the kernel's bookkeeping, not a setting */
	ret->flags = flags.flags & ~IP_VS_SVC_F_HASHED;
	ret->timeout = nla_get_u32(tb[IPVS_SVC_ATTR_TIMEOUT]);
	ret->netmask = nla_get_u32(tb[IPVS_SVC_ATTR_NETMASK]);
	/* STATS64 (kernel 4.1+) does not wrap; STATS is the fallback */
	if (tb[IPVS_SVC_ATTR_STATS64])
		return ipvs_parse_stats(tb[IPVS_SVC_ATTR_STATS64], true, &ret->stats);
	if (tb[IPVS_SVC_ATTR_STATS])
		return ipvs_parse_stats(tb[IPVS_SVC_ATTR_STATS], false, &ret->stats);
	return 0;
}

int ipvs_parse_dest(const struct nlattr *nest, uint16_t svc_af, struct ipvs_dest *ret)
{
	static const int required[] = {
		IPVS_DEST_ATTR_ADDR,          IPVS_DEST_ATTR_PORT,
		IPVS_DEST_ATTR_FWD_METHOD,    IPVS_DEST_ATTR_WEIGHT,
		IPVS_DEST_ATTR_U_THRESH,      IPVS_DEST_ATTR_L_THRESH,
		IPVS_DEST_ATTR_ACTIVE_CONNS,  IPVS_DEST_ATTR_INACT_CONNS,
		IPVS_DEST_ATTR_PERSIST_CONNS,
	};
	struct nlattr *tb[IPVS_DEST_ATTR_MAX + 1];
	int r;

	memset(ret, 0, sizeof(*ret));
	r = parse_nested(tb, IPVS_DEST_ATTR_MAX, nest, dest_policy);
	if (r < 0)
		return r;
	if (!have_all(tb, required, sizeof(required) / sizeof(required[0])))
		return -EBADMSG;
	/* kernels before 4.2 leave the family out: it is then the service's */
	ret->af =
	    tb[IPVS_DEST_ATTR_ADDR_FAMILY] ? nla_get_u16(tb[IPVS_DEST_ATTR_ADDR_FAMILY]) : svc_af;
	if (!af_valid(ret->af) || (size_t)nla_len(tb[IPVS_DEST_ATTR_ADDR]) < addr_len(ret->af))
		return -EBADMSG;
	get_addr(tb[IPVS_DEST_ATTR_ADDR], ret->af, &ret->addr);
	ret->port = ntohs(nla_get_u16(tb[IPVS_DEST_ATTR_PORT]));
	ret->fwd = nla_get_u32(tb[IPVS_DEST_ATTR_FWD_METHOD]) & IP_VS_CONN_F_FWD_MASK;
	ret->weight = nla_get_u32(tb[IPVS_DEST_ATTR_WEIGHT]);
	ret->u_threshold = nla_get_u32(tb[IPVS_DEST_ATTR_U_THRESH]);
	ret->l_threshold = nla_get_u32(tb[IPVS_DEST_ATTR_L_THRESH]);
	ret->active_conns = nla_get_u32(tb[IPVS_DEST_ATTR_ACTIVE_CONNS]);
	ret->inactive_conns = nla_get_u32(tb[IPVS_DEST_ATTR_INACT_CONNS]);
	ret->persist_conns = nla_get_u32(tb[IPVS_DEST_ATTR_PERSIST_CONNS]);
	/* tunnel settings exist since kernel 5.2/5.3 */
	if (tb[IPVS_DEST_ATTR_TUN_TYPE])
		ret->tun_type = nla_get_u8(tb[IPVS_DEST_ATTR_TUN_TYPE]);
	if (tb[IPVS_DEST_ATTR_TUN_PORT])
		ret->tun_port = ntohs(nla_get_u16(tb[IPVS_DEST_ATTR_TUN_PORT]));
	if (tb[IPVS_DEST_ATTR_TUN_FLAGS])
		ret->tun_flags = nla_get_u16(tb[IPVS_DEST_ATTR_TUN_FLAGS]);
	if (tb[IPVS_DEST_ATTR_STATS64])
		return ipvs_parse_stats(tb[IPVS_DEST_ATTR_STATS64], true, &ret->stats);
	if (tb[IPVS_DEST_ATTR_STATS])
		return ipvs_parse_stats(tb[IPVS_DEST_ATTR_STATS], false, &ret->stats);
	return 0;
}

int ipvs_parse_service_msg(struct nlmsghdr *nlh, struct ipvs_service *ret)
{
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	int r = ipvs_parse_cmd_attrs(nlh, tb);

	if (r < 0)
		return r;
	if (!tb[IPVS_CMD_ATTR_SERVICE])
		return -EBADMSG;
	return ipvs_parse_service(tb[IPVS_CMD_ATTR_SERVICE], ret);
}

int ipvs_parse_dest_msg(struct nlmsghdr *nlh, uint16_t svc_af, struct ipvs_dest *ret)
{
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	int r = ipvs_parse_cmd_attrs(nlh, tb);

	if (r < 0)
		return r;
	if (!tb[IPVS_CMD_ATTR_DEST])
		return -EBADMSG;
	return ipvs_parse_dest(tb[IPVS_CMD_ATTR_DEST], svc_af, ret);
}

int ipvs_parse_info(struct nlmsghdr *nlh, struct ipvs_info *ret)
{
	struct nlattr *tb[IPVS_INFO_ATTR_MAX + 1];
	int r = parse_genl(nlh, tb, IPVS_INFO_ATTR_MAX, info_policy);

	if (r < 0)
		return r;
	if (!tb[IPVS_INFO_ATTR_VERSION] || !tb[IPVS_INFO_ATTR_CONN_TAB_SIZE])
		return -EBADMSG;
	ret->version = nla_get_u32(tb[IPVS_INFO_ATTR_VERSION]);
	ret->conn_tab_size = nla_get_u32(tb[IPVS_INFO_ATTR_CONN_TAB_SIZE]);
	return 0;
}

int ipvs_parse_timeouts(struct nlmsghdr *nlh, struct ipvs_timeouts *ret)
{
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	int r = ipvs_parse_cmd_attrs(nlh, tb);

	if (r < 0)
		return r;
	/* each is there only if the kernel was built with that protocol */
	memset(ret, 0, sizeof(*ret));
	if (tb[IPVS_CMD_ATTR_TIMEOUT_TCP])
		ret->tcp = nla_get_u32(tb[IPVS_CMD_ATTR_TIMEOUT_TCP]);
	if (tb[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN])
		ret->tcp_fin = nla_get_u32(tb[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN]);
	if (tb[IPVS_CMD_ATTR_TIMEOUT_UDP])
		ret->udp = nla_get_u32(tb[IPVS_CMD_ATTR_TIMEOUT_UDP]);
	return 0;
}

bool ipvs_service_key_equal(const struct ipvs_service *a, const struct ipvs_service *b)
{
	if (a->af != b->af || a->fwmark != b->fwmark)
		return false;
	if (a->fwmark)
		return true;
	return a->protocol == b->protocol && a->port == b->port &&
	       !memcmp(&a->addr, &b->addr, addr_len(a->af));
}
