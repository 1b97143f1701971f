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

static int service_to_json(const struct ipvs_service *svc, struct json_object *list)
{
	struct config_addr addr = { .family = svc->af, .port = svc->port };
	struct json_object *o = json_object_new_object();
	char vip[ADDR_PORT_STRLEN];

	if (!o)
		return -ENOMEM;
	memcpy(addr.addr, &svc->addr, sizeof(addr.addr));
	config_addr_format(&addr, vip, sizeof(vip));
	if (json_object_object_add(o, "protocol",
				   json_object_new_string(config_protocol_name(svc->protocol))) ||
	    json_object_object_add(o, "vip", json_object_new_string(vip)) ||
	    json_object_array_add(list, o)) {
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
	*ret = s;
	s.owned = NULL;
	r = 0;
out:
	free(s.owned);
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
		if ((r = service_to_json(&s->owned[i], list)) < 0)
			goto out;
	if (json_object_object_add(root, "services", list)) {
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

void state_clear(struct state *s)
{
	free(s->owned);
	s->owned = NULL;
	s->n_owned = 0;
}
