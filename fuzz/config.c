// SPDX-License-Identifier: GPL-2.0-only
/*
 * The config parser on arbitrary text: YAML of any shape, values of any
 * syntax. It must fail with a position or succeed with a model that passes
 * its own validation, never read past the text it was given (the text is not
 * NUL-terminated here, as in config_parse()'s contract) and never leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_error err;
	struct config *c = NULL;
	char msg[1024];
	int r;

	r = config_parse((const char *)data, size, "fuzz.yaml", &c, &err);
	if (r < 0) {
		if (c)
			abort(); /* *ret is NULL on failure */
		config_error_format(&err, msg, sizeof(msg));
		return 0;
	}
	/* what parsed is valid, and every name it holds is a string */
	if (config_validate(c, &err) < 0)
		abort();
	for (uint32_t i = 0; i < c->n_services; i++)
		if (strnlen(c->services[i].name, sizeof(c->services[i].name)) ==
		    sizeof(c->services[i].name))
			abort();
	config_free(c);
	return 0;
}
