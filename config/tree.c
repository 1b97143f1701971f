// SPDX-License-Identifier: GPL-2.0-only
/*
 * libyaml's event stream -> a small tree of nodes with 1-based positions.
 *
 * Events rather than yaml_parser_load(): the loader has no bound on depth or
 * node count, and it resolves aliases into a shared graph that a naive walk
 * expands exponentially ("billion laughs"). Here every node costs a slot of a
 * fixed budget and aliases are refused.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define CHUNK_SIZE (64u << 10)

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct config_tree {
	struct chunk *chunks;
	uint32_t n_nodes;
};

struct frame {
	struct config_node *node;
	struct config_node *last; /* last child, to append in O(1) */
};

struct builder {
	struct config_ctx *ctx;
	struct config_tree *tree;
	const struct config_node *root;
	struct frame stack[CONFIG_MAX_DEPTH];
	unsigned int depth;
	unsigned int documents;
};

static void *arena_alloc(struct config_tree *t, size_t size)
{
	struct chunk *c = t->chunks;
	void *p;

	/* nodes hold only pointers and integers; text needs no alignment at all */
	size = (size + alignof(struct config_node) - 1) & ~(alignof(struct config_node) - 1);
	if (!c || c->size - c->used < size) {
		size_t cap = size > CHUNK_SIZE ? size : CHUNK_SIZE;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = t->chunks;
		c->used = 0;
		c->size = cap;
		t->chunks = c;
	}
	p = (char *)c->data + c->used;
	c->used += size;
	return p;
}

void config_tree_free(struct config_tree *t)
{
	struct chunk *c, *next;

	if (!t)
		return;
	for (c = t->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(t);
}

bool config_node_is_null(const struct config_node *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	if (n->kind != CONFIG_NODE_SCALAR || !n->plain)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(nulls); i++)
		if (!strcmp(n->text, nulls[i]))
			return true;
	return false;
}

/* libyaml counts lines and columns from 0; people and editors from 1. */
static uint32_t one_based(size_t v)
{
	return v >= UINT32_MAX ? UINT32_MAX : (uint32_t)v + 1;
}

static int fail_at(struct builder *b, const yaml_mark_t *m, const char *what)
{
	return config_fail(b->ctx, -EINVAL, one_based(m->line), one_based(m->column), "%s", what);
}

/* Reader errors (bad UTF-8, control characters) come with a byte offset, not a mark. */
static int reader_error(struct builder *b, const yaml_parser_t *p, const char *text, size_t len)
{
	uint32_t line = 1, column = 1;
	size_t end = p->problem_offset < len ? p->problem_offset : len;

	for (size_t i = 0; i < end; i++) {
		if (text[i] == '\n') {
			line++;
			column = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			column++; /* count characters, as libyaml's marks do */
		}
	}
	if (p->problem_value != -1)
		return config_fail(b->ctx, -EINVAL, line, column, "syntax error: %s (#x%X)",
				   p->problem, (unsigned int)p->problem_value);
	return config_fail(b->ctx, -EINVAL, line, column, "syntax error: %s", p->problem);
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * The length of an IPv6 literal in brackets at P, with its ":PORT" if any
 * ("[2001:db8::1]:80"); 0 if P is not one.
 */
static size_t bracketed_ipv6_len(const char *p, const char *end)
{
	char host[INET6_ADDRSTRLEN];
	uint8_t addr[16];
	size_t n = 1;

	if (p >= end || *p != '[')
		return 0;
	for (; p + n < end && (is_hex(p[n]) || p[n] == ':' || p[n] == '.'); n++)
		;
	if (p + n >= end || p[n] != ']' || n - 1 >= sizeof(host))
		return 0;
	memcpy(host, p + 1, n - 1);
	host[n - 1] = '\0';
	if (inet_pton(AF_INET6, host, addr) != 1)
		return 0;
	n++;
	if (p + n + 1 < end && p[n] == ':' && p[n + 1] >= '0' && p[n + 1] <= '9')
		for (n++; p + n < end && p[n] >= '0' && p[n] <= '9' && n < 56; n++)
			;
	return n;
}

/*
 * YAML reads an unquoted [2001:db8::1]:80 as a flow list followed by junk,
 * and libyaml's complaint ("did not find expected key") does not say why.
 * If LINE (0-based) has such an address outside quotes and comments, *BUF
 * gets a hint with the quoted form; else it is empty.
 */
static void ipv6_hint(const char *text, size_t len, size_t line, char *buf, size_t size)
{
	const char *p = text, *end = text + len, *eol;
	char quote = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < line && p < end; i++) {
		p = memchr(p, '\n', (size_t)(end - p));
		p = p ? p + 1 : end;
	}
	eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		eol = end;
	for (const char *c = p; c < eol; c++) {
		size_t n;

		if (quote) {
			if (*c == quote)
				quote = 0;
			else if (*c == '\\' && quote == '"')
				c++;
			continue;
		}
		if (*c == '"' || *c == '\'') {
			quote = *c;
			continue;
		}
		if (*c == '#' && (c == p || c[-1] == ' ' || c[-1] == '\t'))
			return;
		n = bracketed_ipv6_len(c, eol);
		if (n) {
			snprintf(buf, size, " (" CONFIG_IPV6_QUOTE_HINT ": \"%.*s%s\")", (int)n, c,
				 c[n - 1] == ']' ? ":PORT" : "");
			return;
		}
	}
}

