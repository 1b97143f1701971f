// SPDX-License-Identifier: GPL-2.0-only
/*
 * list -c: the connection table as ipvsadm 1.31 prints it (list_conn() and
 * print_conn() of its ipvsadm.c: its column widths, its expiry as MM:SS, its
 * names of hosts and ports), and what the list reply says of each
 * connection's service and destination.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "filter.h"
#include "format-internal.h"
#include "format.h"
#include "reply.h"

/* ipvsadm writes each endpoint into 60 bytes: a longer name is cut at 59 characters */
#define IPVSADM_NAME_CUT 59

/* Whether TEXT, a list reply's address ("10.0.0.1:80", "[fd00::1]:80"), is A. */
static bool addr_is(const char *text, const struct config_addr *a)
{
	struct config_addr have;

	return text && filter_addr_parse(text, &have, NULL, 0) == 0 &&
	       !memcmp(&have, a, sizeof(have));
}

/*
 * Whether TEXT, a destination of a list reply, is DEST. IPVS connects a
 * destination of port 0 (a fwmark service's, or that of a service of every
 * port) to the port the client asked for.
 */
static bool dest_is(const char *text, const struct config_addr *dest)
{
	struct config_addr have;

	return text && filter_addr_parse(text, &have, NULL, 0) == 0 &&
	       have.family == dest->family && !memcmp(have.addr, dest->addr, sizeof(have.addr)) &&
	       (have.port == dest->port || have.port == 0);
}

/* DEST among SVC's destinations, or NULL. */
static struct json_object *find_dest(struct json_object *svc, const struct config_addr *dest)
{
	struct json_object *dests = format_get(svc, "destinations");
	size_t i, n = dests && json_object_is_type(dests, json_type_array)
			  ? json_object_array_length(dests)
			  : 0;

	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(dests, i);

		if (dest_is(format_get_str(d, "address", NULL), dest))
			return d;
	}
	return NULL;
}

/* The service of C's protocol and virtual address and port; else that of port 0, as IPVS. */
static struct json_object *vip_service(struct json_object *svcs, const struct conntable_conn *c)
{
	struct json_object *any_port = NULL;
	struct config_addr port0 = c->virt;
	size_t i, n = json_object_array_length(svcs);

	port0.port = 0;
	for (i = 0; i < n; i++) {
		struct json_object *svc = json_object_array_get_idx(svcs, i);
		const char *vip = format_get_str(svc, "vip", NULL);

		if (format_get(svc, "fwmark") ||
		    strcasecmp(format_get_str(svc, "protocol", ""), c->protocol))
			continue;
		if (addr_is(vip, &c->virt))
			return svc;
		if (!any_port && addr_is(vip, &port0))
			any_port = svc;
	}
	return any_port;
}

/* A fwmark service of C's family: that of MARK, or (MARK 0) one with C's destination. */
static struct json_object *fwmark_service(struct json_object *svcs, const struct conntable_conn *c,
					  uint32_t mark)
{
	const char *family = c->virt.family == AF_INET6 ? "inet6" : "inet";
	size_t i, n = json_object_array_length(svcs);

	for (i = 0; i < n; i++) {
		struct json_object *svc = json_object_array_get_idx(svcs, i);

		if (!format_get(svc, "fwmark") || strcmp(format_get_str(svc, "family", ""), family))
			continue;
		if (mark ? format_get_u64(svc, "fwmark") == mark : find_dest(svc, &c->dest) != NULL)
			return svc;
	}
	return NULL;
}

struct json_object *format_conn_service(struct json_object *list, const struct conntable_conn *c)
{
	struct json_object *svcs = format_get(list, "services"), *vip, *fwm;
	uint32_t mark = conntable_fwmark(c);

	if (!svcs || !json_object_is_type(svcs, json_type_array))
		return NULL;
	if (mark)
		return fwmark_service(svcs, c, mark);
	vip = vip_service(svcs, c);
	if (vip && find_dest(vip, &c->dest))
		return vip;
	fwm = fwmark_service(svcs, c, 0);
	return fwm ? fwm : vip;
}

/* The state vigild gives C's destination in SVC, or NULL: not one vigild manages. */
static const char *dest_state(struct json_object *svc, const struct conntable_conn *c)
{
	struct json_object *d = svc ? find_dest(svc, &c->dest) : NULL;

	return d && format_get_bool(d, "managed") ? format_get_str(d, "state", NULL) : NULL;
}

