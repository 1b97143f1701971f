// SPDX-License-Identifier: GPL-2.0-only
/* "10.0.0.1:80" and "[fd00::1]:80": IP literals only, host names are never resolved. */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

_Static_assert(CONFIG_ADDR_STRLEN == INET6_ADDRSTRLEN + 8, "CONFIG_ADDR_STRLEN fits [v6]:port");

static int why(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int why(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (buf && size) {
		va_start(ap, fmt);
		vsnprintf(buf, size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Copies TEXT[0..len) to a NUL-terminated host buffer; false if it does not fit. */
static bool host_copy(char host[INET6_ADDRSTRLEN], const char *text, size_t len)
{
	if (len >= INET6_ADDRSTRLEN)
		return false;
	memcpy(host, text, len);
	host[len] = '\0';
	return true;
}

static int port_parse(const char *text, uint16_t *ret, char *why_buf, size_t why_size)
{
	char q[CONFIG_QUOTE_SIZE];
	uint64_t v;
	int r;

	r = config_uint_parse(text, &v);
	if (r == -EINVAL)
		return why(why_buf, why_size, "bad port %s (expected 1..65535)",
			   config_quote(text, q, sizeof(q)));
	if (r < 0 || v < 1 || v > 65535)
		return why(why_buf, why_size, "port %s is out of range 1..65535",
			   config_quote(text, q, sizeof(q)));
	*ret = (uint16_t)v;
	return 0;
}

static int unbracketed_ipv6(const char *text, const char *last_colon, char *why_buf,
			    size_t why_size)
{
	char host[INET6_ADDRSTRLEN];
	uint8_t a[16];
	uint16_t port;

	/* fd00::10:443 is ambiguous to a reader; suggest the split that parses. */
	if (host_copy(host, text, last_colon - text) && inet_pton(AF_INET6, host, a) == 1 &&
	    port_parse(last_colon + 1, &port, NULL, 0) == 0)
		return why(why_buf, why_size, CONFIG_IPV6_BRACKETS ": [%s]:%u", host, port);
	if (host_copy(host, text, strlen(text)) && inet_pton(AF_INET6, host, a) == 1)
		return why(why_buf, why_size, CONFIG_IPV6_BRACKETS " and a port: [%s]:PORT", host);
	return why(why_buf, why_size, "expected address:port such as 10.0.0.1:80 or [fd00::1]:80");
}

int config_addr_parse(const char *text, struct config_addr *ret, char *why_buf, size_t why_size)
{
	char host[INET6_ADDRSTRLEN], q[CONFIG_QUOTE_SIZE];
	struct config_addr a = { 0 };
	const char *close, *colon;
	int r;

	if (text[0] == '[') {
		close = strchr(text, ']');
		if (!close)
			return why(why_buf, why_size, "missing ']' after the IPv6 address");
		if (!host_copy(host, text + 1, close - text - 1) ||
		    inet_pton(AF_INET6, host, a.addr) != 1)
			return why(why_buf, why_size, "bad IPv6 address in %s",
				   config_quote(text, q, sizeof(q)));
		if (close[1] == '\0')
			return why(why_buf, why_size, "missing port (expected %.*s:PORT)",
				   (int)(close - text + 1), text);
		if (close[1] != ':')
			return why(why_buf, why_size, "expected ':' and a port after %.*s",
				   (int)(close - text + 1), text);
		r = port_parse(close + 2, &a.port, why_buf, why_size);
		if (r < 0)
			return r;
		a.family = AF_INET6;
		*ret = a;
		return 0;
	}

	colon = strrchr(text, ':');
	if (!colon) {
		if (inet_pton(AF_INET, text, a.addr) == 1)
			return why(why_buf, why_size, "missing port (expected %s:PORT)", text);
		if (host_copy(host, text, strlen(text)) && inet_pton(AF_INET6, host, a.addr) == 1)
			return why(why_buf, why_size, CONFIG_IPV6_BRACKETS " and a port: [%s]:PORT",
				   host);
		return why(why_buf, why_size,
			   "expected address:port such as 10.0.0.1:80 or [fd00::1]:80");
	}
	if (memchr(text, ':', colon - text))
		return unbracketed_ipv6(text, colon, why_buf, why_size);
	if (!host_copy(host, text, colon - text) || inet_pton(AF_INET, host, a.addr) != 1)
		return why(
		    why_buf, why_size,
		    "%s is not an IPv4 address or a bracketed IPv6 address (host names are "
		    "not resolved)",
		    config_quote(host_copy(host, text, colon - text) ? host : text, q, sizeof(q)));
	r = port_parse(colon + 1, &a.port, why_buf, why_size);
	if (r < 0)
		return r;
	a.family = AF_INET;
	*ret = a;
	return 0;
}

int config_addr_format(const struct config_addr *a, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	int n;

	if (a->family != AF_INET && a->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!inet_ntop(a->family, a->addr, host, sizeof(host)))
		return -errno;
	if (a->family == AF_INET6)
		n = snprintf(buf, size, "[%s]:%u", host, a->port);
	else
		n = snprintf(buf, size, "%s:%u", host, a->port);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}
