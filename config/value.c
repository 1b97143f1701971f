// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scalar syntaxes: integers, decimals, booleans, durations, sizes and
 * percentages. Written by hand rather than with strtoull()/strtod(), which
 * accept signs, spaces, hex, "inf" and the locale's decimal point.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Enough for the largest exact double mantissa: 10^15 < 2^53. */
#define DECIMAL_DIGITS_MAX 15

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The digits at the start of TEXT; *ret_end is the first byte after them. */
static int digits_parse(const char *text, uint64_t *ret, const char **ret_end)
{
	uint64_t v = 0;
	const char *p = text;

	if (!is_digit(*p))
		return -EINVAL;
	/* YAML 1.1 reads 010 as octal; refuse to guess which one was meant. */
	if (p[0] == '0' && is_digit(p[1]))
		return -EINVAL;
	for (; is_digit(*p); p++) {
		unsigned int d = *p - '0';

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	*ret_end = p;
	return 0;
}

int config_uint_parse(const char *text, uint64_t *ret)
{
	const char *end;
	uint64_t v;
	int r;

	r = digits_parse(text, &v, &end);
	if (r < 0)
		return r;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "12.5" -> 125 and 1 digit after the point. */
static int decimal_split(const char *text, uint64_t *ret_mantissa, unsigned int *ret_scale,
			 const char **ret_end)
{
	uint64_t m = 0;
	unsigned int digits = 0, scale = 0;
	bool point = false;
	const char *p = text;

	if (!is_digit(*p) || (p[0] == '0' && is_digit(p[1])))
		return -EINVAL;
	for (;; p++) {
		if (*p == '.' && !point && is_digit(p[1])) {
			point = true;
			continue;
		}
		if (!is_digit(*p))
			break;
		if (++digits > DECIMAL_DIGITS_MAX)
			return -EINVAL;
		m = m * 10 + (*p - '0');
		scale += point;
	}
	*ret_mantissa = m;
	*ret_scale = scale;
	*ret_end = p;
	return 0;
}

/* One division by an exact power of ten, so "0.1" gives the double nearest 0.1. */
static double decimal_value(uint64_t mantissa, unsigned int scale)
{
	double div = 1;

	while (scale--)
		div *= 10;
	return (double)mantissa / div;
}

int config_decimal_parse(const char *text, double *ret)
{
	uint64_t m;
	unsigned int scale;
	const char *end;
	int r;

	r = decimal_split(text, &m, &scale, &end);
	if (r < 0)
		return r;
	if (*end)
		return -EINVAL;
	*ret = decimal_value(m, scale);
	return 0;
}

int config_fraction_parse(const char *text, double *ret)
{
	uint64_t m;
	unsigned int scale;
	const char *end;
	int r;

	r = decimal_split(text, &m, &scale, &end);
	if (r < 0)
		return r;
	if (end[0] == '%' && end[1] == '\0') {
		*ret = decimal_value(m, scale + 2);
		return 0;
	}
	if (*end)
		return -EINVAL;
	*ret = decimal_value(m, scale);
	return 0;
}

int config_bool_parse(const char *text, bool *ret)
{
	static const struct {
		const char *word;
		bool value;
	} words[] = {
		{ "true", true }, { "True", true },   { "TRUE", true },   { "yes", true },
		{ "Yes", true },  { "YES", true },    { "on", true },     { "On", true },
		{ "ON", true },   { "false", false }, { "False", false }, { "FALSE", false },
		{ "no", false },  { "No", false },    { "NO", false },    { "off", false },
		{ "Off", false }, { "OFF", false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (!strcmp(text, words[i].word)) {
			*ret = words[i].value;
			return 0;
		}
	return -EINVAL;
}

static const struct unit {
	const char *suffix;
	uint64_t factor;
} duration_units[] = {
	/* largest first: config_duration_format() picks the first exact one */
	{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 },
};

static int unit_apply(uint64_t v, uint64_t factor, uint64_t *ret)
{
	if (factor && v > UINT64_MAX / factor)
		return -ERANGE;
	*ret = v * factor;
	return 0;
}

int config_duration_parse(const char *text, uint64_t *ret_ms)
{
	const char *end;
	uint64_t v;
	int r;

	r = digits_parse(text, &v, &end);
	if (r < 0)
		return r;
	if (!*end)
		return unit_apply(v, 1000, ret_ms); /* a bare number is seconds */
	for (size_t i = 0; i < ARRAY_SIZE(duration_units); i++)
		if (!strcmp(end, duration_units[i].suffix))
			return unit_apply(v, duration_units[i].factor, ret_ms);
	return -EINVAL;
}

int config_duration_format(uint64_t ms, char *buf, size_t size)
{
	const struct unit *u = &duration_units[ARRAY_SIZE(duration_units) - 1];
	int n;

	for (size_t i = 0; ms && i < ARRAY_SIZE(duration_units); i++)
		if (ms % duration_units[i].factor == 0) {
			u = &duration_units[i];
			break;
		}
	if (!ms)
		u = &duration_units[3]; /* "0s" reads better than "0d" */
	n = snprintf(buf, size, "%llu%s", (unsigned long long)(ms / u->factor), u->suffix);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

int config_size_parse(const char *text, uint64_t *ret_bytes)
{
	static const struct unit units[] = {
		{ "", 1 },
		{ "KiB", 1ull << 10 },
		{ "MiB", 1ull << 20 },
		{ "GiB", 1ull << 30 },
	};
	const char *end;
	uint64_t v;
	int r;

	r = digits_parse(text, &v, &end);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcmp(end, units[i].suffix))
			return unit_apply(v, units[i].factor, ret_bytes);
	return -EINVAL;
}

const char *config_quote(const char *text, char *buf, size_t size)
{
	size_t n = 0, limit = size > 8 ? size - 6 : 0; /* room for '"', "...", '"', NUL */
	const unsigned char *p;

	if (size < 8) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	buf[n++] = '"';
	for (p = (const unsigned char *)text; *p; p++) {
		char esc[5];
		size_t len;

		/* Keep terminals safe from escape sequences in a hostile config. */
		if (*p == '"' || *p == '\\')
			len = (size_t)snprintf(esc, sizeof(esc), "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			len = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", *p);
		else
			len = (size_t)snprintf(esc, sizeof(esc), "%c", *p);
		if (n + len > limit) {
			memcpy(buf + n, "...", 3);
			n += 3;
			break;
		}
		memcpy(buf + n, esc, len);
		n += len;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return buf;
}
