// SPDX-License-Identifier: GPL-2.0-only
#include "complete.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "reply.h"

int complete_query_parse(const char *what, const char *arg, struct complete_query *ret, char *why,
			 size_t why_size)
{
	memset(ret, 0, sizeof(*ret));
	if (!strcmp(what, "services") || !strcmp(what, "fwmarks")) {
		ret->what = what[0] == 's' ? COMPLETE_SERVICES : COMPLETE_FWMARKS;
		if (!arg)
			return 0;
		snprintf(why, why_size, "complete %s takes no argument", what);
		return -EINVAL;
	}
	if (!strcmp(what, "dests")) {
		ret->what = COMPLETE_DESTS;
		ret->service = arg;
		if (arg)
			return 0;
		snprintf(why, why_size, "complete dests needs a SERVICE");
		return -EINVAL;
	}
	if (!strcmp(what, "vips")) {
		ret->what = COMPLETE_VIPS;
		ret->protocol = !arg                   ? 0
				: !strcmp(arg, "tcp")  ? IPPROTO_TCP
				: !strcmp(arg, "udp")  ? IPPROTO_UDP
				: !strcmp(arg, "sctp") ? IPPROTO_SCTP
						       : 0;
		if (ret->protocol)
			return 0;
		snprintf(why, why_size, "complete vips needs tcp, udp or sctp");
		return -EINVAL;
	}
	snprintf(why, why_size, "cannot complete '%s' (services, dests, vips or fwmarks)", what);
	return -EINVAL;
}

/* The words found so far, to be sorted and printed each once. */
struct words {
	char **v;
	size_t n, cap;
};

static int words_add(struct words *w, const char *text)
{
	if (!text || strchr(text, '\n'))
		return 0;
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		char **v = realloc(w->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n] = strdup(text);
	if (!w->v[w->n])
		return -ENOMEM;
	w->n++;
	return 0;
}

static void words_free(struct words *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
}

static int compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		   ? json_object_get_string(v)
		   : NULL;
}

/* Only vigil's destinations: quarantine refuses those someone else added. */
static int add_dests(struct words *w, struct json_object *svc)
{
	struct json_object *dests, *d, *managed;
	size_t i;
	int r = 0;

	if (!json_object_object_get_ex(svc, "destinations", &dests))
		return 0;
	for (i = 0; i < json_object_array_length(dests) && !r; i++) {
		d = json_object_array_get_idx(dests, i);
		if (json_object_object_get_ex(d, "managed", &managed) &&
		    json_object_get_boolean(managed))
			r = words_add(w, get_str(d, "address"));
	}
	return r;
}

static int add_service(struct words *w, struct json_object *svc, const struct complete_query *q,
		       const struct filter *service)
{
	struct json_object *v;
	const char *protocol;
	char mark[16];

	switch (q->what) {
	case COMPLETE_SERVICES:
		return words_add(w, get_str(svc, "name"));
	case COMPLETE_DESTS:
		return filter_match(service, svc) ? add_dests(w, svc) : 0;
	case COMPLETE_VIPS:
		protocol = get_str(svc, "protocol");
		if (!protocol || strcmp(protocol, q->protocol == IPPROTO_TCP   ? "tcp"
						  : q->protocol == IPPROTO_UDP ? "udp"
									       : "sctp"))
			return 0;
		return words_add(w, get_str(svc, "vip"));
	case COMPLETE_FWMARKS:
		if (!json_object_object_get_ex(svc, "fwmark", &v))
			return 0;
		snprintf(mark, sizeof(mark), "%" PRIu64, json_object_get_uint64(v));
		return words_add(w, mark);
	}
	return 0;
}

int complete_print(FILE *out, struct json_object *list, const struct complete_query *q)
{
	struct words w = { 0 };
	struct filter service = { 0 };
	struct json_object *svcs;
	size_t i;
	int r = 0;

	if (q->what == COMPLETE_DESTS)
		filter_name(&service, q->service);
	if (json_object_object_get_ex(list, "services", &svcs))
		for (i = 0; i < json_object_array_length(svcs) && !r; i++)
			r = add_service(&w, json_object_array_get_idx(svcs, i), q, &service);
	if (!r) {
		if (w.n)
			qsort(w.v, w.n, sizeof(*w.v), compare);
		/* a VIP of tcp and of udp, a mark of inet and inet6: each once */
		for (i = 0; i < w.n; i++)
			if (!i || strcmp(w.v[i], w.v[i - 1]))
				fprintf(out, "%s\n", w.v[i]);
	}
	words_free(&w);
	return r;
}

static struct json_object *config_service_json(const struct config_service *s)
{
	struct json_object *o = json_object_new_object(), *dests = json_object_new_array(), *d;
	char addr[CONFIG_ADDR_STRLEN];
	uint32_t j;
	int r = 0;

	if (!o || !dests) {
		json_object_put(dests);
		return reply_finish(o, -ENOMEM);
	}
	r |= reply_add_str(o, "name", s->name);
	r |= reply_add_bool(o, "managed", true);
	r |= reply_add_str(o, "family", config_family_name(s->vip.family));
	/* as render.c lays a service out: a fwmark one has no protocol and no VIP */
	if (s->fwmark) {
		r |= reply_add_u64(o, "fwmark", s->fwmark);
	} else {
		r |= reply_add_str(o, "protocol", config_protocol_name(s->protocol));
		if (config_addr_format(&s->vip, addr, sizeof(addr)) == 0)
			r |= reply_add_str(o, "vip", addr);
	}
	for (j = 0; j < s->n_dests && !r; j++) {
		d = json_object_new_object();
		if (!d) {
			r = -ENOMEM;
			break;
		}
		if (config_addr_format(&s->dests[j].addr, addr, sizeof(addr)) == 0)
			r |= reply_add_str(d, "address", addr);
		r |= reply_add_bool(d, "managed", true);
		d = reply_finish(d, r);
		r = d ? reply_append(dests, d) : -ENOMEM;
		if (r)
			json_object_put(d);
	}
	return reply_finish(o, reply_add_array(o, "destinations", dests, r));
}

struct json_object *complete_config_list(const struct config *c)
{
	struct json_object *o = reply_new(), *svcs = json_object_new_array();
	uint32_t i;
	int r = 0;

	if (!o || !svcs) {
		json_object_put(svcs);
		return reply_finish(o, -ENOMEM);
	}
	for (i = 0; i < c->n_services && !r; i++) {
		struct json_object *s = config_service_json(&c->services[i]);

		/* json-c takes a NULL element without complaint */
		r = s ? reply_append(svcs, s) : -ENOMEM;
		if (r)
			json_object_put(s);
	}
	return reply_finish(o, reply_add_array(o, "services", svcs, r));
}
