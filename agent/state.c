// SPDX-License-Identifier: GPL-2.0-only
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "config.h"
#include "event.h"

#define STATE_VERSION 1

/* {"protocol", "vip"} appended to LIST, or added to the object INTO. */
static int service_to_json(const struct ipvs_service *svc, struct json_object *list,
			   struct json_object *into)
{
	struct config_addr addr = { .family = svc->af, .port = svc->port };
	struct json_object *o = into ? into : json_object_new_object();
	char vip[ADDR_PORT_STRLEN];

	if (!o)
		return -ENOMEM;
	memcpy(addr.addr, &svc->addr, sizeof(addr.addr));
	config_addr_format(&addr, vip, sizeof(vip));
	if (json_object_object_add(o, "protocol",
				   json_object_new_string(config_protocol_name(svc->protocol))) ||
	    json_object_object_add(o, "vip", json_object_new_string(vip)) ||
	    (list && json_object_array_add(list, o))) {
		if (!into)
			json_object_put(o);
		return -ENOMEM;
	}
	return 0;
}

static int service_from_json(struct json_object *o, struct ipvs_service *ret)
{
	struct json_object *proto, *vip;
	struct config_addr addr;
	const char *p;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "protocol", &proto) ||
	    !json_object_object_get_ex(o, "vip", &vip) ||
	    !json_object_is_type(vip, json_type_string))
		return -EBADMSG;
	p = json_object_get_string(proto);
	memset(ret, 0, sizeof(*ret));
	if (p && !strcmp(p, "tcp"))
		ret->protocol = IPPROTO_TCP;
	else if (p && !strcmp(p, "udp"))
		ret->protocol = IPPROTO_UDP;
	else
		return -EBADMSG;
	if (config_addr_parse(json_object_get_string(vip), &addr, NULL, 0))
		return -EBADMSG;
	ret->af = addr.family;
	memcpy(&ret->addr, addr.addr, sizeof(ret->addr));
	ret->port = addr.port;
	return 0;
}

#define NS_PER_MS 1000000ull

static int add_u64(struct json_object *o, const char *key, uint64_t v)
{
	struct json_object *n = json_object_new_uint64(v);

	if (!n || json_object_object_add(o, key, n)) {
		json_object_put(n);
		return -ENOMEM;
	}
	return 0;
}

/* Milliseconds of wall time, or -1 for POLICY_NEVER. */
static int add_time(struct json_object *o, const char *key, uint64_t ns)
{
	struct json_object *n =
	    json_object_new_int64(ns == POLICY_NEVER ? -1 : (int64_t)(ns / NS_PER_MS));

	if (!n || json_object_object_add(o, key, n)) {
		json_object_put(n);
		return -ENOMEM;
	}
	return 0;
}

static int dest_to_json(const struct state_dest *d, struct json_object *list)
{
	struct json_object *o = json_object_new_object();
	const struct policy_dest *p = &d->policy;
	char real[ADDR_PORT_STRLEN];
	int r;

	if (!o)
		return -ENOMEM;
	config_addr_format(&d->real, real, sizeof(real));
	r = service_to_json(&d->key, NULL, o);
	if (!r && (json_object_object_add(o, "real", json_object_new_string(real)) ||
		   json_object_object_add(o, "state",
					  json_object_new_string(policy_state_name(p->state))) ||
		   json_object_object_add(o, "manual", json_object_new_boolean(p->manual))))
		r = -ENOMEM;
	if (!r)
		r = add_u64(o, "relapses", p->relapses);
	if (!r)
		r = add_u64(o, "quarantines", p->quarantines);
	if (!r)
		r = add_time(o, "since_ms", p->since_ns);
	if (!r)
		r = add_time(o, "until_ms", p->until_ns);
	if (!r)
		r = add_time(o, "next_probe_ms", p->next_probe_ns);
	if (!r)
		r = add_u64(o, "last_duration_ms", p->last_duration_ns / NS_PER_MS);
	if (!r)
		r = add_time(o, "stable_since_ms", p->stable_since_ns);
	if (!r && json_object_array_add(list, o))
		r = -ENOMEM;
	if (r)
		json_object_put(o);
	return r;
}

static bool get_u64(struct json_object *o, const char *key, uint64_t *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_uint64(v);
	return true;
}

static bool get_time(struct json_object *o, const char *key, uint64_t *ret)
{
	struct json_object *v;
	int64_t ms;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	ms = json_object_get_int64(v);
	*ret = ms < 0 ? POLICY_NEVER : (uint64_t)ms * NS_PER_MS;
	return true;
}

static int dest_from_json(struct json_object *o, struct state_dest *ret)
{
	static const enum policy_state states[] = { POLICY_HEALTHY, POLICY_QUARANTINED,
						    POLICY_PROBATION, POLICY_RAMPING };
	struct json_object *real, *st, *manual;
	uint64_t relapses, quarantines, last;
	size_t i;

	memset(ret, 0, sizeof(*ret));
	if (service_from_json(o, &ret->key) || !json_object_object_get_ex(o, "real", &real) ||
	    !json_object_is_type(real, json_type_string) ||
	    config_addr_parse(json_object_get_string(real), &ret->real, NULL, 0) ||
	    !json_object_object_get_ex(o, "state", &st) ||
	    !json_object_object_get_ex(o, "manual", &manual) ||
	    !get_u64(o, "relapses", &relapses) || !get_u64(o, "quarantines", &quarantines) ||
	    !get_time(o, "since_ms", &ret->policy.since_ns) ||
	    !get_time(o, "until_ms", &ret->policy.until_ns) ||
	    !get_time(o, "next_probe_ms", &ret->policy.next_probe_ns) ||
	    !get_u64(o, "last_duration_ms", &last) ||
	    !get_time(o, "stable_since_ms", &ret->policy.stable_since_ns))
		return -EBADMSG;
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (!strcmp(json_object_get_string(st), policy_state_name(states[i])))
			break;
	if (i == sizeof(states) / sizeof(states[0]) || relapses > UINT32_MAX ||
	    quarantines > UINT32_MAX)
		return -EBADMSG;
	ret->policy.state = states[i];
	ret->policy.manual = json_object_get_boolean(manual);
	ret->policy.relapses = relapses;
	ret->policy.quarantines = quarantines;
	ret->policy.last_duration_ns = last * NS_PER_MS;
	return 0;
}

