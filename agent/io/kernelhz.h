/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The running kernel's HZ. sockops' BPF_SOCK_OPS_TIMEOUT_INIT reply (the
 * initial SYN RTO) is counted in jiffies, and the kernel exports HZ nowhere
 * at run time (USER_HZ, 100, is all sysconf and /proc show), so vigild reads
 * CONFIG_HZ from the kernel's build config: /boot/config-RELEASE, which
 * Debian installs with every kernel, else /lib/modules/RELEASE/config (where
 * Debian's split kernel packages of 7.x ship it), else /proc/config.gz
 * (IKCONFIG_PROC).
 */
#ifndef VIGIL_AGENT_KERNELHZ_H
#define VIGIL_AGENT_KERNELHZ_H

#include <stddef.h>
#include <stdint.h>

#define KERNELHZ_BOOT_DIR    "/boot"        /* config-RELEASE in it */
#define KERNELHZ_MODULES_DIR "/lib/modules" /* RELEASE/config in it */
#define KERNELHZ_PROC_CONFIG "/proc/config.gz"

/*
 * CONFIG_HZ from the kernel config at PATH, plain or gzipped, into *ret_hz:
 * 0, -ENOENT (or another open error), -ENODATA when it has no CONFIG_HZ
 * line, -ERANGE when its value is not a plausible HZ (1..10000).
 */
int kernelhz_from_config(const char *path, unsigned int *ret_hz);

/*
 * The HZ of the kernel of RELEASE: from BOOT_DIR/config-RELEASE, then
 * MODULES_DIR/RELEASE/config, then PROC_CONFIG, the first that exists. On
 * success ret_source names the file read, on failure the reason, such as "no
 * /boot/config-6.1.0-9-amd64, /lib/modules/6.1.0-9-amd64/config nor readable
 * /proc/config.gz". 0 or the -errno of the file that failed.
 */
int kernelhz_read(const char *boot_dir, const char *modules_dir, const char *proc_config,
		  const char *release, unsigned int *ret_hz, char *ret_source, size_t size);

/*
 * NS in jiffies of HZ, rounded up so the kernel's timer is never shorter
 * than asked (and never 0, which would mean the kernel's default); capped at
 * UINT32_MAX.
 */
uint32_t kernelhz_jiffies(uint64_t ns, unsigned int hz);

#endif
