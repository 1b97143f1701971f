// SPDX-License-Identifier: GPL-2.0-only
/*
 * The entry points: read the file, build the YAML tree, apply the schema,
 * validate. Plus the built-in defaults and small helpers around the model.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int config_fail(struct config_ctx *ctx, int r, uint32_t line, uint32_t column, const char *fmt, ...)
{
	struct config_error *e = ctx->err;
	va_list ap;

	snprintf(e->file, sizeof(e->file), "%s", ctx->file);
	e->line = line;
	e->column = column;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return r;
}

void config_defaults(struct config_policy *ret)
{
	*ret = (struct config_policy){
		.scheduler = "wrr",
		.forwarding = CONFIG_FORWARD_MASQ,
		.weight = 100,
		.persistence_ms = 0,
		.quarantine = {
			.action = CONFIG_QUARANTINE_WEIGHT0,
			.base_ms = 10000,
			.max_ms = 300000,
			.multiplier = 2.0,
			.jitter = 0.1,
			.max_ejected_percent = 50,
			/* the first SYN retransmit leaves at 1s: be done well before */
			.syn_timeout_min_ms = 200,
			.syn_timeout_max_ms = 900,
			.syn_timeout_rtt_factor = 4,
			.failures = 1,
			.window_ms = 10000,
		},
		.probation = {
			.probe = CONFIG_PROBE_AUTO,
			.interval_ms = 1000,
			.timeout_ms = 1000,
			.successes = 1,
			.warmup_ms = 30000,
		},
		.health = {
			.enabled = true,
			.interval_ms = 5000,
			.min_change = 0.1,
			.max_changes_per_minute = 6,
		},
		.fallback = {
			.interval_ms = 2000,
			.timeout_ms = 1000,
		},
	};
}

void config_agent_defaults(struct config_agent *ret)
{
	*ret = (struct config_agent){
		.interface = "vigil0",
		.state_dir = "/var/lib/vigil",
		.control_socket = "/run/vigil/vigil.sock",
		.control_group = "vigil",
		.reconcile_interval_ms = 10000,
		.sysctls = true,
		.max_flows = 65536,
		.ringbuf_size = 4u << 20,
		.metrics = { .family = 0 },
	};
}

void config_free(struct config *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->n_services; i++)
		free(c->services[i].dests);
	free(c->services);
	free(c);
}

int config_parse(const char *text, size_t len, const char *name, struct config **ret,
		 struct config_error *ret_err)
{
	struct config_error scratch = { 0 };
	struct config_ctx ctx = { .file = name ? name : "<config>",
				  .err = ret_err ? ret_err : &scratch };
	const struct config_node *root;
	struct config_tree *tree;
	struct config *c;
	int r;

