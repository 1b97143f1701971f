/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigilctl's text output from the agent's JSON replies (agent/control.md).
 * `list` keeps ipvsadm -Ln's layout, so eyes and scripts used to it read it
 * at once, and adds vigil's columns on the right of each destination. Pure:
 * JSON in, text to a FILE out.
 */
#ifndef VIGIL_CLI_FORMAT_H
#define VIGIL_CLI_FORMAT_H

#include <stdio.h>
#include <json-c/json.h>

#include "args.h"

/* A list reply as a table; -EINVAL if it is not one. */
int format_list(FILE *out, struct json_object *list, enum args_view view);
/* A status reply, one "key: value" line per fact. */
int format_status(FILE *out, struct json_object *status);
/* One evidence or decision on one line. */
int format_event(FILE *out, struct json_object *event);
/* A counter as ipvsadm prints one: 9 columns, K/M/G/T past 10^8. */
void format_count(char *buf, size_t size, uint64_t n);

#endif
