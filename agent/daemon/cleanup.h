/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigild --cleanup: removes from the host exactly what vigild owns, while
 * vigild is not running (the package's purge runs it after the service
 * stopped and the conffile is gone): the IPVS services the state file
 * records as vigild's (services anyone else made are left alone), vigil's
 * interface with its VIP routes, the sysctls put back to the values they
 * had before vigild changed them (unless someone changed them since), and a
 * cgroup2 mount of its own. Each object removed or kept is logged, with the
 * cause of any failure. Idempotent: what is gone is said to be gone.
 */
#ifndef VIGIL_DAEMON_CLEANUP_H
#define VIGIL_DAEMON_CLEANUP_H

/*
 * CONFIG_PATH names the state directory, the interface and the control
 * socket; when it does not exist, the defaults. 0 when nothing of vigild's
 * is left; -EBUSY if vigild runs; -EIO when something could not be removed;
 * another -errno when nothing could be tried.
 */
int cleanup_run(const char *config_path);

#endif
