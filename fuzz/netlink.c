// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parsers of the kernel's IPVS replies, on a datagram as the receive
 * loop (nl.c, wait_answer) gets it: walked with nlmsg_ok()/nlmsg_next(),
 * each message handed to the dispatcher of a handle waiting for a dump of
 * services, and to every reply parser. None may read outside the message or
 * accept a reply without what they promise to fill in.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/ip_vs.h>
#include <netlink/msg.h>

#include "ipvs-internal.h"

#define FAMILY 0x20 /* the generic netlink id the seeds use */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool af_valid(uint16_t af)
{
	return af == AF_INET || af == AF_INET6;
}

static int on_reply(struct nlmsghdr *nlh, void *arg)
{
	struct ipvs_service svc;
	int r = ipvs_parse_service_msg(nlh, &svc);

	if (!r && (!af_valid(svc.af) || !memchr(svc.scheduler, '\0', sizeof(svc.scheduler)) ||
		   !memchr(svc.pe_name, '\0', sizeof(svc.pe_name))))
		abort();
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipvs h = { .family = FAMILY,
			  .wait_seq = 1,
			  .on_reply = on_reply,
			  .expect_cmd = IPVS_CMD_NEW_SERVICE };
	/* the receive buffer is malloc()ed: messages start aligned */
	void *buf = malloc(size ? size : 1);
	struct nlmsghdr *nlh = buf;
	int len = (int)size;

	memcpy(buf, data, size);
	for (; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len)) {
		struct ipvs_dest dest;
		struct ipvs_info info;
		struct ipvs_timeouts t;

		ipvs_dispatch(&h, nlh);
		if (!ipvs_parse_dest_msg(nlh, AF_INET, &dest) && !af_valid(dest.af))
			abort();
		if (!ipvs_parse_dest_msg(nlh, AF_INET6, &dest) && !af_valid(dest.af))
			abort();
		ipvs_parse_info(nlh, &info);
		ipvs_parse_timeouts(nlh, &t);
	}
	free(buf);
	return 0;
}
