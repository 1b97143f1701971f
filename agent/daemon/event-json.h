/* SPDX-License-Identifier: GPL-2.0-only */
/* A connection event as JSON: `vigild --trace --json` and the `events` stream. */
#ifndef VIGIL_PROTO_EVENT_JSON_H
#define VIGIL_PROTO_EVENT_JSON_H

#include <time.h>

#include <json-c/json.h>

#include "event.h"

/* A new JSON object for the event, or NULL with errno set. */
struct json_object *event_to_json(const struct vigil_event *e, const struct timespec *wall);

#endif
