// SPDX-License-Identifier: GPL-2.0-only
#include "order.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "filter.h"

/* What the comparisons look at, read once from the JSON. */
struct entry {
	struct json_object *o;
	uint32_t fwmark;
	uint16_t af, protocol, port;
	uint8_t addr[16]; /* network byte order; IPv4 in the first 4 */
	uint64_t kernel_index;
	size_t reply_index; /* where the reply has it: ties keep it */
};

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static uint16_t protocol_number(const char *name)
{
	if (!name)
		return 0;
	if (!strcmp(name, "tcp"))
		return IPPROTO_TCP;
	if (!strcmp(name, "udp"))
		return IPPROTO_UDP;
	if (!strcmp(name, "sctp"))
		return IPPROTO_SCTP;
	if (!strncmp(name, "proto-", 6))
		return (uint16_t)atoi(name + 6);
	return 0;
}

static void read_addr(struct entry *e, const char *text)
{
	struct config_addr a;

	if (text && filter_addr_parse(text, &a, NULL, 0) == 0) {
		e->af = a.family;
		e->port = a.port;
		memcpy(e->addr, a.addr, sizeof(e->addr));
	}
}

static void read_service(struct entry *e)
{
	struct json_object *v = get(e->o, "family");

	e->af = v && !strcmp(json_object_get_string(v), "inet6") ? AF_INET6 : AF_INET;
	v = get(e->o, "fwmark");
	if (v) {
		e->fwmark = (uint32_t)json_object_get_uint64(v);
		return;
	}
	v = get(e->o, "protocol");
	e->protocol = protocol_number(v ? json_object_get_string(v) : NULL);
	v = get(e->o, "vip");
	read_addr(e, v ? json_object_get_string(v) : NULL);
}

static void read_dest(struct entry *e)
{
	struct json_object *v = get(e->o, "address");

	read_addr(e, v ? json_object_get_string(v) : NULL);
}

static int by_kernel_index(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;

	if (a->kernel_index != b->kernel_index)
		return a->kernel_index < b->kernel_index ? -1 : 1;
	return a->reply_index < b->reply_index ? -1 : a->reply_index > b->reply_index;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int by_dest_key(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	int r;

	r = cmp_u64(a->af, b->af);
	if (!r)
		r = memcmp(a->addr, b->addr, a->af == AF_INET6 ? 16 : 4);
	if (!r)
		r = cmp_u64(a->port, b->port);
	return r ? r : cmp_u64(a->reply_index, b->reply_index);
}

static int by_service_key(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	int r;

	r = cmp_u64(a->fwmark, b->fwmark);
	if (!r)
		r = cmp_u64(a->af, b->af);
	if (!r)
		r = cmp_u64(a->protocol, b->protocol);
	return r ? r : by_dest_key(pa, pb);
}

/* One 32-bit word of an address, in host order. */
static uint32_t word(const uint8_t *addr, int i)
{
	uint32_t w;

	memcpy(&w, addr + 4 * i, 4);
	return ntohl(w);
}

/*
 * libipvs's ipvs_cmp_dests(), keeping what makes it no order: each
 * difference of unsigned words converted to int, wrapping past 2^31.
 */
static int ipvsadm_dest_cmp(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	int r = 0, i;

	if (a->af == AF_INET6)
		for (i = 0; !r && i < 4; i++)
			r = (int)(word(a->addr, i) - word(b->addr, i));
	else
		r = (int)(word(a->addr, 0) - word(b->addr, 0));
	if (r)
		return r;
	return (int)a->port - (int)b->port;
}

/* libipvs's ipvs_cmp_services(), as ipvsadm_dest_cmp. */
static int ipvsadm_service_cmp(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	int r;

	r = (int)(a->fwmark - b->fwmark);
	if (r)
		return r;
	r = (int)a->af - (int)b->af;
	if (r)
		return r;
	r = (int)a->protocol - (int)b->protocol;
	if (r)
		return r;
	return ipvsadm_dest_cmp(pa, pb);
}

static bool in_kernel(struct json_object *o)
{
	struct json_object *v = get(o, "in_kernel");

	return v && json_object_get_boolean(v);
}

static int order(struct json_object *array, enum order_how how, bool services,
		 struct json_object ***ret, size_t *ret_n)
{
	struct json_object **out;
	struct entry *e;
	size_t i, n = 0, len;

	*ret = NULL;
	*ret_n = 0;
	if (!array || !json_object_is_type(array, json_type_array))
		return -EINVAL;
	len = json_object_array_length(array);
	/* + 1: calloc(0) may return NULL, which is not running out of memory */
	e = calloc(len + 1, sizeof(*e));
	out = calloc(len + 1, sizeof(*out));
	if (!e || !out) {
		free(e);
		free(out);
		return -ENOMEM;
	}
	for (i = 0; i < len; i++) {
		struct json_object *o = json_object_array_get_idx(array, i), *v;

		/* ipvsadm sees the kernel's alone */
		if (how != ORDER_SORTED && !in_kernel(o))
			continue;
		e[n].o = o;
		e[n].reply_index = i;
		v = get(o, "kernel_index");
		/* a vigild older than kernel_index: the reply's order stands for it */
		e[n].kernel_index = v ? json_object_get_uint64(v) : i;
		if (services)
			read_service(&e[n]);
		else
			read_dest(&e[n]);
		n++;
	}
	if (how == ORDER_SORTED) {
		qsort(e, n, sizeof(*e), services ? by_service_key : by_dest_key);
	} else {
		qsort(e, n, sizeof(*e), by_kernel_index);
		if (how == ORDER_IPVSADM)
			qsort(e, n, sizeof(*e), services ? ipvsadm_service_cmp : ipvsadm_dest_cmp);
	}
	for (i = 0; i < n; i++)
		out[i] = e[i].o;
	free(e);
	*ret = out;
	*ret_n = n;
	return 0;
}

int order_services(struct json_object *array, enum order_how how, struct json_object ***ret,
		   size_t *ret_n)
{
	return order(array, how, true, ret, ret_n);
}

int order_dests(struct json_object *array, enum order_how how, struct json_object ***ret,
		size_t *ret_n)
{
	return order(array, how, false, ret, ret_n);
}

/* ARRAY's entries replaced by the N of SORTED, which are entries of it. */
static int replace(struct json_object *array, struct json_object **sorted, size_t n)
{
	size_t i;
	int r = 0;

	/* each kept alive while the array lets go of it */
	for (i = 0; i < n; i++)
		json_object_get(sorted[i]);
	json_object_array_del_idx(array, 0, json_object_array_length(array));
	for (i = 0; i < n; i++)
		if (json_object_array_add(array, sorted[i]) < 0) {
			json_object_put(sorted[i]);
			r = -ENOMEM;
		}
	return r;
}

static int order_in_place(struct json_object *array, enum order_how how, bool services)
{
	struct json_object **sorted;
	size_t n;
	int r;

	r = order(array, how, services, &sorted, &n);
	if (r < 0)
		return r;
	r = replace(array, sorted, n);
	free(sorted);
	return r;
}

int order_list(struct json_object *list, enum order_how how)
{
	struct json_object *svcs = get(list, "services");
	size_t i;
	int r;

	r = order_in_place(svcs, how, true);
	for (i = 0; r >= 0 && i < json_object_array_length(svcs); i++) {
		struct json_object *dests = get(json_object_array_get_idx(svcs, i), "destinations");

		if (dests)
			r = order_in_place(dests, how, false);
	}
	return r;
}