static int syntax_error(struct builder *b, const yaml_parser_t *p, const char *text, size_t len)
{
	const char *problem = p->problem ? p->problem : "unknown problem";
	char hint[128];

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return config_fail(b->ctx, -ENOMEM, 0, 0, "out of memory");
	case YAML_READER_ERROR:
		return reader_error(b, p, text, len);
	default:
		break;
	}
	ipv6_hint(text, len, p->problem_mark.line, hint, sizeof(hint));
	if (p->context)
		return config_fail(b->ctx, -EINVAL, one_based(p->problem_mark.line),
				   one_based(p->problem_mark.column),
				   "syntax error: %s (%s at %u:%u)%s", problem, p->context,
				   one_based(p->context_mark.line),
				   one_based(p->context_mark.column), hint);
	return config_fail(b->ctx, -EINVAL, one_based(p->problem_mark.line),
			   one_based(p->problem_mark.column), "syntax error: %s%s", problem, hint);
}

static int add_node(struct builder *b, const yaml_event_t *e, enum config_node_kind kind,
		    const yaml_char_t *anchor, const yaml_char_t *tag, struct config_node **ret)
{
	struct config_node *n;

	if (anchor)
		return fail_at(b, &e->start_mark,
			       "anchors and aliases are not supported (shared settings belong in "
			       "defaults)");
	if (tag)
		return fail_at(b, &e->start_mark, "tags are not supported");
	if (b->tree->n_nodes >= CONFIG_MAX_NODES)
		return config_fail(b->ctx, -EINVAL, one_based(e->start_mark.line),
				   one_based(e->start_mark.column),
				   "too many YAML nodes (at most %u)", CONFIG_MAX_NODES);
	n = arena_alloc(b->tree, sizeof(*n));
	if (!n)
		return config_fail(b->ctx, -ENOMEM, 0, 0, "out of memory");
	b->tree->n_nodes++;
	*n = (struct config_node){
		.line = one_based(e->start_mark.line),
		.column = one_based(e->start_mark.column),
		.kind = kind,
	};
	if (b->depth == 0) {
		b->root = n;
	} else {
		struct frame *f = &b->stack[b->depth - 1];

		if (f->last)
			f->last->next = n;
		else
			f->node->child = n;
		f->last = n;
	}
	*ret = n;
	return 0;
}

