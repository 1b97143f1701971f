// SPDX-License-Identifier: GPL-2.0-only
/* One function per IPVS command. */
#include <errno.h>
#include <linux/ip_vs.h>

#include "ipvs-internal.h"

static int service_cmd(struct ipvs *h, uint8_t cmd, const struct ipvs_service *svc, bool full)
{
	struct nl_msg *msg;

	if (!h || !svc)
		return -EINVAL;
	msg = ipvs_req_start(h, cmd);
	return ipvs_req_exec(h, msg ? ipvs_fill_service(msg, svc, full) : -ENOMEM);
}

static int dest_cmd(struct ipvs *h, uint8_t cmd, const struct ipvs_service *svc,
		    const struct ipvs_dest *dest, bool full)
{
	struct nl_msg *msg;
	int r;

	if (!h || !svc || !dest)
		return -EINVAL;
	msg = ipvs_req_start(h, cmd);
	if (!msg)
		return ipvs_req_exec(h, -ENOMEM);
	/* the service is named by its key only: settings would be ignored */
	r = ipvs_fill_service(msg, svc, false);
	if (r >= 0)
		r = ipvs_fill_dest(msg, dest, svc->af, full);
	return ipvs_req_exec(h, r);
}

int ipvs_service_add(struct ipvs *h, const struct ipvs_service *svc)
{
	return service_cmd(h, IPVS_CMD_NEW_SERVICE, svc, true);
}

int ipvs_service_edit(struct ipvs *h, const struct ipvs_service *svc)
{
	return service_cmd(h, IPVS_CMD_SET_SERVICE, svc, true);
}

int ipvs_service_del(struct ipvs *h, const struct ipvs_service *svc)
{
	return service_cmd(h, IPVS_CMD_DEL_SERVICE, svc, false);
}

int ipvs_dest_add(struct ipvs *h, const struct ipvs_service *svc, const struct ipvs_dest *dest)
{
	return dest_cmd(h, IPVS_CMD_NEW_DEST, svc, dest, true);
}

int ipvs_dest_edit(struct ipvs *h, const struct ipvs_service *svc, const struct ipvs_dest *dest)
{
	return dest_cmd(h, IPVS_CMD_SET_DEST, svc, dest, true);
}

int ipvs_dest_del(struct ipvs *h, const struct ipvs_service *svc, const struct ipvs_dest *dest)
{
	return dest_cmd(h, IPVS_CMD_DEL_DEST, svc, dest, false);
}

int ipvs_flush(struct ipvs *h)
{
	struct nl_msg *msg;

	if (!h)
		return -EINVAL;
	msg = ipvs_req_start(h, IPVS_CMD_FLUSH);
	return ipvs_req_exec(h, msg ? 0 : -ENOMEM);
}

int ipvs_timeout_set(struct ipvs *h, const struct ipvs_timeouts *t)
{
	struct nl_msg *msg;

	if (!h || !t)
		return -EINVAL;
	msg = ipvs_req_start(h, IPVS_CMD_SET_CONFIG);
	return ipvs_req_exec(h, msg ? ipvs_fill_timeouts(msg, t) : -ENOMEM);
}

struct info_reply {
	struct ipvs_info *info;
	bool got;
};

static int on_info(struct nlmsghdr *nlh, void *arg)
{
	struct info_reply *r = arg;

	r->got = true;
	return ipvs_parse_info(nlh, r->info);
}

int ipvs_info(struct ipvs *h, struct ipvs_info *ret)
{
	struct info_reply reply = { .info = ret };
	struct nl_msg *msg;
	int r;

	if (!h || !ret)
		return -EINVAL;
	msg = ipvs_req_start(h, IPVS_CMD_GET_INFO);
	r = ipvs_req_query(h, msg ? 0 : -ENOMEM, false, IPVS_CMD_SET_INFO, on_info, &reply);
	if (r < 0)
		return r;
	return reply.got ? 0 : -EBADMSG;
}

struct timeouts_reply {
	struct ipvs_timeouts *t;
	bool got;
};

static int on_timeouts(struct nlmsghdr *nlh, void *arg)
{
	struct timeouts_reply *r = arg;

	r->got = true;
	return ipvs_parse_timeouts(nlh, r->t);
}

int ipvs_timeout_get(struct ipvs *h, struct ipvs_timeouts *ret)
{
	struct timeouts_reply reply = { .t = ret };
	struct nl_msg *msg;
	int r;

	if (!h || !ret)
		return -EINVAL;
	msg = ipvs_req_start(h, IPVS_CMD_GET_CONFIG);
	r = ipvs_req_query(h, msg ? 0 : -ENOMEM, false, IPVS_CMD_SET_CONFIG, on_timeouts, &reply);
	if (r < 0)
		return r;
	return reply.got ? 0 : -EBADMSG;
}
