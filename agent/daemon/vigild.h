/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigild's agent mode: keeps the kernel's IPVS matching the configuration.
 * Adopts what it owns on start, repairs drift periodically, reloads on
 * SIGHUP (a bad configuration is rejected whole and the running one kept)
 * and exits on SIGTERM leaving every rule in place.
 */
#ifndef VIGIL_DAEMON_VIGILD_H
#define VIGIL_DAEMON_VIGILD_H

/* Runs until SIGTERM or SIGINT; 0, or -errno when start-up failed. */
int vigild_run(const char *config_path);

#endif
