/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sysctls vigild changes on the host, recorded so that they can be put
 * back (vigild --cleanup, or the last service going away). A record keeps
 * the value the host had before vigild first changed it: it is written once
 * and never overwritten, so a restart, which finds vigild's own value,
 * cannot lose the host's. Pure: records in, verdicts out; the caller reads
 * and writes /proc and the state file.
 */
#ifndef VIGIL_CORE_HOSTCHANGE_H
#define VIGIL_CORE_HOSTCHANGE_H

#include <stdbool.h>
#include <stddef.h>

/* Every sysctl vigild changes lives under it. */
#define HOSTCHANGE_SYSCTL_PREFIX "net.ipv4.vs."
#define HOSTCHANGE_NAME_MAX      64

struct hostchange_sysctl {
	char name[HOSTCHANGE_NAME_MAX]; /* under net.ipv4.vs: "expire_nodest_conn" */
	int was;                        /* the host's value before vigild changed it */
	int set;                        /* the value vigild set */
};

/*
 * Records that vigild changes NAME from WAS to SET, unless NAME has a record
 * already: that one, made when the host still had its own value, stays.
 * 1 when recorded, 0 when it had one, -EINVAL (NAME too long) or -ENOMEM.
 */
int hostchange_sysctl_record(struct hostchange_sysctl **list, size_t *n, const char *name, int was,
			     int set);
/* NAME's record, or NULL. */
const struct hostchange_sysctl *hostchange_sysctl_find(const struct hostchange_sysctl *list,
						       size_t n, const char *name);
/* Drops NAME's record (put back, or not vigild's to put back any more). */
void hostchange_sysctl_forget(struct hostchange_sysctl *list, size_t *n, const char *name);

enum hostchange_undo {
	HOSTCHANGE_RESTORE,    /* it still has vigild's value: write the host's back */
	HOSTCHANGE_UNCHANGED,  /* it has the host's value already: nothing to write */
	HOSTCHANGE_CHANGED,    /* someone set another value since: left as it is */
	HOSTCHANGE_GONE,       /* no such sysctl now (ip_vs unloaded took it): nothing to do */
	HOSTCHANGE_UNREADABLE, /* it cannot be read: kept, and the record too */
};

/*
 * What undoing REC means, given a read of the sysctl now: READ_ERR 0 and
 * its value NOW, or the read's -errno (-ENOENT: it does not exist).
 */
enum hostchange_undo hostchange_sysctl_undo(const struct hostchange_sysctl *rec, int read_err,
					    int now);
/* Whether the record goes after that verdict and, for RESTORE, a write with WRITE_ERR. */
bool hostchange_sysctl_done(enum hostchange_undo verdict, int write_err);

#endif
