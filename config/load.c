// SPDX-License-Identifier: GPL-2.0-only
/*
 * The entry points: read the file, build the YAML tree (tree.c), apply the
 * schema (schema.c), read the files `include:` names the same way, validate
 * them together (validate.c).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The files read so far, by identity: a file two patterns match is read once. */
struct seen {
	struct {
		dev_t dev;
		ino_t ino;
	} v[CONFIG_MAX_FILES + 1];
	uint32_t n;
};

static bool seen_add(struct seen *s, const struct stat *st)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (s->v[i].dev == st->st_dev && s->v[i].ino == st->st_ino)
			return false;
	s->v[s->n].dev = st->st_dev;
	s->v[s->n++].ino = st->st_ino;
	return true;
}

/* Reads the included file PATH (matched by P) into C, unless it was read already. */
static int include_file(struct config_ctx *ctx, struct config *c, const struct config_pattern *p,
			const char *path, struct seen *seen)
{
	struct config_ctx inc = { .err = ctx->err };
	const struct config_node *root;
	struct config_tree *tree;
	char *text = NULL, **files;
	size_t len = 0;
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		struct config_ctx at = { .file = path, .err = ctx->err };

		r = -errno;
		if (fd >= 0)
			close(fd);
		return errno_fail(&at, r, "cannot open included file");
	}
	if (!seen_add(seen, &st)) {
		close(fd);
		return 0;
	}
	if (c->n_files == CONFIG_MAX_FILES) {
		close(fd);
		return config_fail(ctx, -EINVAL, p->line, p->column,
				   "include matches too many files (at most %u in all)",
				   CONFIG_MAX_FILES);
	}
	files = realloc(c->files, (c->n_files + 1) * sizeof(*files));
	if (files)
		c->files = files;
	if (!files || !(c->files[c->n_files] = strdup(path))) {
		close(fd);
		return config_fail(ctx, -ENOMEM, 0, 0, "out of memory");
	}
	inc.file = c->files[c->n_files++];
	inc.file_index = c->n_files;
	r = read_file(&inc, fd, &text, &len);
	close(fd);
	if (r < 0)
		return r;
	r = config_tree_parse(&inc, text, len, &tree, &root);
	free(text);
	if (r < 0)
		return r;
	r = config_schema_apply_included(&inc, root, c);
	config_tree_free(tree);
	return r;
}

/*
 * glob()'s error callback has no argument of its own: what failed is left
 * here for the one call that is running on this thread.
 */
static _Thread_local struct {
	int err;
	char path[256];
} glob_failure;

static int on_glob_error(const char *path, int err)
{
	/* a directory that is not there (yet) holds no files: nothing matched */
	if (err == ENOENT || err == ENOTDIR)
		return 0;
	/* but one vigild cannot read may hold services: a reload must not drop them */
	glob_failure.err = err;
	snprintf(glob_failure.path, sizeof(glob_failure.path), "%s", path);
	return 1;
}

/* P as a path: a relative pattern is taken from the main file's directory. */
static int pattern_path(struct config_ctx *ctx, const struct config_pattern *p, char *buf,
			size_t size)
{
	const char *slash = strrchr(ctx->file, '/');
	int n;

	if (p->text[0] == '/')
		n = snprintf(buf, size, "%s", p->text);
	else if (slash)
		n = snprintf(buf, size, "%.*s/%s", (int)(slash - ctx->file), ctx->file, p->text);
	else
		n = snprintf(buf, size, "%s", p->text);
	if (n < 0 || (size_t)n >= size)
		return config_fail(ctx, -EINVAL, p->line, p->column, "include pattern is too long");
	return 0;
}

/*
 * The files of one pattern, in glob()'s order (sorted by name). A pattern
 * with wildcards may match nothing (an empty conf.d); a plain name must be
 * there, since nothing else would tell of a typo.
 */
static int include_pattern(struct config_ctx *ctx, struct config *c, const struct config_pattern *p,
			   struct seen *seen)
{
	char path[PATH_MAX], buf[128], q[CONFIG_QUOTE_SIZE];
	glob_t g;
	int r;

