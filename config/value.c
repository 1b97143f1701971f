// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scalar syntaxes: integers, decimals, booleans, durations, sizes and
 * percentages. Written by hand rather than with strtoull()/strtod(), which
 * accept signs, spaces, hex, "inf" and the locale's decimal point.
 */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
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

int config_percent_parse(const char *text, uint64_t *ret)
{
	const char *end;
	uint64_t v;
	int r;

	r = digits_parse(text, &v, &end);
	if (r < 0)
		return r;
	if (end[0] == '%')
		end++;
	if (*end)
		return -EINVAL;
	*ret = v;
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

struct unit {
	const char *suffix;
	uint64_t factor;
};

/* Largest first: a compound duration names them in this order, each at most once. */
static const struct unit duration_units[] = {
	{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 },
};
#define SECOND_UNIT 3

/*
 * A fraction finer than 10^-10 of a unit is never a whole number of
 * milliseconds: the largest unit, a day, is 2^10 * 3^3 * 5^5 ms, and a
 * fraction whose last digit is not 0 lacks a factor 2 or a factor 5.
 */
#define FRACTION_DIGITS_MAX 10

static int unit_apply(uint64_t v, uint64_t factor, uint64_t *ret)
{
	if (factor && v > UINT64_MAX / factor)
		return -ERANGE;
	*ret = v * factor;
	return 0;
}

static int explain(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int explain(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (buf && size) {
		va_start(ap, fmt);
		vsnprintf(buf, size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

#define DURATION_EXAMPLES "expected a duration such as 500ms, 10s, 1.5m, 1h30m or 1d"

/* One number of a duration, "90" or "1.25": the whole part and the digits after the point. */
struct duration_number {
	uint64_t whole;
	uint64_t fraction; /* its significant digits, trailing zeros dropped */
	unsigned int fraction_digits;
	bool too_fine; /* more significant digits than any unit can take exactly */
};

static int duration_number_parse(const char *text, struct duration_number *ret,
				 const char **ret_end, char *why, size_t why_size)
{
	struct duration_number n = { 0 };
	const char *p;
	int r;

	if (text[0] == '0' && is_digit(text[1]))
		return explain(why, why_size, "a number cannot have a leading zero");
	r = digits_parse(text, &n.whole, &p);
	if (r == -EINVAL)
		return explain(why, why_size, DURATION_EXAMPLES);
	if (r < 0)
		return r;
	if (p[0] == '.' && is_digit(p[1])) {
		const char *digits = ++p;
		unsigned int significant = 0;

		for (; is_digit(*p); p++)
			if (*p != '0')
				significant = (unsigned int)(p - digits) + 1;
		if (significant > FRACTION_DIGITS_MAX) {
			n.too_fine = true;
		} else {
			for (unsigned int i = 0; i < significant; i++)
				n.fraction = n.fraction * 10 + (unsigned int)(digits[i] - '0');
			n.fraction_digits = significant;
		}
	}
	*ret = n;
	*ret_end = p;
	return 0;
}

/* N in the unit U, in milliseconds: -EINVAL (with WHY) if that is not a whole number of them. */
static int duration_number_ms(const struct duration_number *n, const struct unit *u,
			      uint64_t *ret_ms, char *why, size_t why_size)
{
	uint64_t scale = 1, part, whole;
	int r;

	for (unsigned int i = 0; i < n->fraction_digits; i++)
		scale *= 10;
	/* fraction < 10^10 and factor < 10^8: the product fits */
	if (n->too_fine || n->fraction * u->factor % scale)
		return explain(why, why_size, "finer than a millisecond");
	part = n->fraction * u->factor / scale;
	r = unit_apply(n->whole, u->factor, &whole);
	if (r < 0)
		return r;
	if (whole > UINT64_MAX - part)
		return -ERANGE;
	*ret_ms = whole + part;
	return 0;
}

/* The unit whose suffix is the word at TEXT (its letters); -1 if none is. */
static int duration_unit_find(const char *text, size_t *ret_len)
{
	size_t len = 0;

	while ((text[len] >= 'a' && text[len] <= 'z') || (text[len] >= 'A' && text[len] <= 'Z'))
		len++;
	*ret_len = len;
	for (size_t i = 0; i < ARRAY_SIZE(duration_units); i++)
		if (strlen(duration_units[i].suffix) == len &&
		    !strncmp(text, duration_units[i].suffix, len))
			return (int)i;
	return -1;
}

int config_duration_parse_why(const char *text, uint64_t *ret_ms, char *why, size_t why_size)
{
	const char *p = text;
	uint64_t total = 0;
	int last = -1;

	do {
		/* initialised for GCC, which misses that every error path returns */
		const char *number = p, *word = p;
		struct duration_number n = { 0 };
		uint64_t ms = 0;
		size_t len;
		int u, r;

		r = duration_number_parse(number, &n, &word, why, why_size);
		if (r < 0)
			return r;
		u = duration_unit_find(word, &len);
		p = word + len;
		if (len == 0) {
			if (*p)
				return explain(why, why_size, DURATION_EXAMPLES);
			/* a bare number is seconds, but only on its own: "1m30" lacks a unit */
			if (last >= 0)
				return explain(why, why_size,
					       "\"%.*s\" has no unit (d, h, m, s or ms; only a "
					       "number on its own means seconds)",
					       (int)(word - number > 24 ? 24 : word - number),
					       number);
			u = SECOND_UNIT;
		} else if (u < 0) {
			return explain(why, why_size,
				       "unknown unit \"%.*s\" (expected d, h, m, s or ms)",
				       (int)(len > 16 ? 16 : len), word);
		} else if (u <= last) {
			return explain(
			    why, why_size,
			    "units go from largest to smallest, each at most once: d, h, "
			    "m, s, ms");
		}
		r = duration_number_ms(&n, &duration_units[u], &ms, why, why_size);
		if (r < 0)
			return r;
		if (total > UINT64_MAX - ms)
			return -ERANGE;
		total += ms;
		last = u;
	} while (*p);
	*ret_ms = total;
	return 0;
}

int config_duration_parse(const char *text, uint64_t *ret_ms)
{
	return config_duration_parse_why(text, ret_ms, NULL, 0);
}

/* Appends to BUF at *USED; -ENOSPC (BUF still a string) if it does not fit. */
static int append(char *buf, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int append(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *used, size - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *used)
		return -ENOSPC;
	*used += (size_t)n;
	return 0;
}

/*
 * Days, hours and minutes, then seconds with up to three decimals ("1m30.5s"),
 * or milliseconds when less than a second is left ("500ms", "1m500ms").
 */
int config_duration_format(uint64_t ms, char *buf, size_t size)
{
	unsigned long long sec, frac;
	size_t used = 0;
	int r = 0;

	if (!size)
		return -ENOSPC;
	buf[0] = '\0';
	if (!ms)
		return append(buf, size, &used, "0s");
	for (size_t i = 0; i < SECOND_UNIT && !r; i++)
		if (ms >= duration_units[i].factor) {
			r = append(buf, size, &used, "%llu%s",
				   (unsigned long long)(ms / duration_units[i].factor),
				   duration_units[i].suffix);
			ms %= duration_units[i].factor;
		}
	if (r < 0 || !ms)
		return r;
	if (ms < 1000)
		return append(buf, size, &used, "%llums", (unsigned long long)ms);
	sec = ms / 1000;
	frac = ms % 1000;
	if (!frac)
		return append(buf, size, &used, "%llus", sec);
	if (frac % 100 == 0)
		return append(buf, size, &used, "%llu.%01llus", sec, frac / 100);
	if (frac % 10 == 0)
		return append(buf, size, &used, "%llu.%02llus", sec, frac / 10);
	return append(buf, size, &used, "%llu.%03llus", sec, frac);
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
