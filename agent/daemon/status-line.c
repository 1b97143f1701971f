// SPDX-License-Identifier: GPL-2.0-only
#include "status-line.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void status_line_count(const struct runtime *rt, uint64_t now_ns, struct status_line *ret)
{
	size_t i, j;

	ret->services = rt ? rt->n_services : 0;
	ret->dests = ret->in_rotation = 0;
	for (i = 0; rt && i < rt->n_services; i++) {
		const struct runtime_service *s = &rt->services[i];

		for (j = 0; j < s->cs->n_dests; j++) {
			ret->dests++;
			ret->in_rotation += runtime_weight(s, j, now_ns) > 0;
		}
	}
}

static void append(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* The capabilities that are not as asked for, by name: "real_destination missing". */
static void append_degraded(char *buf, size_t size, const struct degraded *d)
{
	const char *sep = "; degraded: ";
	size_t i;

	for (i = 0; d && i < DEGRADED_N_CAPS; i++) {
		enum degraded_state state = d->caps[i].state;

		if (state != DEGRADED_MISSING && state != DEGRADED_UNUSED &&
		    state != DEGRADED_SILENT)
			continue;
		append(buf, size, "%s%s %s", sep, degraded_cap_name(i), degraded_state_name(state));
		sep = ", ";
	}
}

void status_line_format(const struct status_line *st, char *buf, size_t size)
{
	if (!size)
		return;
	buf[0] = '\0';
	if (!st->services)
		append(buf, size, "no services configured: the host is left as it is");
	else
		append(buf, size, "%zu service%s, %zu of %zu destination%s in rotation",
		       st->services, st->services == 1 ? "" : "s", st->in_rotation, st->dests,
		       st->dests == 1 ? "" : "s");
	append_degraded(buf, size, st->degraded);
	if (st->reload_error)
		append(buf, size, "; last reload rejected: %s", st->reload_error);
}