/* ipvsadm names the ports of TCP, UDP and SCTP; those of any other protocol stay numbers. */
static const char *port_names(const char *protocol)
{
	static const char *const names[] = { "tcp", "udp", "sctp" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(protocol, names[i]))
			return names[i];
	return "";
}

/* A, by O's names (ipvsadm without -n) or as a number, into BUF. */
static void endpoint(const struct format_options *o, const struct conntable_conn *c,
		     const struct config_addr *a, char *buf, size_t size)
{
	char text[CONFIG_ADDR_STRLEN], named[256];

	if (config_addr_format(a, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "?");
	snprintf(buf, size, "%s",
		 format_named(o, text, port_names(c->protocol), named, sizeof(named)));
	if (o->ipvsadm && strlen(buf) > IPVSADM_NAME_CUT)
		buf[IPVSADM_NAME_CUT] = '\0';
}

void format_conn_title(FILE *out, const struct format_options *o)
{
	fputs("IPVS connection entries\n", out);
	/* ipvsadm's widths for the destination and the engine are the other way round below */
	if (o->ipvsadm && o->view == FORMAT_VIEW_PERSISTENT)
		fprintf(out, "pro expire %-11s %-18s %-18s %-18s %-16s %s\n", "state", "source",
			"virtual", "destination", "pe name", "pe_data");
	else if (o->ipvsadm)
		fprintf(out, "pro expire %-11s %-18s %-18s %s\n", "state", "source", "virtual",
			"destination");
	else
		fprintf(out, "pro expire %-11s %-18s %-18s %-18s %s\n", "state", "source",
			"virtual", "destination", "vigil");
}

void format_conn(FILE *out, const struct conntable_conn *c, struct json_object *svc,
		 const struct format_options *o)
{
	char expire[16], client[256], virt[256], dest[256];
	const char *state = dest_state(svc, c);

	snprintf(expire, sizeof(expire), "%02u:%02u", c->expires / 60, c->expires % 60);
	endpoint(o, c, &c->client, client, sizeof(client));
	endpoint(o, c, &c->virt, virt, sizeof(virt));
	endpoint(o, c, &c->dest, dest, sizeof(dest));
	/* ipvsadm shows an engine's columns only where it read both its name and data */
	if (o->ipvsadm && o->view == FORMAT_VIEW_PERSISTENT && c->pe_name[0] && c->pe_data[0])
		fprintf(out, "%-3s %-6s %-11s %-18s %-18s %-16s %-18s %s\n", c->protocol, expire,
			c->state, client, virt, dest, c->pe_name, c->pe_data);
	else if (o->ipvsadm)
		fprintf(out, "%-3s %-6s %-11s %-18s %-18s %s\n", c->protocol, expire, c->state,
			client, virt, dest);
	else
		fprintf(out, "%-3s %-6s %-11s %-18s %-18s %-18s %s\n", c->protocol, expire,
			c->state, client, virt, dest, state ? state : "-");
}

static int add_addr(struct json_object *o, const char *key, const struct config_addr *a)
{
	char text[CONFIG_ADDR_STRLEN];

	if (config_addr_format(a, text, sizeof(text)) < 0)
		return reply_add_null(o, key);
	return reply_add_str(o, key, text);
}

struct json_object *format_conn_json(const struct conntable_conn *c, struct json_object *svc)
{
	struct json_object *o = json_object_new_object();
	const char *name = svc ? format_get_str(svc, "name", NULL) : NULL, *state;
	int r = 0;

	if (!o)
		return NULL;
	r |= reply_add_str(o, "protocol", c->protocol);
	if (conntable_fwmark(c))
		r |= reply_add_u64(o, "fwmark", conntable_fwmark(c));
	r |= add_addr(o, "client", &c->client);
	r |= add_addr(o, "virtual", &c->virt);
	r |= add_addr(o, "destination", &c->dest);
	r |= reply_add_str(o, "state", c->state);
	r |= reply_add_u64(o, "expires", c->expires);
	if (c->pe_name[0]) {
		r |= reply_add_str(o, "pe", c->pe_name);
		r |= reply_add_str(o, "pe_data", c->pe_data);
	}
	/* vigil's: the service's name and the destination's state, null when not vigil's */
	r |= name ? reply_add_str(o, "service", name) : reply_add_null(o, "service");
	state = dest_state(svc, c);
	r |= state ? reply_add_str(o, "dest_state", state) : reply_add_null(o, "dest_state");
	return reply_finish(o, r);
}
