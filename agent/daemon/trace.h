/* SPDX-License-Identifier: GPL-2.0-only */
/* vigild --trace: print every connection event, change nothing. */
#ifndef VIGIL_AGENT_TRACE_H
#define VIGIL_AGENT_TRACE_H

#include <stdbool.h>

struct trace_opts {
	bool json;  /* one JSON object per line instead of text */
	bool quiet; /* consume and count events, print only the totals */
};

/* Runs until SIGINT or SIGTERM; 0 or -errno. */
int trace_run(const struct trace_opts *opts);

#endif