int state_load(const char *path, struct state *ret, char *err, size_t err_size)
{
	struct json_object *root, *version, *list;
	struct state s = { 0 };
	char *text = NULL;
	size_t len = 0, i, n;

	FILE *f;
	int r = -EBADMSG;

	memset(ret, 0, sizeof(*ret));
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, err_size, "%s", strerror(errno));
		return -errno;
	}
	if (getdelim(&text, &len, '\0', f) < 0) {
		free(text);
		text = NULL;
	}
	fclose(f);
	root = text ? json_tokener_parse(text) : NULL;
	free(text);
	if (!root) {
		snprintf(err, err_size, "not valid JSON");
		goto out;
	}
	if (!json_object_object_get_ex(root, "version", &version) ||
	    json_object_get_int(version) != STATE_VERSION) {
		snprintf(err, err_size, "unknown version (this vigild reads version %d)",
			 STATE_VERSION);
		goto out;
	}
	if (!json_object_object_get_ex(root, "services", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		snprintf(err, err_size, "no \"services\" list");
		goto out;
	}
	n = json_object_array_length(list);
	s.owned = calloc(n ? n : 1, sizeof(*s.owned));
	if (!s.owned) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (service_from_json(json_object_array_get_idx(list, i), &s.owned[i])) {
			snprintf(err, err_size, "service %zu is not {\"protocol\", \"vip\"}",
				 i + 1);
			goto out;
		}
	}
	s.n_owned = n;
	/* written by vigild before it kept destinations: none */
	if (json_object_object_get_ex(root, "destinations", &list)) {
		if (!json_object_is_type(list, json_type_array)) {
			snprintf(err, err_size, "\"destinations\" is not a list");
			goto out;
		}
		n = json_object_array_length(list);
		s.dests = calloc(n ? n : 1, sizeof(*s.dests));
		if (!s.dests) {
			r = -ENOMEM;
			goto out;
		}
		for (i = 0; i < n; i++) {
			if (dest_from_json(json_object_array_get_idx(list, i), &s.dests[i])) {
				snprintf(err, err_size, "destination %zu is incomplete or invalid",
					 i + 1);
				goto out;
			}
		}
		s.n_dests = n;
	}
	*ret = s;
	s.owned = NULL;
	s.dests = NULL;
	r = 0;
out:
	free(s.owned);
	free(s.dests);
	json_object_put(root);
	return r;
}

static int write_all(int fd, const char *text)
{
	size_t len = strlen(text), done = 0;

	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += n;
	}
	return 0;
}

int state_save(const char *path, const struct state *s)
{
	struct json_object *root = json_object_new_object(), *list = json_object_new_array();
	char tmp[4096];
	size_t i;
	int fd = -1, r = -ENOMEM;

	if (!root || !list ||
	    json_object_object_add(root, "version", json_object_new_int(STATE_VERSION)))
		goto out;
	for (i = 0; i < s->n_owned; i++)
		if ((r = service_to_json(&s->owned[i], list, NULL)) < 0)
			goto out;
	if (json_object_object_add(root, "services", list)) {
		r = -ENOMEM;
		goto out;
	}
	r = -ENOMEM;
	list = json_object_new_array();
	if (!list)
		goto out;
	for (i = 0; i < s->n_dests; i++)
		if ((r = dest_to_json(&s->dests[i], list)) < 0)
			goto out;
	if (json_object_object_add(root, "destinations", list)) {
		r = -ENOMEM;
		goto out;
	}
	list = NULL;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		r = -ENAMETOOLONG;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = write_all(fd, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	if (!r)
		r = write_all(fd, "\n");
	/* the data must be on disk before the rename makes it the state */
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
out:
	json_object_put(list);
	json_object_put(root);
	return r;
}

int state_set_owned(struct state *s, const struct ipvs_service *owned, size_t n)
{
	struct ipvs_service *copy = malloc((n ? n : 1) * sizeof(*copy));
	size_t i;

	if (!copy)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		memset(&copy[i], 0, sizeof(copy[i]));
		copy[i].af = owned[i].af;
		copy[i].protocol = owned[i].protocol;
		copy[i].addr = owned[i].addr;
		copy[i].port = owned[i].port;
		copy[i].fwmark = owned[i].fwmark;
	}
	free(s->owned);
	s->owned = copy;
	s->n_owned = n;
	return 0;
}

int state_set_dests(struct state *s, const struct state_dest *dests, size_t n)
{
	struct state_dest *copy = malloc((n ? n : 1) * sizeof(*copy));

	if (!copy)
		return -ENOMEM;
	memcpy(copy, dests, n * sizeof(*copy));
	free(s->dests);
	s->dests = copy;
	s->n_dests = n;
	return 0;
}

void state_clear(struct state *s)
{
	free(s->owned);
	free(s->dests);
	memset(s, 0, sizeof(*s));
}
