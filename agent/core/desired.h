/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * From the configuration to what the kernel should hold: the IPVS table the
 * services ask for, in the ipvs library's model. Pure.
 */
#ifndef VIGIL_AGENT_DESIRED_H
#define VIGIL_AGENT_DESIRED_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "ipvs.h"
#include "reconcile.h"

/* Room for "udp [ffff:...:ffff]:65535". */
#define DESIRED_DESCRIBE_MAX 64

/* A weight that leaves the destination out of the table. */
#define DESIRED_OMIT UINT32_MAX

/*
 * The weight of destination DEST of the SVC-th service built, or DESIRED_OMIT.
 * CTX is passed through, read only: building a table changes nothing.
 */
typedef uint32_t (*desired_weight_fn)(const void *ctx, size_t svc, size_t dest);

/*
 * The IPVS table CONFIG describes: one service per configured service, in
 * config order, with its destinations. Free it with ipvs_table_free().
 */
int desired_build(const struct config *c, struct ipvs_table **ret);
/*
 * The same for the COUNT services at SERVICES (all of a config's, or one),
 * with the weights WEIGHT gives (NULL: the configured ones).
 */
int desired_build_weighted(const struct config_service *services, size_t count,
			   desired_weight_fn weight, const void *ctx, struct ipvs_table **ret);
/* The IPVS key and settings of a configured service. */
void desired_service(const struct config_service *cs, struct ipvs_service *ret);

/* The config service with this IPVS key, or NULL. */
const struct config_service *desired_find(const struct config *c, const struct ipvs_service *svc);

/* "tcp 10.96.0.10:443", "fwmark 10", "fwmark 10 inet6" (config_service_describe()'s) */
char *desired_describe_service(const struct ipvs_service *svc, char *buf, size_t size);
/* "192.168.1.10:8443" */
char *desired_describe_dest(const struct ipvs_service *svc, const struct ipvs_dest *dest, char *buf,
			    size_t size);
/* "add destination 10.0.3.2:80 to tcp 10.96.0.1:80 (web)", for the errors of a batch */
char *desired_describe_op(const struct config *c, const struct reconcile_op *op, char *buf,
			  size_t size);

#endif
