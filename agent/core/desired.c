// SPDX-License-Identifier: GPL-2.0-only
#include "desired.h"

#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t forwarding_of(enum config_forwarding f)
{
	switch (f) {
	case CONFIG_FORWARD_ROUTE:
		return IPVS_FWD_ROUTE;
	case CONFIG_FORWARD_TUNNEL:
		return IPVS_FWD_TUNNEL;
	case CONFIG_FORWARD_MASQ:
	default:
		return IPVS_FWD_MASQ;
	}
}

void desired_service(const struct config_service *cs, struct ipvs_service *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->af = cs->vip.family;
	/*
	 * IPVS keys a fwmark service by family and mark alone; the protocol
	 * and address stay 0, as its dumps have them, so that the two compare
	 * equal in reconcile.
	 */
	if (cs->fwmark) {
		ret->fwmark = cs->fwmark;
	} else {
		ret->protocol = cs->protocol;
		memcpy(&ret->addr, cs->vip.addr, sizeof(ret->addr));
		ret->port = cs->vip.port;
	}
	snprintf(ret->scheduler, sizeof(ret->scheduler), "%s", cs->policy.scheduler);
	if (cs->policy.persistence_ms) {
		ret->flags = IPVS_SVC_F_PERSISTENT;
		ret->timeout = cs->policy.persistence_ms / 1000;
	}
	if (cs->ops)
		ret->flags |= IPVS_SVC_F_ONEPACKET;
	/* one client address per persistence entry, as ipvsadm's default */
	ret->netmask = cs->vip.family == AF_INET6 ? 128 : 0xffffffff;
}

static void dest_of(const struct config_service *cs, const struct config_dest *cd,
		    struct ipvs_dest *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->af = cd->addr.family;
	memcpy(&ret->addr, cd->addr.addr, sizeof(ret->addr));
	ret->port = cd->addr.port;
	ret->fwd = forwarding_of(cs->policy.forwarding);
	ret->weight = cd->weight;
}

int desired_build_weighted(const struct config_service *services, size_t count,
			   desired_weight_fn weight, const void *ctx, struct ipvs_table **ret)
{
	size_t i, j, n_dests = 0, d = 0;
	struct ipvs_table *t;
	struct ipvs_dest *dests;

	for (i = 0; i < count; i++)
		n_dests += services[i].n_dests;
	/* one allocation, the layout ipvs_table_free() expects */
	t = calloc(1, sizeof(*t) + count * sizeof(*t->services) + n_dests * sizeof(*dests));
	if (!t)
		return -ENOMEM;
	t->services = (struct ipvs_table_service *)(t + 1);
	dests = (struct ipvs_dest *)(t->services + count);
	t->n_services = count;
	for (i = 0; i < count; i++) {
		const struct config_service *cs = &services[i];
		struct ipvs_table_service *ts = &t->services[i];

		desired_service(cs, &ts->svc);
		ts->dests = dests + d;
		for (j = 0; j < cs->n_dests; j++) {
			uint32_t w = weight ? weight(ctx, i, j) : cs->dests[j].weight;

			if (w == DESIRED_OMIT)
				continue;
			dest_of(cs, &cs->dests[j], &dests[d]);
			dests[d++].weight = w;
			ts->n_dests++;
		}
	}
	t->n_dests = d;
	*ret = t;
	return 0;
}

int desired_build(const struct config *c, struct ipvs_table **ret)
{
	return desired_build_weighted(c->services, c->n_services, NULL, NULL, ret);
}

const struct config_service *desired_find(const struct config *c, const struct ipvs_service *svc)
{
	size_t len = svc->af == AF_INET6 ? 16 : 4;
	uint32_t i;

	for (i = 0; i < c->n_services; i++) {
		const struct config_service *cs = &c->services[i];

		if (cs->fwmark != svc->fwmark || cs->vip.family != svc->af)
			continue;
		if (svc->fwmark || (cs->protocol == svc->protocol && cs->vip.port == svc->port &&
				    !memcmp(cs->vip.addr, &svc->addr, len)))
			return cs;
	}
	return NULL;
}

static char *describe(uint16_t af, const union ipvs_addr *addr, uint16_t port, char *buf,
		      size_t size)
{
	struct config_addr a = { .family = af, .port = port };

	memcpy(a.addr, addr, sizeof(a.addr));
	if (config_addr_format(&a, buf, size) < 0)
		snprintf(buf, size, "?");
	return buf;
}

char *desired_describe_service(const struct ipvs_service *svc, char *buf, size_t size)
{
	char where[DESIRED_DESCRIBE_MAX];

	if (svc->fwmark) {
		snprintf(buf, size, "fwmark %u%s", svc->fwmark,
			 svc->af == AF_INET6 ? " inet6" : "");
		return buf;
	}
	describe(svc->af, &svc->addr, svc->port, where, sizeof(where));
	snprintf(buf, size, "%s %s", config_protocol_name(svc->protocol), where);
	return buf;
}

char *desired_describe_dest(const struct ipvs_service *svc, const struct ipvs_dest *dest, char *buf,
			    size_t size)
{
	return describe(dest->af ? dest->af : svc->af, &dest->addr, dest->port, buf, size);
}

char *desired_describe_op(const struct config *c, const struct reconcile_op *op, char *buf,
			  size_t size)
{
	const struct config_service *cs = desired_find(c, &op->svc);
	char svc[DESIRED_DESCRIBE_MAX], dest[DESIRED_DESCRIBE_MAX];

	desired_describe_service(&op->svc, svc, sizeof(svc));
	switch (op->type) {
	case RECONCILE_SERVICE_ADD:
	case RECONCILE_SERVICE_EDIT:
	case RECONCILE_SERVICE_DEL:
		snprintf(buf, size, "%s %s%s%s%s",
			 op->type == RECONCILE_SERVICE_ADD    ? "add service"
			 : op->type == RECONCILE_SERVICE_EDIT ? "change service"
							      : "delete service",
			 svc, cs ? " (" : "", cs ? cs->name : "", cs ? ")" : "");
		break;
	default:
		desired_describe_dest(&op->svc, &op->dest, dest, sizeof(dest));
		snprintf(buf, size, "%s %s %s %s%s%s%s",
			 op->type == RECONCILE_DEST_ADD    ? "add destination"
			 : op->type == RECONCILE_DEST_EDIT ? "change destination"
							   : "delete destination",
			 dest, op->type == RECONCILE_DEST_ADD ? "to" : "of", svc, cs ? " (" : "",
			 cs ? cs->name : "", cs ? ")" : "");
	}
	return buf;
}
