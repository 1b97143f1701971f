/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The order in which a list reply's services and destinations are shown:
 * as the reply has them (vigil's in config order), sorted (--sort), or as
 * ipvsadm -L shows the kernel's. Pure: JSON in, an order out.
 */
#ifndef VIGIL_PROTO_ORDER_H
#define VIGIL_PROTO_ORDER_H

#include <stddef.h>
#include <json-c/json.h>

enum order_how {
	/*
	 * Services by fwmark (none first), family, protocol, address and port;
	 * destinations by family, address and port. vigilctl --sort.
	 */
	ORDER_SORTED,
	/* What the kernel has, in the order its dump gave (kernel_index): ipvsadm --nosort. */
	ORDER_KERNEL,
	/*
	 * What the kernel has, sorted as ipvsadm -L sorts it: ipvsadm compares
	 * the same keys as ORDER_SORTED, but the difference of two addresses
	 * as a signed int, so that 10.0.0.1 comes after 192.168.0.1 and three
	 * addresses may each come before the next in a circle. The result then
	 * depends on the kernel's order and on qsort(), so it starts from the
	 * first and calls the second, as ipvsadm does.
	 */
	ORDER_IPVSADM,
};

/*
 * The entries of ARRAY (a list reply's "services", or a service's
 * "destinations") in HOW's order, those HOW leaves out left out: *RET gets
 * an array of borrowed pointers (free() it) and *RET_N their number.
 * -ENOMEM, or -EINVAL if ARRAY is not an array.
 */
int order_services(struct json_object *array, enum order_how how, struct json_object ***ret,
		   size_t *ret_n);
int order_dests(struct json_object *array, enum order_how how, struct json_object ***ret,
		size_t *ret_n);

/* LIST's services, and each one's destinations, put in HOW's order in place. */
int order_list(struct json_object *list, enum order_how how);

#endif
