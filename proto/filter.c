// SPDX-License-Identifier: GPL-2.0-only
#include "filter.h"
#include "why.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* "0".."65535", digits only. */
static int port_parse(const char *text, uint16_t *ret)
{
	char *end;
	unsigned long n;

	if (*text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(text, &end, 10);
	if (*end || errno || n > 65535)
		return -EINVAL;
	*ret = n;
	return 0;
}

int filter_addr_parse(const char *text, struct config_addr *ret, char *why, size_t why_size)
{
	char host[64];
	const char *port = NULL, *close;
	struct config_addr a = { 0 };
	size_t len;

	if (text[0] == '[') {
		close = strchr(text, ']');
		if (!close || (close[1] && close[1] != ':'))
			return why_is(why, why_size, "%s: expected [IPv6]:PORT", text);
		len = close - text - 1;
		port = close[1] ? close + 2 : NULL;
		a.family = AF_INET6;
	} else if (strchr(text, ':') != strrchr(text, ':')) {
		/* two colons or more: an IPv6 address without a port, as ipvsadm takes it */
		len = strlen(text);
		a.family = AF_INET6;
	} else {
		port = strchr(text, ':');
		len = port ? (size_t)(port++ - text) : strlen(text);
		a.family = AF_INET;
	}
	if (len >= sizeof(host))
		return why_is(why, why_size, "%s: not an address", text);
	memcpy(host, text + (text[0] == '['), len);
	host[len] = '\0';
	if (inet_pton(a.family, host, a.addr) != 1)
		return why_is(why, why_size,
			      "%s: not an IPv4 or IPv6 address (host names are not resolved)",
			      text);
	if (port && port_parse(port, &a.port) < 0)
		return why_is(why, why_size, "%s: the port is not a number from 0 to 65535", text);
	*ret = a;
	return 0;
}

int filter_vip(struct filter *f, const char *option, const char *text, uint8_t protocol, char *why,
	       size_t why_size)
{
	char reason[160];

	memset(f, 0, sizeof(*f));
	if (filter_addr_parse(text, &f->vip, reason, sizeof(reason)) < 0)
		return why_is(why, why_size, "%s %s", option, reason);
	f->kind = FILTER_VIP;
	f->option = option;
	f->text = text;
	f->protocol = protocol;
	return 0;
}

int filter_fwmark(struct filter *f, const char *option, const char *text, char *why,
		  size_t why_size)
{
	char *end;
	unsigned long long n;

	memset(f, 0, sizeof(*f));
	errno = 0;
	n = strtoull(text, &end, 10);
	if (*text < '0' || *text > '9' || *end || errno || n == 0 || n > UINT32_MAX)
		return why_is(why, why_size, "%s %s: not a fwmark (a number from 1 to %" PRIu32 ")",
			      option, text, UINT32_MAX);
	f->kind = FILTER_FWMARK;
	f->option = option;
	f->text = text;
	f->fwmark = n;
	return 0;
}

void filter_name(struct filter *f, const char *text)
{
	memset(f, 0, sizeof(*f));
	f->kind = FILTER_NAME;
	f->text = text;
}

void filter_describe(const struct filter *f, char *buf, size_t size)
{
	switch (f->kind) {
	case FILTER_NONE:
		snprintf(buf, size, "(no filter)");
		break;
	case FILTER_NAME:
		snprintf(buf, size, "%s", f->text);
		break;
	default:
		snprintf(buf, size, "%s %s%s", f->option, f->text, f->ipv6 ? " -6" : "");
	}
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		   ? json_object_get_string(v)
		   : NULL;
}

static uint8_t protocol_number(const char *name)
{
	if (!name)
		return 0;
	if (!strcmp(name, "tcp"))
		return IPPROTO_TCP;
	if (!strcmp(name, "udp"))
		return IPPROTO_UDP;
	if (!strcmp(name, "sctp"))
		return IPPROTO_SCTP;
	return 0;
}

/* SVC's VIP is A (and its protocol PROTOCOL, unless 0). */
static bool vip_is(struct json_object *svc, const struct config_addr *a, uint8_t protocol)
{
	const char *vip = get_str(svc, "vip");
	struct config_addr have;

	if (!vip || filter_addr_parse(vip, &have, NULL, 0) < 0)
		return false;
	if (protocol && protocol_number(get_str(svc, "protocol")) != protocol)
		return false;
	return !memcmp(&have, a, sizeof(have));
}

static bool fwmark_is(struct json_object *svc, uint32_t mark, bool ipv6)
{
	struct json_object *v;
	const char *family = get_str(svc, "family");

	if (!json_object_object_get_ex(svc, "fwmark", &v) || json_object_get_uint64(v) != mark)
		return false;
	return family && !strcmp(family, ipv6 ? "inet6" : "inet");
}

/* A name, or the VIP forms quarantine takes: "10.96.0.10:443", "tcp/10.96.0.10:443". */
static bool name_is(struct json_object *svc, const char *text)
{
	const char *name = get_str(svc, "name"), *addr = text;
	struct config_addr vip;
	uint8_t protocol = 0;

	if (name && !strcmp(name, text))
		return true;
	if (!strncmp(text, "tcp/", 4) || !strncmp(text, "udp/", 4)) {
		protocol = text[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
		addr = text + 4;
	}
	/* a VIP needs its port here: "10.0.0.1" alone could be a name */
	return strchr(addr, ':') && filter_addr_parse(addr, &vip, NULL, 0) == 0 && vip.port &&
	       vip_is(svc, &vip, protocol);
}

bool filter_match(const struct filter *f, struct json_object *svc)
{
	switch (f->kind) {
	case FILTER_NONE:
		return true;
	case FILTER_VIP:
		return vip_is(svc, &f->vip, f->protocol);
	case FILTER_FWMARK:
		return fwmark_is(svc, f->fwmark, f->ipv6);
	case FILTER_NAME:
		return name_is(svc, f->text);
	}
	return false;
}

/* Why nothing matched: the filter, and what the user may have meant. */
static void nothing_matched(const struct filter *f, struct json_object *svcs, char *why,
			    size_t why_size)
{
	char given[160], other[64];
	size_t i, n = json_object_array_length(svcs);
	const char *hint = "";

	filter_describe(f, given, sizeof(given));
	for (i = 0; i < n; i++) {
		struct json_object *svc = json_object_array_get_idx(svcs, i);

		if (f->kind == FILTER_FWMARK && fwmark_is(svc, f->fwmark, !f->ipv6))
			hint = f->ipv6 ? " (an IPv4 service has that fwmark: leave out -6)"
				       : " (an IPv6 service has that fwmark: add -6)";
		if (f->kind == FILTER_VIP && vip_is(svc, &f->vip, 0)) {
			snprintf(other, sizeof(other), " (a %s service has that VIP)",
				 get_str(svc, "protocol") ? get_str(svc, "protocol") : "?");
			hint = other;
		}
	}
	if (f->kind == FILTER_NAME)
		snprintf(why, why_size, "no service %s: neither a service's name nor its VIP",
			 given);
	else
		snprintf(why, why_size, "no service matches %s%s", given, hint);
}

/* LIST's services, or NULL with the reason in WHY. */
static struct json_object *services_of(struct json_object *list, char *why, size_t why_size)
{
	struct json_object *svcs;

	if (!json_object_object_get_ex(list, "services", &svcs) ||
	    !json_object_is_type(svcs, json_type_array)) {
		why_is(why, why_size, "the list reply has no services");
		return NULL;
	}
	return svcs;
}

static size_t count_matches(struct json_object *svcs, const struct filter *f)
{
	size_t i, n = json_object_array_length(svcs), left = 0;

	for (i = 0; i < n; i++)
		left += filter_match(f, json_object_array_get_idx(svcs, i));
	return left;
}

bool filter_any(struct json_object *list, const struct filter *f, char *why, size_t why_size)
{
	struct json_object *svcs = services_of(list, why, why_size);

	if (!svcs)
		return false;
	if (count_matches(svcs, f))
		return true;
	nothing_matched(f, svcs, why, why_size);
	return false;
}

size_t filter_list(struct json_object *list, const struct filter *f, char *why, size_t why_size)
{
	struct json_object *svcs = services_of(list, why, why_size);
	size_t i, left;

	if (!svcs)
		return 0;
	/* before any is gone: the hint looks at what there was */
	left = filter_any(list, f, why, why_size) ? count_matches(svcs, f) : 0;
	/* from the end, so that each deletion leaves the indexes still to visit alone */
	for (i = json_object_array_length(svcs); i-- > 0;)
		if (!filter_match(f, json_object_array_get_idx(svcs, i)))
			json_object_array_del_idx(svcs, i, 1);
	return left;
}
