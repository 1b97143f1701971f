/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigilctl's command line: argv -> what to do. Pure (no I/O, no getopt
 * state), so the unit tests run it on any argv. Options may come before or
 * after the command; short ones bundle as ipvsadm's do (-Ln, -nj, -t10.0.0.1:80);
 * `--` ends them.
 */
#ifndef VIGIL_CLI_ARGS_H
#define VIGIL_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "complete.h"
#include "filter.h"
#include "format.h"

#define ARGS_DEFAULT_SOCKET "/run/vigil/vigil.sock"

/* Exit codes an operator can script against (documented in --help). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,   /* the operation failed or was refused */
	EXIT_USAGE = 2,    /* bad command line */
	EXIT_NO_AGENT = 3, /* vigild is not running (list still shows the kernel's table) */
};

enum args_command {
	ARGS_HELP,
	ARGS_VERSION,
	ARGS_LIST,
	ARGS_STATUS,
	ARGS_EVENTS,
	ARGS_QUARANTINE,
	ARGS_RELEASE,
	ARGS_RELOAD,
	ARGS_CHECK,
	ARGS_COMPLETE,
};

struct args {
	enum args_command command;
	const char *socket;
	bool numeric; /* -n: addresses and ports as numbers, not names */
	bool json;
	bool follow;
	enum format_view view;      /* list: --stats, --rate; --ipvsadm's --thresholds, ... */
	bool exact;                 /* list: --exact */
	bool sort;                  /* list: --sort */
	bool nosort;                /* list --ipvsadm: --nosort */
	bool timeout;               /* list: --timeout */
	bool ipvsadm;               /* list: --ipvsadm */
	bool connections;           /* list: -c, the connection table */
	struct filter filter;       /* list, events: -t, -u, -f, or a SERVICE */
	const char *service, *dest; /* quarantine, release */
	const char *for_text;       /* quarantine --for, as given; NULL: until released */
	uint64_t for_ms;
	const char *file; /* check */
	struct complete_query complete;
	const char *config; /* complete: read when the agent does not answer */
};

/*
 * Fills *ret from argv (pointers into argv). -EINVAL with the reason in
 * err (a sentence without "vigilctl:") for a usage error.
 */
int args_parse(int argc, char *const *argv, struct args *ret, char *err, size_t err_size);

void args_usage(FILE *out);

#endif