static int on_scalar(struct builder *b, const yaml_event_t *e)
{
	const char *value = (const char *)e->data.scalar.value;
	size_t len = e->data.scalar.length;
	struct config_node *n;
	int r;

	r = add_node(b, e, CONFIG_NODE_SCALAR, e->data.scalar.anchor, e->data.scalar.tag, &n);
	if (r < 0)
		return r;
	if (len > CONFIG_MAX_STRING)
		return config_fail(b->ctx, -EINVAL, n->line, n->column,
				   "string is too long (%zu bytes, at most %u)", len,
				   CONFIG_MAX_STRING);
	/* A "\0" escape would silently cut every C string we make from it. */
	if (memchr(value, '\0', len))
		return config_fail(b->ctx, -EINVAL, n->line, n->column,
				   "strings must not contain NUL characters");
	n->text = arena_alloc(b->tree, len + 1);
	if (!n->text)
		return config_fail(b->ctx, -ENOMEM, 0, 0, "out of memory");
	memcpy(n->text, value, len);
	n->text[len] = '\0';
	n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	return 0;
}

static int on_collection_start(struct builder *b, const yaml_event_t *e)
{
	bool mapping = e->type == YAML_MAPPING_START_EVENT;
	struct config_node *n;
	int r;

	if (b->depth == CONFIG_MAX_DEPTH)
		return config_fail(b->ctx, -EINVAL, one_based(e->start_mark.line),
				   one_based(e->start_mark.column),
				   "nesting is too deep (at most %u levels)", CONFIG_MAX_DEPTH);
	if (mapping)
		r = add_node(b, e, CONFIG_NODE_MAPPING, e->data.mapping_start.anchor,
			     e->data.mapping_start.tag, &n);
	else
		r = add_node(b, e, CONFIG_NODE_SEQUENCE, e->data.sequence_start.anchor,
			     e->data.sequence_start.tag, &n);
	if (r < 0)
		return r;
	b->stack[b->depth++] = (struct frame){ .node = n };
	return 0;
}

/* 1 at the end of the stream, 0 to go on, or -errno. */
static int on_event(struct builder *b, const yaml_event_t *e)
{
	switch (e->type) {
	case YAML_STREAM_START_EVENT:
	case YAML_DOCUMENT_END_EVENT:
		return 0;
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_DOCUMENT_START_EVENT:
		if (b->documents++ > 0)
			return fail_at(b, &e->start_mark,
				       "only one YAML document is allowed in a config");
		return 0;
	case YAML_ALIAS_EVENT:
		return fail_at(b, &e->start_mark,
			       "anchors and aliases are not supported (shared settings belong in "
			       "defaults)");
	case YAML_SCALAR_EVENT:
		return on_scalar(b, e);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return on_collection_start(b, e);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		b->depth--; /* libyaml only emits balanced events */
		return 0;
	default:
		return 0;
	}
}

int config_tree_parse(struct config_ctx *ctx, const char *text, size_t len,
		      struct config_tree **ret, const struct config_node **ret_root)
{
	struct builder b = { .ctx = ctx };
	yaml_parser_t parser;
	yaml_event_t event;
	int r;

	b.tree = calloc(1, sizeof(*b.tree));
	if (!b.tree)
		return config_fail(ctx, -ENOMEM, 0, 0, "out of memory");
	if (!yaml_parser_initialize(&parser)) {
		free(b.tree);
		return config_fail(ctx, -ENOMEM, 0, 0, "out of memory");
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	do {
		if (!yaml_parser_parse(&parser, &event)) {
			r = syntax_error(&b, &parser, text, len);
			break;
		}
		r = on_event(&b, &event);
		yaml_event_delete(&event);
	} while (r == 0);
	yaml_parser_delete(&parser);
	if (r < 0) {
		config_tree_free(b.tree);
		return r;
	}
	*ret = b.tree;
	*ret_root = b.root;
	return 0;
}
