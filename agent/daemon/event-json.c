// SPDX-License-Identifier: GPL-2.0-only
#include "event-json.h"

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int json_add_string(struct json_object *obj, const char *key, const char *value)
{
	struct json_object *v = value ? json_object_new_string(value) : NULL;

	if (value && !v)
		return -ENOMEM;
	if (json_object_object_add(obj, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

struct json_object *event_to_json(const struct vigil_event *e, const struct timespec *wall)
{
	char client[ADDR_PORT_STRLEN], virt[ADDR_PORT_STRLEN], real[ADDR_PORT_STRLEN];
	char when[40], num[16];
	struct json_object *obj, *mono;
	struct tm tm;
	int r = 0;

	obj = json_object_new_object();
	if (!obj)
		goto fail;
	gmtime_r(&wall->tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%06ldZ", wall->tv_nsec / 1000);
	addr_port_format(e->flow.family, &e->flow.caddr, e->flow.cport, client, sizeof(client));
	addr_port_format(e->flow.family, &e->flow.vaddr, e->flow.vport, virt, sizeof(virt));
	addr_port_format(e->real.family, &e->real.addr, e->real.port, real, sizeof(real));

	mono = json_object_new_uint64(e->ts_ns);
	if (!mono || json_object_object_add(obj, "mono_ns", mono)) {
		json_object_put(mono);
		goto fail;
	}
	r |= json_add_string(obj, "time", when);
	r |= json_add_string(obj, "kind", event_kind_name(e->kind));
	r |= json_add_string(obj, "protocol", config_protocol_name(e->flow.protocol));
	r |= json_add_string(obj, "client", client);
	r |= json_add_string(obj, "virtual", virt);
	r |= json_add_string(obj, "real", e->real.family ? real : NULL);
	/* a UDP socket's state says nothing a reader needs */
	if (e->flow.protocol == IPPROTO_TCP && e->kind != VIGIL_EV_IPVS_PICK)
		r |= json_add_string(obj, "state", tcp_state_name(e->state));
	if (e->kind == VIGIL_EV_SOCK_ERROR)
		r |= json_add_string(obj, "error", event_error_name(e->error, num, sizeof(num)));
	if (e->kind == VIGIL_EV_STATE || e->kind == VIGIL_EV_CONNECT)
		r |= json_add_string(obj, "old_state", tcp_state_name(e->old_state));
	if (r)
		goto fail;
	return obj;
fail:
	json_object_put(obj);
	errno = ENOMEM;
	return NULL;
}
