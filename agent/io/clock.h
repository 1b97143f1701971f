/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigild's time: CLOCK_MONOTONIC in nanoseconds, which the core is handed
 * (it never reads a clock itself), and its offset to wall time, for times
 * that must survive a reboot (the state file) or be shown.
 */
#ifndef VIGIL_IO_CLOCK_H
#define VIGIL_IO_CLOCK_H

#include <stdint.h>

uint64_t clock_now_ns(void);
/* CLOCK_REALTIME minus CLOCK_MONOTONIC. */
int64_t clock_mono_to_real_ns(void);

#endif
