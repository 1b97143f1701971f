/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Building the control socket's JSON replies and events (proto/control.md),
 * for render.c and for vigild's own renderers of its state. The adders return
 * 0 or -ENOMEM (the value is then freed), so a reply chains them with |= and
 * checks once, in reply_finish().
 */
#ifndef VIGIL_PROTO_REPLY_H
#define VIGIL_PROTO_REPLY_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

/* {"ok":true}, or NULL. */
struct json_object *reply_new(void);

/* V under KEY; V NULL (its constructor failed) is -ENOMEM. */
int reply_add(struct json_object *o, const char *key, struct json_object *v);
int reply_add_str(struct json_object *o, const char *key, const char *v);
int reply_add_u64(struct json_object *o, const char *key, uint64_t v);
int reply_add_bool(struct json_object *o, const char *key, bool v);
/* V written with DECIMALS fixed decimals. */
int reply_add_double(struct json_object *o, const char *key, double v, int decimals);
int reply_add_null(struct json_object *o, const char *key);
/* V at the end of ARRAY. */
int reply_append(struct json_object *array, struct json_object *v);
/* ARRAY under KEY if building it went well (R is 0), else frees it and returns R. */
int reply_add_array(struct json_object *o, const char *key, struct json_object *array, int r);

/* O if R is 0; else frees O and returns NULL with errno = ENOMEM. */
struct json_object *reply_finish(struct json_object *o, int r);

#endif
