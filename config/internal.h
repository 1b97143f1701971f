/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared between the files of config/; not part of the library's interface. */
#ifndef VIGIL_CONFIG_INTERNAL_H
#define VIGIL_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Where errors go while one text is being parsed. */
struct config_ctx {
	const char *file;
	struct config_error *err;
	uint32_t file_index; /* what config_service.file the services read now get */
};

/* Fills ctx->err with a positioned message; returns R (a negative errno). */
int config_fail(struct config_ctx *ctx, int r, uint32_t line, uint32_t column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * The YAML document as a tree: libyaml's events, bounded in depth, node count
 * and scalar length, without anchors, aliases or tags. Everything lives in one
 * arena freed by config_tree_free().
 */
enum config_node_kind {
	CONFIG_NODE_SCALAR,
	CONFIG_NODE_SEQUENCE,
	CONFIG_NODE_MAPPING,
};

struct config_node {
	struct config_node *child; /* first child; a mapping alternates key, value */
	struct config_node *next;
	char *text; /* scalars: NUL-terminated (NULs inside are rejected) */
	uint32_t line, column;
	uint8_t kind;
	bool plain; /* unquoted scalar: only those can be null */
};

struct config_tree;

/* *ret_root is NULL for a stream without a document. */
int config_tree_parse(struct config_ctx *ctx, const char *text, size_t len,
		      struct config_tree **ret, const struct config_node **ret_root);
void config_tree_free(struct config_tree *t);

/* YAML's null: an unquoted "", "~", "null", "Null" or "NULL". */
bool config_node_is_null(const struct config_node *n);

/* The patterns of `include:`, copied out of the tree that held them. */
struct config_pattern {
	char *text;
	uint32_t line, column;
};

struct config_patterns {
	struct config_pattern *v;
	uint32_t n;
};

void config_patterns_free(struct config_patterns *p);

/*
 * Fills C (already holding the built-in defaults) from the main file's root
 * mapping; *ret_includes gets its `include:` patterns, to be read after it.
 */
int config_schema_apply(struct config_ctx *ctx, const struct config_node *root, struct config *c,
			struct config_patterns *ret_includes);
/* Appends the services of an included file (root mapping ROOT) to C. */
int config_schema_apply_included(struct config_ctx *ctx, const struct config_node *root,
				 struct config *c);

/* Decimal without sign or leading zeros: 0, -EINVAL or -ERANGE. */
int config_uint_parse(const char *text, uint64_t *ret);
/* "2", "2.5": 0 or -EINVAL (at most 15 digits, so the value is exact). */
int config_decimal_parse(const char *text, double *ret);
/* A whole percentage, "50%" or "50": 0, -EINVAL or -ERANGE. */
int config_percent_parse(const char *text, uint64_t *ret);
/* true/false, yes/no, on/off in lower, Capitalised or UPPER case. */
int config_bool_parse(const char *text, bool *ret);

/*
 * Appended to the error about an IPv6 address that YAML read as a list
 * because it was not quoted, before the quoted form.
 */
#define CONFIG_IPV6_QUOTE_HINT "an IPv6 address with a port must be quoted"
/* How config_addr_parse()'s reason for an IPv6 address without brackets begins. */
#define CONFIG_IPV6_BRACKETS   "an IPv6 address needs brackets"

/* TEXT quoted for a message: escaped, and shortened to about 64 characters. */
const char *config_quote(const char *text, char *buf, size_t size);
#define CONFIG_QUOTE_SIZE 80

#endif
