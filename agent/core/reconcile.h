/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reconcile planning: the desired IPVS state against a dump of the kernel's,
 * as the smallest ordered list of operations that makes the kernel match.
 * Pure: no I/O, so the unit tests drive it with hand-made tables.
 *
 * Ownership: vigild changes only the services it created, which the caller
 * passes as `owned` (from the state file). A desired service whose key is
 * taken in the kernel by a service vigild does not own is a conflict: it is
 * reported and left alone. An owned service that is no longer desired is
 * deleted; one that vanished from the kernel is added again.
 *
 * Order: service adds, service edits, destination adds, destination edits,
 * destination deletions, service deletions. Adding before removing means a
 * service whose destination set changes is never left empty on the way.
 */
#ifndef VIGIL_AGENT_RECONCILE_H
#define VIGIL_AGENT_RECONCILE_H

#include <stddef.h>
#include "ipvs.h"

enum reconcile_op_type {
	RECONCILE_SERVICE_ADD,
	RECONCILE_SERVICE_EDIT,
	RECONCILE_DEST_ADD,
	RECONCILE_DEST_EDIT,
	RECONCILE_DEST_DEL,
	RECONCILE_SERVICE_DEL,
};

struct reconcile_op {
	enum reconcile_op_type type;
	struct ipvs_service svc; /* the desired settings for adds and edits */
	struct ipvs_dest dest;   /* destination operations only */
};

struct reconcile_input {
	const struct ipvs_table *desired;
	const struct ipvs_table *actual;
	const struct ipvs_service *owned; /* keys only */
	size_t n_owned;
};

struct reconcile_plan {
	struct reconcile_op *ops;
	size_t n_ops;
	/* desired services whose key a service vigild does not own already has */
	struct ipvs_service *conflicts;
	size_t n_conflicts;
	/* what vigild owns once every operation has succeeded (keys, sorted) */
	struct ipvs_service *owned;
	size_t n_owned;
};

int reconcile_plan(const struct reconcile_input *in, struct reconcile_plan **ret);
void reconcile_plan_free(struct reconcile_plan *plan);

/* Orders services by key: family, fwmark, protocol, address, port. */
int reconcile_service_cmp(const struct ipvs_service *a, const struct ipvs_service *b);
/* Orders destinations by family, address, port. */
int reconcile_dest_cmp(const struct ipvs_dest *a, const struct ipvs_dest *b);

const char *reconcile_op_name(enum reconcile_op_type type);

#endif
