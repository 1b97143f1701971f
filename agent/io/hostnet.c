// SPDX-License-Identifier: GPL-2.0-only
#include "hostnet.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

struct hostnet {
	struct nl_sock *sk;
};

/* libnl folds the kernel's errno into its own codes; map back what matters. */
static int nl_to_errno(int nlerr)
{
	switch (abs(nlerr)) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENOENT;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_BUSY:
		return -EBUSY;
	default:
		return -EIO;
	}
}

int hostnet_open(struct hostnet **ret)
{
	struct hostnet *h = calloc(1, sizeof(*h));
	int r;

	if (!h)
		return -ENOMEM;
	h->sk = nl_socket_alloc();
	if (!h->sk) {
		free(h);
		return -ENOMEM;
	}
	r = nl_connect(h->sk, NETLINK_ROUTE);
	if (r < 0) {
		hostnet_close(h);
		return nl_to_errno(r);
	}
	*ret = h;
	return 0;
}

void hostnet_close(struct hostnet *h)
{
	if (!h)
		return;
	nl_socket_free(h->sk);
	free(h);
}

static int link_create(struct hostnet *h, const char *name)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int r;

	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	r = rtnl_link_set_type(link, "dummy");
	if (r == 0)
		r = rtnl_link_add(h->sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(link);
	/* created meanwhile by someone else: checked like an existing one */
	return r == -NLE_EXIST ? 0 : nl_to_errno(r);
}

static bool is_dummy(struct rtnl_link *link)
{
	const char *type = rtnl_link_get_type(link);

	return type && !strcmp(type, "dummy");
}

int hostnet_link_find(struct hostnet *h, const char *name, int *ret_ifindex)
{
	struct rtnl_link *link = NULL;
	int r = nl_to_errno(rtnl_link_get_kernel(h->sk, 0, name, &link));

	if (r < 0)
		return r;
	if (!is_dummy(link))
		r = -EEXIST;
	else
		*ret_ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return r;
}

int hostnet_link_delete(struct hostnet *h, int ifindex)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int r;

	if (!link)
		return -ENOMEM;
	rtnl_link_set_ifindex(link, ifindex);
	r = nl_to_errno(rtnl_link_delete(h->sk, link));
	rtnl_link_put(link);
	return r;
}

int hostnet_link_ensure(struct hostnet *h, const char *name, int *ret_ifindex)
{
	struct rtnl_link *link = NULL, *change = NULL;
	int r;

	r = nl_to_errno(rtnl_link_get_kernel(h->sk, 0, name, &link));
	if (r == -ENOENT) {
		r = link_create(h, name);
		if (r == 0)
			r = nl_to_errno(rtnl_link_get_kernel(h->sk, 0, name, &link));
	}
	if (r < 0)
		goto out;
	if (!is_dummy(link)) {
		r = -EEXIST;
		goto out;
	}
	if (!(rtnl_link_get_flags(link) & IFF_UP)) {
		change = rtnl_link_alloc();
		if (!change) {
			r = -ENOMEM;
			goto out;
		}
		rtnl_link_set_flags(change, IFF_UP);
		r = nl_to_errno(rtnl_link_change(h->sk, link, change, 0));
		if (r < 0)
			goto out;
	}
	*ret_ifindex = rtnl_link_get_ifindex(link);
	r = 0;
out:
	rtnl_link_put(change);
	rtnl_link_put(link);
	return r;
}

/* A host route of ours: main table, one next hop through our interface. */
static bool is_vip_route(struct rtnl_route *route, int ifindex)
{
	struct nl_addr *dst = rtnl_route_get_dst(route);
	int family = rtnl_route_get_family(route);

	if (rtnl_route_get_table(route) != RT_TABLE_MAIN || !dst ||
	    rtnl_route_get_type(route) != RTN_UNICAST || rtnl_route_get_nnexthops(route) != 1 ||
	    rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(route, 0)) != ifindex)
		return false;
	return (family == AF_INET && nl_addr_get_prefixlen(dst) == 32) ||
	       (family == AF_INET6 && nl_addr_get_prefixlen(dst) == 128);
}

