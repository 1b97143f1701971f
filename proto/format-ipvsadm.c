// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipvsadm -L's output from a list reply, byte for byte as ipvsadm 1.31
 * (Debian 11 to 13) prints it: print_title() and print_service_entry() of
 * its ipvsadm.c, with its column widths, its trailing spaces, and its
 * truncation of IPv4 names; --stats, --rate, --thresholds,
 * --persistent-conn and --tun-info each with its own columns. Scripts that parse ipvsadm read this.
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
	bool stats = o->view == FORMAT_VIEW_STATS;

	if (!o->one_service)
		fprintf(out, "IP Virtual Server version %s (size=%" PRIu64 ")\n",
			format_get_str(ipvs, "version", "0.0.0"), format_get_u64(ipvs, "size"));
	switch (o->view) {
	case FORMAT_VIEW_STATS:
	case FORMAT_VIEW_RATE:
		fprintf(out, "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", stats ? "Conns" : "CPS",
			stats ? "InPkts" : "InPPS", stats ? "OutPkts" : "OutPPS",
			stats ? "InBytes" : "InBPS", stats ? "OutBytes" : "OutBPS");
		break;
	case FORMAT_VIEW_THRESHOLDS:
		fprintf(out, "%-33s %-10s %-10s %-10s %-10s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "Uthreshold", "Lthreshold", "ActiveConn",
			"InActConn");
		break;
	case FORMAT_VIEW_PERSISTENT:
		fprintf(out, "%-33s %-9s %-11s %-10s %-10s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "Weight", "PersistConn", "ActiveConn",
			"InActConn");
		break;
	case FORMAT_VIEW_TUNNEL:
		fprintf(out, "Prot LocalAddress:Port Scheduler Flags\n"
			     "  -> RemoteAddress:Port           Forward TunnelInfo    Weight "
			     "ActiveConn InActConn\n");
		break;
	default:
		fprintf(out,
			"Prot LocalAddress:Port Scheduler Flags\n"
			"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
	}
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

/*
 * ipvsadm's name of a tunnel's FLAGS (the reply's array): it indexes its
 * names by the flags' value, so both flags at once read past their end; "?"
 * here, as for a flag it does not know.
 */
static const char *csum_name(struct json_object *flags)
{
	static const char *const names[] = { "-c", "+c", "r+c" }; /* none, csum, remcsum */
	unsigned int value = 0;
	size_t i,
	    n = json_object_is_type(flags, json_type_array) ? json_object_array_length(flags) : 0;

	for (i = 0; i < n; i++) {
		const char *flag = json_object_get_string(json_object_array_get_idx(flags, i));

		value |= !flag                      ? 4u
			 : !strcmp(flag, "csum")    ? 1u
			 : !strcmp(flag, "remcsum") ? 2u
						    : 4u;
	}
	return value < 3 ? names[value] : "?";
}

/*
 * ipvsadm's TunnelInfo of a destination: "ipip", "gue:6080:+c", "gre:-c";
 * "n/a" when it is no tunnel, or of a type ipvsadm has no name for.
 */
static const char *tunnel_info(struct json_object *d, char *buf, size_t size)
{
	struct json_object *t = format_get(d, "tunnel");
	const char *type = format_get_str(t, "type", "");

	if (!t || strcmp(format_get_str(d, "forward", ""), "tunnel"))
		return "n/a";
	if (!strcmp(type, "ipip"))
		return "ipip";
	if (!strcmp(type, "gue"))
		snprintf(buf, size, "gue:%" PRIu64 ":%s", format_get_u64(t, "port"),
			 csum_name(format_get(t, "flags")));
	else if (!strcmp(type, "gre"))
		snprintf(buf, size, "gre:%s", csum_name(format_get(t, "flags")));
	else
		return "n/a";
	return buf;
}

static void print_dest(FILE *out, struct json_object *d, const char *protocol,
		       const struct format_options *o)
{
	struct json_object *stats = format_get(d, "stats");
	unsigned int active = (unsigned int)format_get_u64(d, "active_conns"),
		     inactive = (unsigned int)format_get_u64(d, "inactive_conns");
	const char *forward = format_forward_name(format_get_str(d, "forward", "?"));
	int weight = (int)format_get_u64(d, "weight");
	char buf[256], name[256], tunnel[32];

	snprintf(name, sizeof(name), "%s",
		 format_named(o, format_get_str(d, "address", "?"), protocol, buf, sizeof(buf)));
	if (!is_v6(d, "address"))
		name[DEST_CUT] = '\0';
	fprintf(out, "  -> %-28s", name);
	/* the trailing spaces of the columns are ipvsadm's */
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
	case FORMAT_VIEW_THRESHOLDS:
		fprintf(out, " %-10u %-10u %-10u %-10u",
			(unsigned int)format_get_u64(d, "u_threshold"),
			(unsigned int)format_get_u64(d, "l_threshold"), active, inactive);
		break;
	case FORMAT_VIEW_PERSISTENT:
		fprintf(out, " %-9u %-11u %-10u %-10u", (unsigned int)weight,
			(unsigned int)format_get_u64(d, "persist_conns"), active, inactive);
		break;
	case FORMAT_VIEW_TUNNEL:
		fprintf(out, " %-7s %-13s %-6d %-10u %-10u", forward,
			tunnel_info(d, tunnel, sizeof(tunnel)), weight, active, inactive);
		break;
	default:
		fprintf(out, " %-7s %-6d %-10u %-10u", forward, weight, active, inactive);
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
	if (o->view == FORMAT_VIEW_STATS || o->view == FORMAT_VIEW_RATE) {
		fprintf(out, "%-33s", name);
		print_stats(out, format_get(svc, "stats"), o);
	} else {
		fprintf(out, "%s %s", name, format_get_str(svc, "scheduler", "?"));
		format_service_flags(out, svc, true);
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
