// SPDX-License-Identifier: GPL-2.0-only
/*
 * The entry points: read the file, build the YAML tree (tree.c), apply the
 * schema (schema.c), validate (validate.c).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
