/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parsers' error reply: the reason into the caller's buffer (if it gave
 * one), and -EINVAL to return.
 */
#ifndef VIGIL_PROTO_WHY_H
#define VIGIL_PROTO_WHY_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static inline int why_is(char *why, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline int why_is(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why && size) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

#endif
