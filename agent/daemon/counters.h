/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF side's counters, as watch.c reads them and as status and the
 * metrics show them: one struct, filled once, copied whole.
 */
#ifndef VIGIL_DAEMON_COUNTERS_H
#define VIGIL_DAEMON_COUNTERS_H

#include <stdint.h>

struct watch_counters {
	uint64_t events, ringbuf_drops, flow_errors, health_errors, missed, bad_records;
	uint64_t flows_missing; /* state changes of VIP flows whose entry was evicted */
	uint64_t resyncs;       /* attempts in flight forgotten after the ring buffer overflowed */
};

#endif
