// SPDX-License-Identifier: GPL-2.0-only
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "config.h"
#include "event.h"

#define STATE_VERSION 1

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A service's key appended to LIST, or added to the object INTO:
 * {"protocol", "vip"}, or {"fwmark", "family"} for a fwmark service.
 */
static int service_to_json(const struct ipvs_service *svc, struct json_object *list,
			   struct json_object *into)
{
	struct config_addr addr = { .family = svc->af, .port = svc->port };
	struct json_object *o = into ? into : json_object_new_object();
	char vip[ADDR_PORT_STRLEN];
	int r = 0;

	if (!o)
		return -ENOMEM;
	if (svc->fwmark) {
		r |= json_object_object_add(o, "fwmark", json_object_new_uint64(svc->fwmark));
		r |= json_object_object_add(o, "family",
					    json_object_new_string(config_family_name(svc->af)));
	} else {
		memcpy(addr.addr, &svc->addr, sizeof(addr.addr));
		config_addr_format(&addr, vip, sizeof(vip));
		r |= json_object_object_add(
		    o, "protocol", json_object_new_string(config_protocol_name(svc->protocol)));
		r |= json_object_object_add(o, "vip", json_object_new_string(vip));
	}
	if (r || (list && json_object_array_add(list, o))) {
		if (!into)
			json_object_put(o);
		return -ENOMEM;
	}
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

/*
 * "interface" (a string, "" when none) and "sysctls" ([{"name":
 * "net.ipv4.vs.expire_nodest_conn", "was": 0, "set": 1}]): what cleanup undoes.
 */
static int host_to_json(const struct state *s, struct json_object *root)
{
	struct json_object *list = json_object_new_array(), *o;
	char name[sizeof(HOSTCHANGE_SYSCTL_PREFIX) + HOSTCHANGE_NAME_MAX];
	size_t i;

	if (!list ||
	    json_object_object_add(root, "interface", json_object_new_string(s->interface)))
		goto fail;
	for (i = 0; i < s->n_sysctls; i++) {
		o = json_object_new_object();
		if (!o || json_object_array_add(list, o)) {
			json_object_put(o);
			goto fail;
		}
		snprintf(name, sizeof(name), HOSTCHANGE_SYSCTL_PREFIX "%s", s->sysctls[i].name);
		if (json_object_object_add(o, "name", json_object_new_string(name)) ||
		    json_object_object_add(o, "was", json_object_new_int(s->sysctls[i].was)) ||
		    json_object_object_add(o, "set", json_object_new_int(s->sysctls[i].set)))
			goto fail;
	}
	if (json_object_object_add(root, "sysctls", list))
		return -ENOMEM;
	return 0;
fail:
	json_object_put(list);
	return -ENOMEM;
}

/*
 * The reader is strict: the file is vigild's own, so anything it would not
 * have written (data after the JSON, a field of another type, a time that
 * would wrap) means damage, and guessing would risk the ownership records.
 * Errors name the record and the field; the caller names the file.
 */
struct reader {
	char *err;
	size_t err_size;
	char where[40]; /* "service 2", "destination 5", "sysctl 1", or "" at the top level */
};

static int read_fail(struct reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int read_fail(struct reader *rd, const char *fmt, ...)
{
	char message[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (rd->err_size)
		snprintf(rd->err, rd->err_size, "%s%s%s", rd->where, rd->where[0] ? ": " : "",
			 message);
	return -EBADMSG;
}

/* V as JSON, shortened, for "must be X, got V". */
static const char *json_show(struct json_object *v, char *buf, size_t size)
{
	const char *text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE);

	if (strlen(text) < size)
		snprintf(buf, size, "%s", text);
	else
		snprintf(buf, size, "%.*s...", (int)size - 4, text);
	return buf;
}

#define SHOW_SIZE 48

/* The member KEY of O, which must be of TYPE (NOUN in the message if not). */
static int member(struct reader *rd, struct json_object *o, const char *key, json_type type,
		  const char *noun, struct json_object **ret)
{
	char shown[SHOW_SIZE];
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return read_fail(rd, "no \"%s\"", key);
	/* a JSON null is a NULL object, of type json_type_null */
	if (!json_object_is_type(v, type))
		return read_fail(rd, "%s must be %s, got %s", key, noun,
				 json_show(v, shown, sizeof(shown)));
	*ret = v;
	return 0;
}

/* An integer 0..MAX. */
static int get_uint(struct reader *rd, struct json_object *o, const char *key, uint64_t max,
		    uint64_t *ret)
{
	char shown[SHOW_SIZE];
	struct json_object *v;
	int r = member(rd, o, key, json_type_int, "an integer", &v);

	if (r < 0)
		return r;
	/* json-c keeps an int64 or a uint64; get_uint64() reads a negative one as 0 */
	if (json_object_get_int64(v) < 0 || json_object_get_uint64(v) > max)
		return read_fail(rd, "%s %s is out of range 0..%" PRIu64, key,
				 json_show(v, shown, sizeof(shown)), max);
	*ret = json_object_get_uint64(v);
	return 0;
}

/*
 * Wall-clock milliseconds, and durations, are at most INT64_MAX ns (April
 * 2262): the agent shifts times by a signed offset between clocks, and a
 * larger one would wrap there, if not already in the multiplication by 10^6.
 */
#define TIME_MAX_MS ((uint64_t)INT64_MAX / (uint64_t)NS_PER_MS)

/* A time written by add_time(): ms of wall time, or -1 for POLICY_NEVER. */
static int get_time(struct reader *rd, struct json_object *o, const char *key, uint64_t *ret_ns)
{
	char shown[SHOW_SIZE];
	struct json_object *v;
	int r = member(rd, o, key, json_type_int, "an integer", &v);

	if (r < 0)
		return r;
	if (json_object_get_int64(v) == -1) {
		*ret_ns = POLICY_NEVER;
		return 0;
	}
	if (json_object_get_int64(v) < 0 || json_object_get_uint64(v) > TIME_MAX_MS)
		return read_fail(rd, "%s %s is out of range -1..%" PRIu64 " (ms, -1 for never)",
				 key, json_show(v, shown, sizeof(shown)), TIME_MAX_MS);
	*ret_ns = json_object_get_uint64(v) * NS_PER_MS;
	return 0;
}

static int get_addr(struct reader *rd, struct json_object *o, const char *key,
		    struct config_addr *ret)
{
	char shown[SHOW_SIZE], why[160];
	struct json_object *v;
	int r = member(rd, o, key, json_type_string, "a string", &v);

	if (r < 0)
		return r;
	if (config_addr_parse(json_object_get_string(v), ret, why, sizeof(why)) < 0)
		return read_fail(rd, "bad %s %s: %s", key, json_show(v, shown, sizeof(shown)), why);
	return 0;
}

/* {"fwmark", "family"}: a fwmark service's key. */
static int fwmark_read(struct reader *rd, struct json_object *o, struct ipvs_service *ret)
{
	char shown[SHOW_SIZE];
	struct json_object *family;
	uint64_t mark;
	int r;

	r = get_uint(rd, o, "fwmark", UINT32_MAX, &mark);
	if (!r)
		r = member(rd, o, "family", json_type_string, "a string", &family);
	if (r < 0)
		return r;
	if (!mark)
		return read_fail(rd, "fwmark 0 is no firewall mark");
	if (!strcmp(json_object_get_string(family), "inet"))
		ret->af = AF_INET;
	else if (!strcmp(json_object_get_string(family), "inet6"))
		ret->af = AF_INET6;
	else
		return read_fail(rd, "family must be \"inet\" or \"inet6\", got %s",
				 json_show(family, shown, sizeof(shown)));
	ret->fwmark = (uint32_t)mark;
	return 0;
}

/*
 * {"protocol", "vip"} or {"fwmark", "family"}: an owned service, or the
 * service of a destination.
 */
static int service_read(struct reader *rd, struct json_object *o, struct ipvs_service *ret)
{
	char shown[SHOW_SIZE];
	struct json_object *proto;
	struct config_addr addr;
	const char *p;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!json_object_is_type(o, json_type_object))
		return read_fail(rd, "expected an object, got %s",
				 json_show(o, shown, sizeof(shown)));
	if (json_object_object_get_ex(o, "fwmark", NULL))
		return fwmark_read(rd, o, ret);
	r = member(rd, o, "protocol", json_type_string, "a string", &proto);
	if (r < 0)
		return r;
	p = json_object_get_string(proto);
	if (!strcmp(p, "tcp"))
		ret->protocol = IPPROTO_TCP;
	else if (!strcmp(p, "udp"))
		ret->protocol = IPPROTO_UDP;
	else
		return read_fail(rd, "protocol must be \"tcp\" or \"udp\", got %s",
				 json_show(proto, shown, sizeof(shown)));
	r = get_addr(rd, o, "vip", &addr);
	if (r < 0)
		return r;
	ret->af = addr.family;
	memcpy(&ret->addr, addr.addr, sizeof(ret->addr));
	ret->port = addr.port;
	return 0;
}

static int dest_read(struct reader *rd, struct json_object *o, struct state_dest *ret)
{
	static const enum policy_state states[] = { POLICY_HEALTHY, POLICY_QUARANTINED,
						    POLICY_PROBATION, POLICY_RAMPING };
	struct policy_dest *p = &ret->policy;
	uint64_t relapses, quarantines, last_ms;
	char shown[SHOW_SIZE];
	struct json_object *st, *manual;
	size_t i;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = service_read(rd, o, &ret->key);
	if (!r)
		r = get_addr(rd, o, "real", &ret->real);
	if (!r)
		r = member(rd, o, "state", json_type_string, "a string", &st);
	if (r < 0)
		return r;
	for (i = 0; i < ARRAY_SIZE(states); i++)
		if (!strcmp(json_object_get_string(st), policy_state_name(states[i])))
			break;
	if (i == ARRAY_SIZE(states))
		return read_fail(rd,
				 "state %s is unknown (expected healthy, quarantined, "
				 "probation or ramping)",
				 json_show(st, shown, sizeof(shown)));
	p->state = states[i];
	r = member(rd, o, "manual", json_type_boolean, "true or false", &manual);
	if (!r)
		r = get_uint(rd, o, "relapses", UINT32_MAX, &relapses);
	if (!r)
		r = get_uint(rd, o, "quarantines", UINT32_MAX, &quarantines);
	if (!r)
		r = get_time(rd, o, "since_ms", &p->since_ns);
	if (!r)
		r = get_time(rd, o, "until_ms", &p->until_ns);
	if (!r)
		r = get_time(rd, o, "next_probe_ms", &p->next_probe_ns);
	if (!r)
		r = get_uint(rd, o, "last_duration_ms", TIME_MAX_MS, &last_ms);
	if (!r)
		r = get_time(rd, o, "stable_since_ms", &p->stable_since_ns);
	if (r < 0)
		return r;
	p->manual = json_object_get_boolean(manual);
	p->relapses = relapses;
	p->quarantines = quarantines;
	p->last_duration_ns = last_ms * NS_PER_MS;
	return 0;
}

/* An int, as a sysctl holds. */
static int get_int(struct reader *rd, struct json_object *o, const char *key, int *ret)
{
	char shown[SHOW_SIZE];
	struct json_object *v;
	int r = member(rd, o, key, json_type_int, "an integer", &v);

	if (r < 0)
		return r;
	if (json_object_get_int64(v) < INT32_MIN || json_object_get_int64(v) > INT32_MAX)
		return read_fail(rd, "%s %s is out of range", key,
				 json_show(v, shown, sizeof(shown)));
	*ret = (int)json_object_get_int64(v);
	return 0;
}

static int sysctl_read(struct reader *rd, struct json_object *o, struct state *s)
{
	static const char prefix[] = HOSTCHANGE_SYSCTL_PREFIX;
	char shown[SHOW_SIZE];
	struct json_object *name;
	const char *short_name;
	int was, set, r;

	if (!json_object_is_type(o, json_type_object))
		return read_fail(rd, "expected an object, got %s",
				 json_show(o, shown, sizeof(shown)));
	r = member(rd, o, "name", json_type_string, "a string", &name);
	if (!r)
		r = get_int(rd, o, "was", &was);
	if (!r)
		r = get_int(rd, o, "set", &set);
	if (r < 0)
		return r;
	short_name = json_object_get_string(name);
	/* only vigild's own sysctls: cleanup writes what this names */
	if (strncmp(short_name, prefix, sizeof(prefix) - 1) ||
	    !ipvs_sysctl_name_valid(short_name + sizeof(prefix) - 1))
		return read_fail(rd, "name must be net.ipv4.vs.<name>, got %s",
				 json_show(name, shown, sizeof(shown)));
	short_name += sizeof(prefix) - 1;
	if (hostchange_sysctl_find(s->sysctls, s->n_sysctls, short_name))
		return read_fail(rd, "%s is recorded twice", json_object_get_string(name));
	r = hostchange_sysctl_record(&s->sysctls, &s->n_sysctls, short_name, was, set);
	return r < 0 ? r : 0;
}

/* "interface" and "sysctls": absent from files vigild wrote before it kept them. */
static int host_read(struct reader *rd, struct json_object *root, struct state *s)
{
	struct json_object *v;
	char shown[SHOW_SIZE];
	size_t i, n;
	int r;

	if (json_object_object_get_ex(root, "interface", NULL)) {
		if (member(rd, root, "interface", json_type_string, "a string", &v) < 0)
			return -EBADMSG;
		if (state_set_interface(s, json_object_get_string(v)) < 0)
			return read_fail(rd, "interface %s is not an interface name",
					 json_show(v, shown, sizeof(shown)));
	}
	if (!json_object_object_get_ex(root, "sysctls", NULL))
		return 0;
	if (member(rd, root, "sysctls", json_type_array, "a list", &v) < 0)
		return -EBADMSG;
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		snprintf(rd->where, sizeof(rd->where), "sysctl %zu", i + 1);
		r = sysctl_read(rd, json_object_array_get_idx(v, i), s);
		if (r < 0)
			return r;
	}
	rd->where[0] = '\0';
	return 0;
}

