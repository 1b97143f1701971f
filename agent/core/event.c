// SPDX-License-Identifier: GPL-2.0-only
#include "event.h"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int event_decode(const void *data, size_t size, struct vigil_event *ret)
{
	struct vigil_event e;

	if (size != sizeof(e))
		return -EINVAL;
	memcpy(&e, data, sizeof(e));
	if (e.kind < VIGIL_EV_CONNECT || e.kind > VIGIL_EV_KIND_MAX)
		return -EINVAL;
	if (e.flow.family != VIGIL_AF_INET && e.flow.family != VIGIL_AF_INET6)
		return -EINVAL;
	if (e.real.family != 0 && e.real.family != VIGIL_AF_INET && e.real.family != VIGIL_AF_INET6)
		return -EINVAL;
	*ret = e;
	return 0;
}

const char *event_kind_name(unsigned int kind)
{
	static const char *const names[] = {
		[VIGIL_EV_CONNECT] = "connect",     [VIGIL_EV_STATE] = "state",
		[VIGIL_EV_RETRANS] = "retrans",     [VIGIL_EV_RESET] = "reset",
		[VIGIL_EV_IPVS_PICK] = "ipvs-pick", [VIGIL_EV_SOCK_ERROR] = "sock-error",
		[VIGIL_EV_UDP_SEND] = "udp-send",   [VIGIL_EV_UDP_REPLY] = "udp-reply",
	};

	if (kind < sizeof(names) / sizeof(names[0]) && names[kind])
		return names[kind];
	return "unknown";
}

const char *tcp_state_name(unsigned int state)
{
	/* The kernel's TCP_* numbering (include/net/tcp_states.h). */
	static const char *const names[] = {
		[1] = "ESTABLISHED", [2] = "SYN_SENT",  [3] = "SYN_RECV", [4] = "FIN_WAIT1",
		[5] = "FIN_WAIT2",   [6] = "TIME_WAIT", [7] = "CLOSE",    [8] = "CLOSE_WAIT",
		[9] = "LAST_ACK",    [10] = "LISTEN",   [11] = "CLOSING", [12] = "NEW_SYN_RECV",
	};

	if (state < sizeof(names) / sizeof(names[0]) && names[state])
		return names[state];
	return "UNKNOWN";
}

char *addr_port_format(unsigned int family, const union vigil_addr *addr, unsigned int port,
		       char *buf, size_t size)
{
	struct config_addr a = { .family = family == VIGIL_AF_INET6 ? AF_INET6 : AF_INET,
				 .port = port };

	memcpy(a.addr, addr, sizeof(a.addr));
	if ((family != VIGIL_AF_INET && family != VIGIL_AF_INET6) ||
	    config_addr_format(&a, buf, size) < 0)
		snprintf(buf, size, "-");
	return buf;
}

struct timespec event_wall_time(uint64_t mono_ns, int64_t mono_to_real_ns)
{
	int64_t ns = (int64_t)mono_ns + mono_to_real_ns;
	struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };

	return ts;
}

const char *event_error_name(unsigned int error, char *buf, size_t size)
{
	const char *name = strerrorname_np((int)error);

	if (name)
		return name;
	snprintf(buf, size, "errno %u", error);
	return buf;
}

/* What the event says beyond its flow, e.g. "SYN_SENT -> ESTABLISHED". */
static void event_detail(const struct vigil_event *e, char *buf, size_t size)
{
	switch (e->kind) {
	case VIGIL_EV_STATE:
		snprintf(buf, size, " %s -> %s", tcp_state_name(e->old_state),
			 tcp_state_name(e->state));
		break;
	case VIGIL_EV_RETRANS:
	case VIGIL_EV_RESET:
		snprintf(buf, size, " in %s", tcp_state_name(e->state));
		break;
	case VIGIL_EV_SOCK_ERROR: {
		char num[16];

		snprintf(buf, size, " error %s", event_error_name(e->error, num, sizeof(num)));
		break;
	}
	default:
		buf[0] = '\0';
	}
}

int event_format_text(const struct vigil_event *e, const struct timespec *wall, char *buf,
		      size_t size)
{
	char client[ADDR_PORT_STRLEN], virt[ADDR_PORT_STRLEN], real[ADDR_PORT_STRLEN];
	char clock[16], detail[48];
	struct tm tm;

	localtime_r(&wall->tv_sec, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	addr_port_format(e->flow.family, &e->flow.caddr, e->flow.cport, client, sizeof(client));
	addr_port_format(e->flow.family, &e->flow.vaddr, e->flow.vport, virt, sizeof(virt));
	addr_port_format(e->real.family, &e->real.addr, e->real.port, real, sizeof(real));
	event_detail(e, detail, sizeof(detail));
	return snprintf(buf, size, "%s.%06ld %-9s %s %s -> %s real %s%s", clock,
			wall->tv_nsec / 1000, event_kind_name(e->kind),
			config_protocol_name(e->flow.protocol), client, virt, real, detail);
}
