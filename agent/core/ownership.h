/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which IPVS services vigild owns, around a reconcile plan. vigild changes
 * only the services it created, and it records them in the state file
 * before they exist (write-ahead): a crash between the record and the
 * netlink batch leaves a claim on a missing service, which the next pass
 * re-adds, never a service nobody owns. Pure: lists in, lists out; the
 * caller writes the state file and runs the batch.
 */
#ifndef VIGIL_CORE_OWNERSHIP_H
#define VIGIL_CORE_OWNERSHIP_H

#include <stdbool.h>
#include <stddef.h>

#include "ipvs.h"
#include "reconcile.h"

/* Whether SVC is among the N services of OWNED. */
bool ownership_has(const struct ipvs_service *owned, size_t n, const struct ipvs_service *svc);
/*
 * True if a and b, n distinct services each, are the same set. Sorts b: a
 * pass over a thousand services must not compare every pair.
 */
bool ownership_same(const struct ipvs_service *a, struct ipvs_service *b, size_t n);
/*
 * The claims to record before PLAN runs: OWNED, then every service PLAN
 * adds that it does not have yet. *ret (malloc'd) has room for one more.
 */
int ownership_claim(const struct ipvs_service *owned, size_t n, const struct reconcile_plan *plan,
		    struct ipvs_service **ret, size_t *ret_n);
/*
 * The claims could not be recorded: PLAN keeps only its operations on the
 * services already OWNED (their repairs), and forecasts only those.
 */
void ownership_repairs_only(struct reconcile_plan *plan, const struct ipvs_service *owned,
			    size_t n);
/*
 * What is owned after PLAN ran: its forecast, corrected by the failures the
 * kernel answered (ERRORS, per operation; UNSURE: the answer was lost). An
 * add whose answer was lost keeps its claim: had it been applied, dropping
 * the claim would orphan the service, while a claim on a missing service is
 * only re-added by the next pass. A delete that failed keeps its service.
 */
int ownership_settle(const struct reconcile_plan *plan, const int *errors, const bool *unsure,
		     struct ipvs_service **ret, size_t *ret_n);

/* What vigild --cleanup does with a service. */
enum ownership_cleanup {
	OWNERSHIP_REMOVE,  /* owned, and in the kernel: deleted */
	OWNERSHIP_GONE,    /* owned, and no longer in the kernel: only forgotten */
	OWNERSHIP_FOREIGN, /* in the kernel, not owned: someone else's, left alone */
};

struct ownership_cleanup_item {
	struct ipvs_service svc;
	enum ownership_cleanup verdict;
};

/*
 * Cleanup's choice: every service of ACTUAL, and every one of the N OWNED
 * that ACTUAL lacks, with what to do with it; owned ones first, in the
 * order of OWNED, then the foreign ones in the kernel's. Only the records
 * of the state file make a service vigild's: a service at a VIP routed
 * through vigil's interface but not recorded stays, as cleanup cannot tell
 * it from an operator's service on the same address.
 */
int ownership_cleanup(const struct ipvs_service *owned, size_t n, const struct ipvs_table *actual,
		      struct ownership_cleanup_item **ret, size_t *ret_n);

#endif