/*
 * The whole of a regular file, NUL-terminated. Opened non-blocking: open()
 * of a FIFO would otherwise wait for a writer, and vigild with it.
 */
static int read_text(struct reader *rd, const char *path, char **ret, size_t *ret_len)
{
	size_t len = 0, cap;
	char *text = NULL, *p;
	struct stat st;
	int fd, flags, r = 0;

	*ret = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		read_fail(rd, "not a regular file (%s)", config_file_type_name(st.st_mode));
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	/* only open() needed it; a regular file's reads never wait anyway */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		r = -errno;
		goto out;
	}
	cap = (size_t)st.st_size + 1;
	for (;;) {
		ssize_t n;

		if (!text || len + 1 >= cap) {
			cap = text ? 2 * cap : cap;
			/* json-c takes an int length */
			if (cap > INT32_MAX) {
				r = -EFBIG;
				break;
			}
			p = realloc(text, cap);
			if (!p) {
				r = -ENOMEM;
				break;
			}
			text = p;
		}
		n = read(fd, text + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (r < 0) {
		free(text);
		goto out;
	}
	text[len] = '\0';
	*ret = text;
	*ret_len = len;
out:
	close(fd);
	return r;
}

/* TEXT, LEN bytes and NUL-terminated, as one JSON object and nothing after it. */
static int parse_json(struct reader *rd, const char *text, size_t len, struct json_object **ret)
{
	struct json_tokener *tok;
	struct json_object *root;
	const char *nul;
	size_t end;

	*ret = NULL;
	if (len == 0)
		return read_fail(rd, "the file is empty");
	/* what a crash can leave of a file: its size, with zeros */
	nul = memchr(text, '\0', len);
	if (nul)
		return read_fail(rd, "not valid JSON: a NUL byte at offset %zu",
				 (size_t)(nul - text));
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	/* strict JSON; what follows the object is checked below, to say what it is */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	/* the terminating NUL included: it tells json-c that the input ends there */
	root = json_tokener_parse_ex(tok, text, (int)len + 1);
	end = json_tokener_get_parse_end(tok);
	if (!root) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		json_tokener_free(tok);
		return read_fail(rd, "not valid JSON: %s at offset %zu",
				 e == json_tokener_continue ? "unexpected end of data"
							    : json_tokener_error_desc(e),
				 end < len ? end : len);
	}
	json_tokener_free(tok);
	while (end < len &&
	       (text[end] == ' ' || text[end] == '\t' || text[end] == '\n' || text[end] == '\r'))
		end++;
	if (end < len) {
		json_object_put(root);
		return read_fail(rd, "data after the JSON object, at offset %zu", end);
	}
	*ret = root;
	return 0;
}

