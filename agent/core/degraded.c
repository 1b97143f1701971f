// SPDX-License-Identifier: GPL-2.0-only
#include "degraded.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

static void append(char *buf, size_t size, const char *sep, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void append(char *buf, size_t size, const char *sep, const char *fmt, va_list ap)
{
	size_t len = strlen(buf);

	if (len && len + strlen(sep) < size) {
		strcpy(buf + len, sep);
		len += strlen(sep);
	}
	if (len < size)
		vsnprintf(buf + len, size - len, fmt, ap);
}

void degraded_all_missing(struct degraded *d, const char *fmt, ...)
{
	size_t i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < DEGRADED_N_CAPS; i++) {
		va_list ap;

		d->caps[i].state = DEGRADED_MISSING;
		va_start(ap, fmt);
		vsnprintf(d->caps[i].why, sizeof(d->caps[i].why), fmt, ap);
		va_end(ap);
	}
}

void degraded_why(struct degraded_status *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append(c->why, sizeof(c->why), "; ", fmt, ap);
	va_end(ap);
}

static void how_append(struct degraded_status *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void how_append(struct degraded_status *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append(c->how, sizeof(c->how), " ", fmt, ap);
	va_end(ap);
}

void degraded_how(struct degraded_status *c, const char *prog)
{
	how_append(c, "%s", prog);
}

bool degraded_watching(const struct degraded *d)
{
	return d->caps[DEGRADED_EVENTS].state == DEGRADED_ATTACHED &&
	       d->caps[DEGRADED_CORRELATION].state == DEGRADED_ATTACHED;
}

bool degraded_any(const struct degraded *d)
{
	size_t i;

	for (i = 0; i < DEGRADED_N_CAPS; i++)
		if (d->caps[i].state == DEGRADED_MISSING || d->caps[i].state == DEGRADED_UNUSED ||
		    d->caps[i].state == DEGRADED_SILENT)
			return true;
	return false;
}

const char *degraded_cap_name(enum degraded_cap cap)
{
	static const char *const names[] = {
		[DEGRADED_EVENTS] = "connection_events",
		[DEGRADED_CORRELATION] = "real_destination",
		[DEGRADED_HEALTH] = "health_metrics",
	};

	return (unsigned int)cap < DEGRADED_N_CAPS ? names[cap] : "unknown";
}

const char *degraded_state_name(enum degraded_state state)
{
	static const char *const names[] = {
		[DEGRADED_ATTACHED] = "attached", [DEGRADED_UNUSED] = "unused",
		[DEGRADED_MISSING] = "missing",   [DEGRADED_OFF] = "off",
		[DEGRADED_SILENT] = "silent",
	};

	return (unsigned int)state <= DEGRADED_SILENT ? names[state] : "unknown";
}

const char *degraded_instead(const struct degraded *d, enum degraded_cap cap,
			     unsigned long long fallback_ms, size_t fallback_dests,
			     size_t fallback_udp, char *buf, size_t size)
{
	const struct degraded_status *c = &d->caps[cap];
	char every[24];

	if (c->state == DEGRADED_ATTACHED || c->state == DEGRADED_OFF)
		return NULL;
	if (cap == DEGRADED_HEALTH) {
		snprintf(buf, size, "configured weights");
		return buf;
	}
	if (!fallback_dests) {
		snprintf(buf, size,
			 "nothing: no service can be checked "
			 "(UDP services need probation.probe dns, udp or tcp)");
		return buf;
	}
	if (config_duration_format(fallback_ms, every, sizeof(every)) < 0)
		snprintf(every, sizeof(every), "%llums", fallback_ms);
	snprintf(buf, size, "active %s checks of %zu destination%s every %s",
		 !fallback_udp                    ? "TCP"
		 : fallback_udp == fallback_dests ? "UDP"
						  : "TCP and UDP",
		 fallback_dests, fallback_dests == 1 ? "" : "s", every);
	return buf;
}

void degraded_summary(const struct degraded *d, bool instead, unsigned long long fallback_ms,
		      size_t fallback_dests, size_t fallback_udp, char *buf, size_t size)
{
	static const char *const words[] = {
		[DEGRADED_EVENTS] = "connection events",
		[DEGRADED_CORRELATION] = "real destination",
		[DEGRADED_HEALTH] = "health metrics",
	};
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < DEGRADED_N_CAPS && len < size; i++) {
		const struct degraded_status *c = &d->caps[i];
		char what[128];
		const char *alt;

		if (c->state == DEGRADED_ATTACHED || c->state == DEGRADED_OFF)
			continue;
		alt = instead ? degraded_instead(d, i, fallback_ms, fallback_dests, fallback_udp,
						 what, sizeof(what))
			      : NULL;
		if (c->state == DEGRADED_UNUSED)
			len += snprintf(buf + len, size - len, "%s%s unused (%s attached%s%s)",
					len ? "; " : "", words[i], c->how,
					c->why[0] ? ", but " : "", c->why);
		else if (c->state == DEGRADED_SILENT)
			len += snprintf(buf + len, size - len, "%s%s silent (%s attached, but %s)",
					len ? "; " : "", words[i], c->how, c->silent);
		else
			len += snprintf(buf + len, size - len, "%s%s missing (%s)", len ? "; " : "",
					words[i], c->why);
		if (alt && len < size)
			len += snprintf(buf + len, size - len, ", instead %s", alt);
	}
}