static bool vip_matches(const struct hostnet_vip *vip, struct rtnl_route *route)
{
	struct nl_addr *dst = rtnl_route_get_dst(route);
	size_t len = vip->af == AF_INET ? 4 : 16;

	return rtnl_route_get_family(route) == vip->af && nl_addr_get_len(dst) == len &&
	       !memcmp(nl_addr_get_binary_addr(dst), vip->addr, len);
}

static int route_add(struct hostnet *h, int ifindex, const struct hostnet_vip *vip)
{
	struct rtnl_route *route = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = NULL;
	int r = -ENOMEM;

	if (!route || !nh)
		goto out;
	dst = nl_addr_build(vip->af, vip->addr, vip->af == AF_INET ? 4 : 16);
	if (!dst)
		goto out;
	nl_addr_set_prefixlen(dst, vip->af == AF_INET ? 32 : 128);
	rtnl_route_set_family(route, vip->af);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	rtnl_route_set_type(route, RTN_UNICAST);
	if (vip->af == AF_INET)
		rtnl_route_set_scope(route, RT_SCOPE_LINK);
	r = rtnl_route_set_dst(route, dst);
	if (r < 0) {
		r = nl_to_errno(r);
		goto out;
	}
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(route, nh);
	nh = NULL; /* the route owns it now */
	r = rtnl_route_add(h->sk, route, NLM_F_CREATE | NLM_F_EXCL);
	r = r == -NLE_EXIST ? 0 : nl_to_errno(r);
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(dst);
	rtnl_route_put(route);
	return r;
}

int hostnet_routes_sync(struct hostnet *h, int ifindex, const struct hostnet_vip *vips, size_t n,
			struct hostnet_sync *ret)
{
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	bool *present = calloc(n ? n : 1, sizeof(*present));
	size_t i;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!present)
		return -ENOMEM;
	r = nl_to_errno(rtnl_route_alloc_cache(h->sk, AF_UNSPEC, 0, &cache));
	if (r < 0)
		goto out;
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_route *route = (struct rtnl_route *)obj;
		bool wanted = false;

		if (!is_vip_route(route, ifindex))
			continue;
		for (i = 0; i < n && !wanted; i++) {
			if (vip_matches(&vips[i], route)) {
				present[i] = true;
				wanted = true;
			}
		}
		if (wanted)
			continue;
		r = nl_to_errno(rtnl_route_delete(h->sk, route, 0));
		if (r < 0 && r != -ENOENT)
			goto out;
		ret->removed++;
	}
	for (i = 0; i < n; i++) {
		if (present[i])
			continue;
		r = route_add(h, ifindex, &vips[i]);
		if (r < 0)
			goto out;
		ret->added++;
	}
	r = 0;
out:
	nl_cache_free(cache);
	free(present);
	return r;
}

int hostnet_routes_list(struct hostnet *h, int ifindex, struct hostnet_vip **ret, size_t *ret_n)
{
	struct hostnet_vip *vips = NULL;
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	size_t n = 0;
	int r;

	*ret = NULL;
	*ret_n = 0;
	r = nl_to_errno(rtnl_route_alloc_cache(h->sk, AF_UNSPEC, 0, &cache));
	if (r < 0)
		return r;
	vips = calloc(nl_cache_nitems(cache) + 1, sizeof(*vips));
	if (!vips) {
		nl_cache_free(cache);
		return -ENOMEM;
	}
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_route *route = (struct rtnl_route *)obj;
		struct nl_addr *dst = rtnl_route_get_dst(route);

		if (!is_vip_route(route, ifindex))
			continue;
		vips[n].af = rtnl_route_get_family(route);
		memcpy(vips[n].addr, nl_addr_get_binary_addr(dst), vips[n].af == AF_INET ? 4 : 16);
		n++;
	}
	nl_cache_free(cache);
	*ret = vips;
	*ret_n = n;
	return 0;
}