int state_load(const char *path, struct state *ret, char *err, size_t err_size)
{
	struct reader rd = { .err = err, .err_size = err_size };
	struct json_object *root = NULL, *version, *list;
	char shown[SHOW_SIZE], *text = NULL;
	struct state s = { 0 };
	size_t len = 0, i, n;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (err_size)
		err[0] = '\0';
	r = read_text(&rd, path, &text, &len);
	if (r == -ENOENT)
		return 0; /* vigild has not owned anything yet */
	if (r < 0) {
		if (err_size && !err[0])
			snprintf(err, err_size, "%s", strerror(-r));
		return r;
	}
	r = parse_json(&rd, text, len, &root);
	free(text);
	if (r < 0)
		return r;
	r = -EBADMSG;
	if (!json_object_is_type(root, json_type_object)) {
		read_fail(&rd, "the top level must be an object, got %s",
			  json_show(root, shown, sizeof(shown)));
		goto out;
	}
	if (member(&rd, root, "version", json_type_int, "an integer", &version) < 0)
		goto out;
	if (json_object_get_int64(version) != STATE_VERSION) {
		read_fail(&rd, "version %s is unknown (this vigild reads version %d)",
			  json_show(version, shown, sizeof(shown)), STATE_VERSION);
		goto out;
	}
	if (member(&rd, root, "services", json_type_array, "a list", &list) < 0)
		goto out;
	n = json_object_array_length(list);
	s.owned = calloc(n ? n : 1, sizeof(*s.owned));
	if (!s.owned) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		snprintf(rd.where, sizeof(rd.where), "service %zu", i + 1);
		if (service_read(&rd, json_object_array_get_idx(list, i), &s.owned[i]) < 0)
			goto out;
	}
	rd.where[0] = '\0';
	s.n_owned = n;
	/* written by vigild before it kept destinations: none */
	if (json_object_object_get_ex(root, "destinations", NULL)) {
		if (member(&rd, root, "destinations", json_type_array, "a list", &list) < 0)
			goto out;
		n = json_object_array_length(list);
		s.dests = calloc(n ? n : 1, sizeof(*s.dests));
		if (!s.dests) {
			r = -ENOMEM;
			goto out;
		}
		for (i = 0; i < n; i++) {
			snprintf(rd.where, sizeof(rd.where), "destination %zu", i + 1);
			if (dest_read(&rd, json_object_array_get_idx(list, i), &s.dests[i]) < 0)
				goto out;
		}
		s.n_dests = n;
	}
	rd.where[0] = '\0';
	if (host_read(&rd, root, &s) < 0)
		goto out;
	*ret = s;
	s.owned = NULL;
	s.dests = NULL;
	s.sysctls = NULL;
	r = 0;
