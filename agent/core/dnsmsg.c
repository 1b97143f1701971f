// SPDX-License-Identifier: GPL-2.0-only
#include "dnsmsg.h"

#include <errno.h>
#include <string.h>

#define FLAG_QR     0x8000
#define OPCODE_MASK 0x7800
#define RCODE_MASK  0x000f

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* NAME in wire form (length-prefixed labels, then 0) into OUT: its length, or -EINVAL. */
static int encode_name(const char *name, uint8_t out[DNSMSG_NAME_MAX])
{
	size_t len = strlen(name), used = 0;
	const char *label = name;

	if (!strcmp(name, ".")) {
		out[0] = 0;
		return 1;
	}
	if (len && name[len - 1] == '.')
		len--;
	if (len == 0)
		return -EINVAL;
	while (label <= name + len) {
		const char *dot = memchr(label, '.', (size_t)(name + len - label));
		size_t n = (dot ? dot : name + len) - label;

		/* an empty label would end the name early; 63 is all a length byte can say */
		if (n == 0 || n > 63 || used + 1 + n + 1 > DNSMSG_NAME_MAX)
			return -EINVAL;
		out[used++] = (uint8_t)n;
		memcpy(out + used, label, n);
		used += n;
		label += n + 1;
	}
	out[used++] = 0;
	return (int)used;
}

int dnsmsg_query(uint16_t id, const char *name, uint8_t *buf, size_t size)
{
	uint8_t wire[DNSMSG_NAME_MAX];
	int n = encode_name(name, wire);
	size_t len;

	if (n < 0)
		return n;
	len = DNSMSG_HEADER_SIZE + (size_t)n + 4;
	if (len > size)
		return -ENOSPC;
	memset(buf, 0, DNSMSG_HEADER_SIZE);
	put16(buf, id);
	/* flags 0: a query, opcode QUERY, RD clear */
	put16(buf + 4, 1); /* QDCOUNT */
	memcpy(buf + DNSMSG_HEADER_SIZE, wire, (size_t)n);
	put16(buf + DNSMSG_HEADER_SIZE + n, DNSMSG_TYPE_SOA);
	put16(buf + DNSMSG_HEADER_SIZE + n + 2, DNSMSG_CLASS_IN);
	return (int)len;
}

int dnsmsg_check_response(const uint8_t *msg, size_t len, uint16_t id)
{
	uint16_t flags;

	if (len < DNSMSG_HEADER_SIZE)
		return -EBADMSG;
	flags = get16(msg + 2);
	if (!(flags & FLAG_QR) || (flags & OPCODE_MASK) || get16(msg + 4) > 1)
		return -EBADMSG;
	if (get16(msg) != id)
		return -ESRCH;
	return flags & RCODE_MASK;
}
