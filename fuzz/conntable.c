// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reader of /proc/net/ip_vs_conn on arbitrary bytes: it must take the
 * text or refuse it with a line number and a reason, give only connections
 * whose fields hold what their comments promise, never read past the text
 * (not NUL-terminated here) and never write past a line's buffer. Read in
 * pieces, the text must give exactly what it gives whole: vigilctl reads the
 * file a piece at a time.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conntable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct digest {
	size_t n;
	uint64_t sum; /* of every connection's bytes, in order */
};

static void check_conn(const struct conntable_conn *c)
{
	if (!c->protocol[0] || !c->state[0] ||
	    strnlen(c->protocol, sizeof(c->protocol)) == sizeof(c->protocol))
		abort();
	if (strnlen(c->state, sizeof(c->state)) == sizeof(c->state) ||
	    strnlen(c->pe_name, sizeof(c->pe_name)) == sizeof(c->pe_name) ||
	    strnlen(c->pe_data, sizeof(c->pe_data)) == sizeof(c->pe_data))
		abort();
	if ((c->client.family != AF_INET && c->client.family != AF_INET6) ||
	    c->virt.family != c->client.family ||
	    (c->dest.family != AF_INET && c->dest.family != AF_INET6))
		abort();
}

static int take(const struct conntable_conn *c, void *data)
{
	struct digest *d = data;
	const uint8_t *p = (const uint8_t *)c;
	size_t i;

	check_conn(c);
	d->n++;
	for (i = 0; i < sizeof(*c); i++)
		d->sum = d->sum * 31 + p[i];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest whole = { 0 }, pieces = { 0 };
	struct conntable_reader r;
	char why[512] = "", why2[512] = "";
	/* a piece size from the input itself, so that the fuzzer explores the cuts */
	size_t step = size ? data[0] % 61 + 1 : 1, off;
	int rc, rc2 = 0;

	rc = conntable_parse((const char *)data, size, take, &whole, why, sizeof(why));
	if (rc < 0 && (rc != -EINVAL || !why[0]))
		abort(); /* refused: always with a reason */

	conntable_reader_init(&r);
	for (off = 0; off < size && rc2 == 0; off += step)
		rc2 = conntable_feed(&r, (const char *)data + off,
				     size - off < step ? size - off : step, take, &pieces, why2,
				     sizeof(why2));
	if (rc2 == 0)
		rc2 = conntable_finish(&r, take, &pieces, why2, sizeof(why2));
	if (rc2 != rc || pieces.n != whole.n || pieces.sum != whole.sum || strcmp(why, why2))
		abort();
	return 0;
}