	*ret = NULL;
	memset(ctx.err, 0, sizeof(*ctx.err));
	if (!text)
		text = "";
	if (len > CONFIG_MAX_FILE_SIZE)
		return config_fail(&ctx, -EFBIG, 0, 0,
				   "config is too large (%zu bytes, at most %u)", len,
				   CONFIG_MAX_FILE_SIZE);
	r = config_tree_parse(&ctx, text, len, &tree, &root);
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c) {
		config_tree_free(tree);
		return config_fail(&ctx, -ENOMEM, 0, 0, "out of memory");
	}
	snprintf(c->source, sizeof(c->source), "%s", ctx.file);
	config_agent_defaults(&c->agent);
	config_defaults(&c->defaults);
	r = config_schema_apply(&ctx, root, c);
	config_tree_free(tree); /* the model holds copies of everything it needs */
	if (r == 0)
		r = config_validate(c, ctx.err);
	if (r < 0) {
		config_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

static int errno_fail(struct config_ctx *ctx, int r, const char *what)
{
	char buf[128];

	return config_fail(ctx, r, 0, 0, "%s: %s", what, strerror_r(-r, buf, sizeof(buf)));
}

const char *config_file_type_name(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	return "of an unknown type";
}

/*
 * The whole file, refusing more than CONFIG_MAX_FILE_SIZE whatever fstat()
 * says. Only a regular file: a FIFO would block vigild's loop until someone
 * writes to it, and a device has no end.
 */
static int read_file(struct config_ctx *ctx, int fd, char **ret, size_t *ret_len)
{
	size_t len = 0, cap = 64u << 10;
	char *buf = NULL, *p;
	struct stat st;
	ssize_t n;
	int flags;

	if (fstat(fd, &st) < 0)
		return errno_fail(ctx, -errno, "cannot read config");
	if (!S_ISREG(st.st_mode))
		return config_fail(ctx, S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL, 0, 0,
				   "cannot read config: not a regular file (%s)",
				   config_file_type_name(st.st_mode));
	/* opened non-blocking only to get past a FIFO's open(); reads need no such thing */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		return errno_fail(ctx, -errno, "cannot read config");
	if ((uint64_t)st.st_size > CONFIG_MAX_FILE_SIZE)
		return config_fail(ctx, -EFBIG, 0, 0,
				   "config is too large (%llu bytes, at most %u)",
				   (unsigned long long)st.st_size, CONFIG_MAX_FILE_SIZE);
	for (;;) {
		if (!buf || len == cap) {
			if (buf)
				cap *= 2;
			/* one byte more than the limit, to notice a file that grew past it */
			if (cap > CONFIG_MAX_FILE_SIZE + 1)
				cap = CONFIG_MAX_FILE_SIZE + 1;
			p = realloc(buf, cap);
			if (!p) {
				free(buf);
				return config_fail(ctx, -ENOMEM, 0, 0, "out of memory");
			}
			buf = p;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;

			free(buf);
			return errno_fail(ctx, r, "cannot read config");
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_MAX_FILE_SIZE) {
			free(buf);
			return config_fail(ctx, -EFBIG, 0, 0,
					   "config is too large (more than %u bytes)",
					   CONFIG_MAX_FILE_SIZE);
		}
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

int config_load(const char *path, struct config **ret, struct config_error *ret_err)
{
	struct config_error scratch = { 0 };
	struct config_ctx ctx = { .file = path, .err = ret_err ? ret_err : &scratch };
	char *text = NULL;
	size_t len = 0;
	int fd, r;

	*ret = NULL;
	memset(ctx.err, 0, sizeof(*ctx.err));
	/* O_NONBLOCK: open() of a FIFO would otherwise wait for a writer, forever */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno_fail(&ctx, -errno, "cannot open config");
	r = read_file(&ctx, fd, &text, &len);
	close(fd);
	if (r < 0)
		return r;
	r = config_parse(text, len, path, ret, ctx.err);
	free(text);
	return r;
}

const struct config_service *config_find_service(const struct config *c, const char *name)
{
	for (uint32_t i = 0; i < c->n_services; i++)
		if (!strcmp(c->services[i].name, name))
			return &c->services[i];
	return NULL;
}

int config_error_format(const struct config_error *err, char *buf, size_t size)
{
	int n;

	if (err->line)
		n = snprintf(buf, size, "%s:%u:%u: %s", err->file, err->line, err->column,
			     err->message);
	else
		n = snprintf(buf, size, "%s: %s", err->file, err->message);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

int config_check(const char *path, char *buf, size_t size)
{
	struct config_error err;
	struct config *c = NULL;
	int r;

	r = config_load(path, &c, &err);
	if (r < 0) {
		config_error_format(&err, buf, size);
		return r;
	}
	snprintf(buf, size, "%s: valid, %u services", path, c->n_services);
	config_free(c);
	return 0;
}

const char *config_protocol_name(uint8_t protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	default:
		return "unknown";
	}
}

const char *config_forwarding_name(enum config_forwarding f)
{
	switch (f) {
	case CONFIG_FORWARD_MASQ:
		return "masq";
	case CONFIG_FORWARD_ROUTE:
		return "route";
	case CONFIG_FORWARD_TUNNEL:
		return "tunnel";
	default:
		return "unknown";
	}
}

const char *config_quarantine_action_name(enum config_quarantine_action a)
{
	switch (a) {
	case CONFIG_QUARANTINE_WEIGHT0:
		return "weight0";
	case CONFIG_QUARANTINE_REMOVE:
		return "remove";
	default:
		return "unknown";
	}
}

const char *config_probe_name(enum config_probe p)
{
	switch (p) {
	case CONFIG_PROBE_AUTO:
		return "auto";
	case CONFIG_PROBE_NONE:
		return "none";
	case CONFIG_PROBE_TCP:
		return "tcp";
	default:
		return "unknown";
	}
}
