/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel-version differences, each shim naming the change that needs it.
 */
#ifndef VIGIL_EBPF_CORE_FIXES_H
#define VIGIL_EBPF_CORE_FIXES_H

#include "kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/*
 * An integer field read at the width the running kernel gives it, not the
 * width kernel.h declares: CO-RE relocates the offset of a BPF_CORE_READ but
 * not its size. "ipvs: use more keys for connection hashing" (7.x, the
 * resizable connection table) shrank ip_vs_conn.af and .daf from u16 to u8,
 * each followed by a port: a two-byte read takes a byte of the port with the
 * family, which then never equals AF_INET.
 */
#define VIGIL_CORE_READ_INT(s, field) BPF_CORE_READ_BITFIELD_PROBED(s, field)

/*
 * x86 keeps preempt_count in a per-CPU variable whose home has moved:
 * __preempt_count until "x86/percpu: Move preempt_count next to current_task"
 * (v6.2) put it in struct pcpu_hot, and the percpu hot-section rework of
 * v6.15 ("x86/percpu: Move preempt_count to percpu hot section") moved it back
 * to __preempt_count. Both are weak: the one the kernel lacks resolves to 0
 * and its branch is dead code to the verifier.
 */
extern int __preempt_count __ksym __weak;

struct pcpu_hot {
	int preempt_count;
} __attribute__((preserve_access_index));
extern struct pcpu_hot pcpu_hot __ksym __weak;

#define VIGIL_PREEMPT_NEED_RESCHED 0x80000000u
/* NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK: hard or soft interrupt, or bh off */
#define VIGIL_INTERRUPT_MASK       0x001fff00u

/* 1 in interrupt context (or with bottom halves off), 0 in task context, -1 unknown. */
static __always_inline int vigil_in_interrupt(void)
{
	unsigned int count;

	if (&pcpu_hot) {
		struct pcpu_hot *hot = bpf_this_cpu_ptr(&pcpu_hot);

		count = hot->preempt_count;
	} else if (&__preempt_count) {
		count = *(int *)bpf_this_cpu_ptr(&__preempt_count);
	} else {
		return -1;
	}
	return (count & ~VIGIL_PREEMPT_NEED_RESCHED & VIGIL_INTERRUPT_MASK) != 0;
}

#endif
