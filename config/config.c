// SPDX-License-Identifier: GPL-2.0-only
/*
 * The model's helpers: errors, the built-in defaults, names, lookups. The
 * entry points that read and parse a file are load.c's.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int config_fail(struct config_ctx *ctx, int r, uint32_t line, uint32_t column, const char *fmt, ...)
{
	struct config_error *e = ctx->err;
	va_list ap;

	snprintf(e->file, sizeof(e->file), "%s", ctx->file);
	e->line = line;
	e->column = column;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return r;
}

void config_defaults(struct config_policy *ret)
{
	*ret = (struct config_policy){
		.scheduler = "wrr",
		.forwarding = CONFIG_FORWARD_MASQ,
		.weight = 100,
		.persistence_ms = 0,
		.quarantine = {
			/* weight0 for TCP, remove for UDP (config.h) */
			.action = CONFIG_QUARANTINE_AUTO,
			.base_ms = 10000,
			.max_ms = 300000,
			.multiplier = 2.0,
			.jitter = 0.1,
			.max_ejected_percent = 50,
			/* the first SYN retransmit leaves at 1s: be done well before */
			.syn_timeout_min_ms = 200,
			.syn_timeout_max_ms = 900,
			.syn_timeout_rtt_factor = 4,
			/* the kernel's SYN RTO is 1s; a shorter one brings the rescheduled retransmit sooner */
			.syn_rto = CONFIG_SYN_RTO_AUTO,
			.syn_rto_min_ms = 300,
			.syn_rto_max_ms = 1000,
			.failures = 1,
			.window_ms = 10000,
			.enforce = true,
			/* a healthy path loses 3 SYNs in a row at ~6% loss once in 5000 */
			.confirm_tries = 3,
			.outlier_percent = 30,
			.outlier_min_attempts = 5,
			/*
			 * only sockets already stalled on a destination confirmed
			 * silent: they would hang for ~15 min (tcp_retries2)
			 */
			.reset_established = CONFIG_RESET_STALLED,
		},
		.probation = {
			.probe = CONFIG_PROBE_AUTO,
			.dns_name = ".",
			.interval_ms = 1000,
			.timeout_ms = 1000,
			.successes = 1,
			.warmup_ms = 30000,
		},
		/* a resolver's client retries after 1 s: be done well before */
		.udp = {
			.expect_reply = true,
			.reply_timeout_min_ms = 200,
			.reply_timeout_max_ms = 500,
		},
		.health = {
			.enabled = true,
			.interval_ms = 5000,
			.min_change = 0.1,
			.max_changes_per_minute = 6,
		},
		.fallback = {
			.interval_ms = 2000,
			.timeout_ms = 1000,
		},
	};
}

void config_agent_defaults(struct config_agent *ret)
{
	*ret = (struct config_agent){
		.interface = "vigil0",
		.state_dir = "/var/lib/vigil",
		.control_socket = "/run/vigil/vigil.sock",
		.control_group = "vigil",
		.reconcile_interval_ms = 10000,
		.sysctls = true,
		.max_flows = 65536,
		.ringbuf_size = 4u << 20,
		.metrics = { .family = 0 },
	};
}

void config_free(struct config *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->n_services; i++)
		free(c->services[i].dests);
	free(c->services);
	for (uint32_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free(c);
}

const char *config_service_file(const struct config *c, const struct config_service *s)
{
	if (s->file && s->file <= c->n_files)
		return c->files[s->file - 1];
	return c->source;
}

int config_service_describe(const struct config_service *s, char *buf, size_t size)
{
	char a[CONFIG_ADDR_STRLEN];
	int n;

	if (s->fwmark)
		n = snprintf(buf, size, "fwmark %u%s", s->fwmark,
			     s->vip.family == AF_INET6 ? " inet6" : "");
	else if (config_addr_format(&s->vip, a, sizeof(a)) == 0)
		n = snprintf(buf, size, "%s %s", config_protocol_name(s->protocol), a);
	else
		n = snprintf(buf, size, "%s ?", config_protocol_name(s->protocol));
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

const struct config_service *config_find_service(const struct config *c, const char *name)
{
	for (uint32_t i = 0; i < c->n_services; i++)
		if (!strcmp(c->services[i].name, name))
			return &c->services[i];
	return NULL;
}

int config_error_format(const struct config_error *err, char *buf, size_t size)
{
	int n;

	if (err->line)
		n = snprintf(buf, size, "%s:%u:%u: %s", err->file, err->line, err->column,
			     err->message);
	else
		n = snprintf(buf, size, "%s: %s", err->file, err->message);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

const char *config_protocol_name(uint8_t protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	default:
		return "unknown";
	}
}

const char *config_family_name(uint16_t family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	default:
		return "unknown";
	}
}

const char *config_forwarding_name(enum config_forwarding f)
{
	switch (f) {
	case CONFIG_FORWARD_MASQ:
		return "masq";
	case CONFIG_FORWARD_ROUTE:
		return "route";
	case CONFIG_FORWARD_TUNNEL:
		return "tunnel";
	default:
		return "unknown";
	}
}

const char *config_quarantine_action_name(enum config_quarantine_action a)
{
	switch (a) {
	case CONFIG_QUARANTINE_WEIGHT0:
		return "weight0";
	case CONFIG_QUARANTINE_REMOVE:
		return "remove";
	case CONFIG_QUARANTINE_AUTO:
		return "auto";
	default:
		return "unknown";
	}
}

const char *config_syn_rto_name(enum config_syn_rto r)
{
	switch (r) {
	case CONFIG_SYN_RTO_AUTO:
		return "auto";
	case CONFIG_SYN_RTO_OFF:
		return "off";
	default:
		return "unknown";
	}
}

const char *config_reset_established_name(enum config_reset_established r)
{
	switch (r) {
	case CONFIG_RESET_STALLED:
		return "stalled";
	case CONFIG_RESET_NONE:
		return "none";
	default:
		return "unknown";
	}
}

const char *config_probe_name(enum config_probe p)
{
	switch (p) {
	case CONFIG_PROBE_AUTO:
		return "auto";
	case CONFIG_PROBE_NONE:
		return "none";
	case CONFIG_PROBE_TCP:
		return "tcp";
	case CONFIG_PROBE_DNS:
		return "dns";
	case CONFIG_PROBE_UDP:
		return "udp";
	default:
		return "unknown";
	}
}