out:
	free(s.owned);
	free(s.dests);
	free(s.sysctls);
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

/* PATH's directory, synced: until then a crash may undo a rename into it. */
static int sync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int fd, r = 0;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) >= sizeof(dir))
		return -ENAMETOOLONG;
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

/*
 * TEXT and a newline as the content of PATH, all or nothing: a new file next
 * to it, synced, renamed over it, and the directory synced.
 */
static int replace_file(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/*
	 * A new name, created with O_CREAT | O_EXCL: whatever someone planted
	 * in the directory, a symlink above all, is neither followed nor
	 * truncated, and a temporary file a crash left behind is no obstacle.
	 */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* mkostemp() makes it 0600: keep the mode the state file always had */
	r = fchmod(fd, 0644) < 0 ? -errno : 0;
	if (!r)
		r = write_all(fd, text);
	if (!r)
		r = write_all(fd, "\n");
	/* the data must be on disk before the rename makes it the state */
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r) {
		unlink(tmp);
		return r;
	}
	return sync_dir_of(path);
}

int state_save(const char *path, const struct state *s)
{
	struct json_object *root = json_object_new_object(), *list = json_object_new_array();
	size_t i;
	int r = -ENOMEM;

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
	r = host_to_json(s, root);
	if (r < 0)
		goto out;
	r = replace_file(path, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
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

int state_set_interface(struct state *s, const char *name)
{
	/* a name the kernel could have: no '/', no whitespace, not "." or ".." */
	if (strlen(name) >= sizeof(s->interface) || strpbrk(name, "/ \t\n:") ||
	    !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	snprintf(s->interface, sizeof(s->interface), "%s", name);
	return 0;
}

void state_clear(struct state *s)
{
	free(s->owned);
	free(s->dests);
	free(s->sysctls);
	memset(s, 0, sizeof(*s));
}
