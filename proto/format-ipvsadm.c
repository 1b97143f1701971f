// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipvsadm -L's output from a list reply, byte for byte as ipvsadm 1.31
 * (Debian 11 to 13) prints it: print_title() and print_service_entry() of
 * its ipvsadm.c, with its column widths, its trailing spaces, and its
 * truncation of IPv4 names. Scripts that parse ipvsadm read this.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format-internal.h"
#include "format.h"
#include "order.h"

/* ipvsadm cuts an IPv4 service at 33 characters and a destination at 28 (names can be long). */
#define SVC_CUT  33
#define DEST_CUT 28

static void print_title(FILE *out, struct json_object *list, const struct format_options *o)
{
	struct json_object *ipvs = format_get(list, "ipvs");

	if (!o->one_service)
		fprintf(out, "IP Virtual Server version %s (size=%" PRIu64 ")\n",
			format_get_str(ipvs, "version", "0.0.0"), format_get_u64(ipvs, "size"));
	if (o->view == FORMAT_VIEW_DEFAULT)
		fprintf(out,
			"Prot LocalAddress:Port Scheduler Flags\n"
			"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
	else
		fprintf(out, "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", o->view == FORMAT_VIEW_STATS ? "Conns" : "CPS",
			o->view == FORMAT_VIEW_STATS ? "InPkts" : "InPPS",
			o->view == FORMAT_VIEW_STATS ? "OutPkts" : "OutPPS",
			o->view == FORMAT_VIEW_STATS ? "InBytes" : "InBPS",
			o->view == FORMAT_VIEW_STATS ? "OutBytes" : "OutBPS");
}

static bool is_v6(struct json_object *o, const char *addr_key)
{
	/* a destination's family shows in its address: "[...]" is IPv6 */
	if (addr_key)
		return format_get_str(o, addr_key, "")[0] == '[';
	return !strcmp(format_get_str(o, "family", ""), "inet6");
}

static void print_stats(FILE *out, struct json_object *stats, const struct format_options *o)
{
	static const char *const totals[] = { "conns", "inpkts", "outpkts", "inbytes", "outbytes" };
	static const char *const rates[] = { "cps", "inpps", "outpps", "inbps", "outbps" };
	const char *const *keys = o->view == FORMAT_VIEW_STATS ? totals : rates;
	size_t i;

	for (i = 0; i < 5; i++)
		format_print_count(out, format_get_u64(stats, keys[i]), o->exact);
}

static void print_dest(FILE *out, struct json_object *d, const char *protocol,
		       const struct format_options *o)
{
	struct json_object *stats = format_get(d, "stats");
	char buf[256], name[256];

	snprintf(name, sizeof(name), "%s",
		 format_named(o, format_get_str(d, "address", "?"), protocol, buf, sizeof(buf)));
	if (!is_v6(d, "address"))
		name[DEST_CUT] = '\0';
	fprintf(out, "  -> %-28s", name);
	switch (o->view) {
	case FORMAT_VIEW_STATS:
		print_stats(out, stats, o);
		break;
	case FORMAT_VIEW_RATE:
		/* ipvsadm scales only the byte rates; the others it prints as they are */
		fprintf(out, " %8" PRIu64 " %8" PRIu64 " %8" PRIu64, format_get_u64(stats, "cps"),
			format_get_u64(stats, "inpps"), format_get_u64(stats, "outpps"));
		format_print_count(out, format_get_u64(stats, "inbps"), o->exact);
		format_print_count(out, format_get_u64(stats, "outbps"), o->exact);
		break;
	default:
		/* the trailing spaces are ipvsadm's */
		fprintf(out, " %-7s %-6d %-10u %-10u",
			format_forward_name(format_get_str(d, "forward", "?")),
			(int)format_get_u64(d, "weight"),
			(unsigned int)format_get_u64(d, "active_conns"),
			(unsigned int)format_get_u64(d, "inactive_conns"));
	}
	fputc('\n', out);
}

static int print_service(FILE *out, struct json_object *svc, const struct format_options *o)
{
	struct json_object **dests;
	const char *protocol = format_get_str(svc, "protocol", "");
	char name[320];
	size_t i, n;
	int r;

	format_service_name(svc, o, true, name, sizeof(name));
	if (!format_get(svc, "fwmark") && !is_v6(svc, NULL))
		name[SVC_CUT] = '\0';
	if (o->view == FORMAT_VIEW_DEFAULT) {
		fprintf(out, "%s %s", name, format_get_str(svc, "scheduler", "?"));
		format_service_flags(out, svc, true);
	} else {
		fprintf(out, "%-33s", name);
		print_stats(out, format_get(svc, "stats"), o);
	}
	fputc('\n', out);
	r = order_dests(format_get(svc, "destinations"), o->nosort ? ORDER_KERNEL : ORDER_IPVSADM,
			&dests, &n);
	if (r == -EINVAL)
		return 0; /* no destinations array: none */
	if (r < 0)
		return r;
	for (i = 0; i < n; i++)
		print_dest(out, dests[i], protocol, o);
	free(dests);
	return 0;
}

int format_ipvsadm(FILE *out, struct json_object *list, const struct format_options *o)
{
	struct json_object **svcs;
	size_t i, n;
	int r;

	if (!json_object_is_type(format_get(list, "services"), json_type_array))
		return -EINVAL;
	/* no table to show: ipvsadm itself would have failed */
	if (!format_get_bool(list, "kernel"))
		return -ENODATA;
	r = order_services(format_get(list, "services"), o->nosort ? ORDER_KERNEL : ORDER_IPVSADM,
			   &svcs, &n);
	if (r < 0)
		return r;
	print_title(out, list, o);
	for (i = 0; i < n && r >= 0; i++)
		r = print_service(out, svcs[i], o);
	free(svcs);
	return r;
}
