// SPDX-License-Identifier: GPL-2.0-only
#include "conntable.h"
#include "why.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* What the header of every kernel since 2.6 begins with (2.6.37 added PEName PEData). */
#define HEADER "Pro FromIP"

/* protocol, client, port, virtual, port, destination, port, state, expiry; engine, data */
#define FIELDS     9
#define MAX_FIELDS 11

struct field {
	const char *p;
	size_t len;
};

/* A field as an error message quotes it: its first 32 bytes, anything unprintable as '?'. */
static const char *quote(const struct field *f, char *buf, size_t size)
{
	size_t i, n = f->len < 32 ? f->len : 32;

	if (size < n + 4)
		return "";
	for (i = 0; i < n; i++)
		buf[i] = f->p[i] >= 0x20 && f->p[i] < 0x7f ? f->p[i] : '?';
	strcpy(buf + n, f->len > n ? "..." : "");
	return buf;
}

/*
 * LINE's fields, split at runs of spaces (the kernel pads the protocol, the
 * state and the expiry), at most MAX: the last takes the rest of the line, so
 * that the persistence engine's data is kept whole. Their number.
 */
static size_t split(const char *line, size_t len, struct field *f, size_t max)
{
	const char *p = line, *end = line + len;
	size_t n = 0;

	while (n < max) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		f[n].p = p;
		if (n + 1 < max)
			while (p < end && *p != ' ')
				p++;
		else
			p = end;
		f[n].len = p - f[n].p;
		n++;
	}
	return n;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly DIGITS hex digits (the kernel's %08X, %04X). */
static bool hex_parse(const struct field *f, size_t digits, uint32_t *ret)
{
	uint32_t v = 0;
	size_t i;

	if (f->len != digits)
		return false;
	for (i = 0; i < digits; i++) {
		int d = hex_digit(f->p[i]);

		if (d < 0)
			return false;
		v = v << 4 | (uint32_t)d;
	}
	*ret = v;
	return true;
}

/* "0A640102" (IPv4, the kernel's %08X) or an IPv6 address (its %pI6, in full). */
static bool addr_parse(const struct field *f, struct config_addr *ret)
{
	char text[INET6_ADDRSTRLEN];
	uint32_t v4;

	memset(ret, 0, sizeof(*ret));
	if (hex_parse(f, 8, &v4)) {
		v4 = htonl(v4);
		memcpy(ret->addr, &v4, 4);
		ret->family = AF_INET;
		return true;
	}
	if (f->len >= sizeof(text) || !memchr(f->p, ':', f->len))
		return false;
	memcpy(text, f->p, f->len);
	text[f->len] = '\0';
	if (inet_pton(AF_INET6, text, ret->addr) != 1)
		return false;
	ret->family = AF_INET6;
	return true;
}

/* An address field and the port field after it. */
static int endpoint_parse(const struct field *f, const char *what, struct config_addr *ret,
			  char *why, size_t why_size)
{
	char q[40];
	uint32_t port;

	if (!addr_parse(&f[0], ret))
		return why_is(why, why_size,
			      "the %s address \"%s\" is neither 8 hex digits (IPv4) nor an IPv6 "
			      "address",
			      what, quote(&f[0], q, sizeof(q)));
	if (!hex_parse(&f[1], 4, &port))
		return why_is(why, why_size, "the %s port \"%s\" is not 4 hex digits", what,
			      quote(&f[1], q, sizeof(q)));
	ret->port = (uint16_t)port;
	return 0;
}

/* F into BUF (SIZE with its NUL) if it is 1 to SIZE - 1 bytes, each one that ALLOWED takes. */
static bool word_copy(const struct field *f, char *buf, size_t size, bool (*allowed)(char))
{
	size_t i;

	if (f->len == 0 || f->len >= size)
		return false;
	for (i = 0; i < f->len; i++)
		if (!allowed(f->p[i]))
			return false;
	memcpy(buf, f->p, f->len);
	buf[f->len] = '\0';
	return true;
}

/* The kernel's protocol names: "TCP", "SCTP", "ICMPv6", "IP_47". */
static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* States ("ESTABLISHED", "ERR!", "?") and engine names: printable, no space. */
static bool graph_char(char c)
{
	return c > 0x20 && c < 0x7f;
}

static bool print_char(char c)
{
	return c >= 0x20 && c < 0x7f;
}

/* The expiry: the kernel's %7u, seconds. */
static bool expires_parse(const struct field *f, uint32_t *ret)
{
	uint64_t v = 0;
	size_t i;

	if (f->len == 0 || f->len > 10)
		return false;
	for (i = 0; i < f->len; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(f->p[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

/* The persistence engine's name and data, after the expiry, when the connection has them. */
static int engine_parse(const struct field *f, size_t n, struct conntable_conn *ret, char *why,
			size_t why_size)
{
	char q[40];

	if (n <= FIELDS)
		return 0;
	if (!word_copy(&f[FIELDS], ret->pe_name, sizeof(ret->pe_name), graph_char))
		return why_is(why, why_size,
			      "the persistence engine \"%s\" is not a name of up to %zu characters",
			      quote(&f[FIELDS], q, sizeof(q)), sizeof(ret->pe_name) - 1);
	/* "sip " with no data is what the kernel prints for an engine that had none */
	if (n > FIELDS + 1 &&
	    !word_copy(&f[FIELDS + 1], ret->pe_data, sizeof(ret->pe_data), print_char))
		return why_is(why, why_size,
			      "the persistence engine's data \"%s\" is not up to %zu printable "
			      "characters",
			      quote(&f[FIELDS + 1], q, sizeof(q)), sizeof(ret->pe_data) - 1);
	return 0;
}

int conntable_header(const char *line, size_t len, char *why, size_t why_size)
{
	struct field f = { line, len };
	char q[40];

	if (len < strlen(HEADER) || memcmp(line, HEADER, strlen(HEADER)))
		return why_is(why, why_size,
			      "\"%s\" is not the header of /proc/net/ip_vs_conn (\"" HEADER
			      " ...\")",
			      quote(&f, q, sizeof(q)));
	return 0;
}

int conntable_parse_line(const char *line, size_t len, struct conntable_conn *ret, char *why,
			 size_t why_size)
{
	struct field f[MAX_FIELDS];
	size_t n = split(line, len, f, MAX_FIELDS);
	char q[40];
	int r;

	memset(ret, 0, sizeof(*ret));
	if (n < FIELDS)
		return why_is(why, why_size,
			      "%zu fields where a connection has 9 (protocol, client address and "
			      "port, virtual address and port, destination address and port, "
			      "state, expiry)",
			      n);
	if (!word_copy(&f[0], ret->protocol, sizeof(ret->protocol), name_char))
		return why_is(why, why_size, "the protocol \"%s\" is not a protocol's name",
			      quote(&f[0], q, sizeof(q)));
	r = endpoint_parse(&f[1], "client", &ret->client, why, why_size);
	if (!r)
		r = endpoint_parse(&f[3], "virtual", &ret->virt, why, why_size);
	if (!r)
		r = endpoint_parse(&f[5], "destination", &ret->dest, why, why_size);
	if (r < 0)
		return r;
	/* the kernel prints both with the connection's family; only the destination's may differ */
	if (ret->client.family != ret->virt.family)
		return why_is(why, why_size, "the client address is %s and the virtual one %s",
			      ret->client.family == AF_INET6 ? "IPv6" : "IPv4",
			      ret->virt.family == AF_INET6 ? "IPv6" : "IPv4");
	if (!word_copy(&f[7], ret->state, sizeof(ret->state), graph_char))
		return why_is(why, why_size, "the state \"%s\" is not a state's name",
			      quote(&f[7], q, sizeof(q)));
	if (!expires_parse(&f[8], &ret->expires))
		return why_is(why, why_size,
			      "the expiry \"%s\" is not a number of seconds up to 4294967295",
			      quote(&f[8], q, sizeof(q)));
	return engine_parse(f, n, ret, why, why_size);
}

uint32_t conntable_fwmark(const struct conntable_conn *c)
{
	uint32_t mark;

	/* ip_vs_sched_persist() keys a fwmark service's template on the mark as its address */
	if (strcmp(c->protocol, "IP"))
		return 0;
	memcpy(&mark, c->virt.addr, 4);
	return ntohl(mark);
}

void conntable_reader_init(struct conntable_reader *r)
{
	r->line = 0;
	r->len = 0;
}

/* The line in r->buf: the header first, then a connection for EACH. */
static int take_line(struct conntable_reader *r, conntable_fn each, void *data, char *why,
		     size_t why_size)
{
	struct conntable_conn c;
	char reason[256];
	int err;

	r->line++;
	if (r->line == 1)
		err = conntable_header(r->buf, r->len, reason, sizeof(reason));
	else
		err = conntable_parse_line(r->buf, r->len, &c, reason, sizeof(reason));
	r->len = 0;
	if (err < 0)
		return why_is(why, why_size, "line %u: %s", r->line, reason);
	return r->line == 1 ? 0 : each(&c, data);
}

int conntable_feed(struct conntable_reader *r, const char *text, size_t len, conntable_fn each,
		   void *data, char *why, size_t why_size)
{
	const char *p = text, *end = text + len;
	int err;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (n > sizeof(r->buf) - r->len)
			return why_is(why, why_size, "line %u: longer than %zu bytes", r->line + 1,
				      sizeof(r->buf));
		memcpy(r->buf + r->len, p, n);
		r->len += n;
		if (!nl)
			break;
		err = take_line(r, each, data, why, why_size);
		if (err < 0)
			return err;
		p = nl + 1;
	}
	return 0;
}

int conntable_finish(struct conntable_reader *r, conntable_fn each, void *data, char *why,
		     size_t why_size)
{
	if (r->len)
		return take_line(r, each, data, why, why_size);
	if (!r->line)
		return why_is(why, why_size, "empty: not even the header line");
	return 0;
}

int conntable_parse(const char *text, size_t len, conntable_fn each, void *data, char *why,
		    size_t why_size)
{
	struct conntable_reader r;
	int err;

	conntable_reader_init(&r);
	err = conntable_feed(&r, text, len, each, data, why, why_size);
	return err < 0 ? err : conntable_finish(&r, each, data, why, why_size);
}
