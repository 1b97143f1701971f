/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state file (STATE_DIR/state.json): what vigild must remember across
 * restarts: the services it created and therefore owns (services anyone
 * else made are never touched), and the policy state of every destination
 * that is not simply healthy, so that a restart neither releases a
 * quarantined destination nor forgets its backoff; and what vigild changed
 * on the host, so that vigild --cleanup can undo it without the config
 * (a purge runs it after the conffile is gone): the interface of its VIP
 * routes and the sysctls it changed, with their values before (hostchange.h).
 * Written atomically (a new
 * temporary file, fsync, rename, fsync of the directory), so a crash leaves
 * the old file or the new one.
 */
#ifndef VIGIL_AGENT_STATE_H
#define VIGIL_AGENT_STATE_H

#include <stddef.h>
#include "config.h"
#include "hostchange.h"
#include "ipvs.h"
#include "policy.h"

/* A destination's policy state; its times are CLOCK_REALTIME, in ns. */
struct state_dest {
	struct ipvs_service key; /* of its service */
	struct config_addr real;
	struct policy_dest policy;
};

struct state {
	struct ipvs_service *owned; /* keys: af, protocol, addr, port */
	size_t n_owned;
	struct state_dest *dests;
	size_t n_dests;
	/* the dummy interface vigild routes the VIPs through; "": none set up */
	char interface[CONFIG_IFNAME_MAX + 1];
	struct hostchange_sysctl *sysctls;
	size_t n_sysctls;
};

/*
 * Reads PATH into *ret. A missing file is an empty state. Anything but a
 * regular file is -EISDIR or -EINVAL (a FIFO would block); a file that is not
 * exactly what state_save() writes (not JSON, data after it, a field missing,
 * of another type or out of range) is -EBADMSG. The reason, naming the record
 * and field, is in err; the caller names PATH. A state vigild cannot read must
 * not be mistaken for "owns nothing", nor read in part.
 */
int state_load(const char *path, struct state *ret, char *err, size_t err_size);
/*
 * Writes S to PATH through a new temporary file in the same directory, which
 * is removed again on failure: PATH is then as it was. 0 or -errno.
 */
int state_save(const char *path, const struct state *s);
/* Replaces the owned set with a copy of owned[0..n). */
int state_set_owned(struct state *s, const struct ipvs_service *owned, size_t n);
/* Records vigild's interface NAME ("" when it is gone); -EINVAL if too long. */
int state_set_interface(struct state *s, const char *name);
/* Replaces the destinations with a copy of dests[0..n). */
int state_set_dests(struct state *s, const struct state_dest *dests, size_t n);
void state_clear(struct state *s);

#endif
