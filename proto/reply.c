// SPDX-License-Identifier: GPL-2.0-only
#include "reply.h"

#include <errno.h>
#include <stdio.h>

int reply_add(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

int reply_add_str(struct json_object *o, const char *key, const char *v)
{
	return reply_add(o, key, json_object_new_string(v));
}

int reply_add_u64(struct json_object *o, const char *key, uint64_t v)
{
	return reply_add(o, key, json_object_new_uint64(v));
}

int reply_add_bool(struct json_object *o, const char *key, bool v)
{
	return reply_add(o, key, json_object_new_boolean(v));
}

int reply_add_double(struct json_object *o, const char *key, double v, int decimals)
{
	char text[32];

	/* fixed precision: a score of 0.8500000000000001 helps nobody */
	snprintf(text, sizeof(text), "%.*f", decimals, v);
	return reply_add(o, key, json_object_new_double_s(v, text));
}

int reply_add_null(struct json_object *o, const char *key)
{
	return json_object_object_add(o, key, NULL) ? -ENOMEM : 0;
}

int reply_append(struct json_object *array, struct json_object *v)
{
	return json_object_array_add(array, v) ? -ENOMEM : 0;
}

int reply_add_array(struct json_object *o, const char *key, struct json_object *array, int r)
{
	if (r) {
		json_object_put(array);
		return r;
	}
	return reply_add(o, key, array);
}

struct json_object *reply_finish(struct json_object *o, int r)
{
	if (!r)
		return o;
	json_object_put(o);
	errno = ENOMEM;
	return NULL;
}

struct json_object *reply_new(void)
{
	struct json_object *o = json_object_new_object();

	if (o && reply_add_bool(o, "ok", true)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