	r = pattern_path(ctx, p, path, sizeof(path));
	if (r < 0)
		return r;
	memset(&glob_failure, 0, sizeof(glob_failure));
	r = glob(path, 0, on_glob_error, &g);
	if (r == GLOB_NOMATCH) {
		globfree(&g);
		if (strpbrk(p->text, "*?["))
			return 0;
		return config_fail(ctx, -EINVAL, p->line, p->column,
				   "include %s: no such file (a pattern with * ? or [ may match "
				   "nothing; a plain name must exist)",
				   config_quote(p->text, q, sizeof(q)));
	}
	if (r == GLOB_NOSPACE) {
		globfree(&g);
		return config_fail(ctx, -ENOMEM, 0, 0, "out of memory");
	}
	if (r != 0) {
		globfree(&g);
		return config_fail(
		    ctx, -EINVAL, p->line, p->column, "include %s: cannot read %s: %s",
		    config_quote(p->text, q, sizeof(q)),
		    glob_failure.err ? glob_failure.path : "a directory",
		    strerror_r(glob_failure.err ? glob_failure.err : EIO, buf, sizeof(buf)));
	}
	for (size_t i = 0; i < g.gl_pathc && r == 0; i++)
		r = include_file(ctx, c, p, g.gl_pathv[i], seen);
	globfree(&g);
	return r;
}

/*
 * The main file: its tree, then the files it includes (after its own
 * services, with its defaults), then the checks across all of them. MAIN is
 * the main file's identity, so that a pattern matching it does not read it
 * twice; NULL for text that came from no file, which includes nothing.
 */
static int parse_main(struct config_ctx *ctx, const char *text, size_t len, const struct stat *main,
		      struct config **ret)
{
	struct config_patterns includes = { 0 };
	const struct config_node *root;
	struct config_tree *tree;
	struct seen *seen = NULL;
	struct config *c;
	int r;

	if (len > CONFIG_MAX_FILE_SIZE)
		return config_fail(ctx, -EFBIG, 0, 0, "config is too large (%zu bytes, at most %u)",
				   len, CONFIG_MAX_FILE_SIZE);
	r = config_tree_parse(ctx, text, len, &tree, &root);
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c) {
		config_tree_free(tree);
		return config_fail(ctx, -ENOMEM, 0, 0, "out of memory");
	}
	snprintf(c->source, sizeof(c->source), "%s", ctx->file);
	config_agent_defaults(&c->agent);
	config_defaults(&c->defaults);
	r = config_schema_apply(ctx, root, c, &includes);
	config_tree_free(tree); /* the model holds copies of everything it needs */
	/*
	 * Text from memory has no directory for relative patterns, and the
	 * fuzzer must not read the machine's files (a /proc file can block).
	 */
	if (r == 0 && includes.n && !main)
		r = config_fail(ctx, -EINVAL, includes.v[0].line, includes.v[0].column,
				"include in a config given as text: only a config file includes "
				"others");
	if (r == 0 && includes.n) {
		seen = calloc(1, sizeof(*seen));
		r = seen ? 0 : config_fail(ctx, -ENOMEM, 0, 0, "out of memory");
		if (r == 0)
			seen_add(seen, main);
		for (uint32_t i = 0; i < includes.n && r == 0; i++)
			r = include_pattern(ctx, c, &includes.v[i], seen);
	}
	if (r == 0)
		r = config_validate(c, ctx->err);
	config_patterns_free(&includes);
	free(seen);
	if (r < 0) {
		config_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int config_parse(const char *text, size_t len, const char *name, struct config **ret,
		 struct config_error *ret_err)
{
	struct config_error scratch = { 0 };
	struct config_ctx ctx = { .file = name ? name : "<config>",
				  .err = ret_err ? ret_err : &scratch };

	*ret = NULL;
	memset(ctx.err, 0, sizeof(*ctx.err));
	return parse_main(&ctx, text ? text : "", text ? len : 0, NULL, ret);
}

int config_load(const char *path, struct config **ret, struct config_error *ret_err)
{
	struct config_error scratch = { 0 };
	struct config_ctx ctx = { .file = path, .err = ret_err ? ret_err : &scratch };
	char *text = NULL;
	struct stat st;
	size_t len = 0;
	int fd, r;

	*ret = NULL;
	memset(ctx.err, 0, sizeof(*ctx.err));
	/* O_NONBLOCK: open() of a FIFO would otherwise wait for a writer, forever */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno_fail(&ctx, -errno, "cannot open config");
	r = read_file(&ctx, fd, &text, &len);
	if (r == 0 && fstat(fd, &st) < 0)
		r = errno_fail(&ctx, -errno, "cannot read config");
	close(fd);
	if (r < 0) {
		free(text);
		return r;
	}
	r = parse_main(&ctx, text, len, &st, ret);
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
	if (c->n_files)
		snprintf(buf, size, "%s: valid, %u services (with %u included files)", path,
			 c->n_services, c->n_files);
	else
		snprintf(buf, size, "%s: valid, %u services", path, c->n_services);
	config_free(c);
	return 0;
}
