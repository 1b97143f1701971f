// SPDX-License-Identifier: GPL-2.0-only
/*
 * The testing aids VIGIL_DISABLE_PROBES and VIGIL_MUTE_PROBES (see probes.h):
 * which attachments to fail, or to mute, on purpose.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "probes_private.h"

struct attachment_name {
	const char *name;
	unsigned int bit;
};

/* A testing aid's comma-separated list of attachments (ENV=LIST), as bits. */
static unsigned int parse_aid(const char *env, const char *list, const char *effect,
			      const struct attachment_name *names, size_t n_names)
{
	unsigned int bits = 0;
	char buf[256], expected[128] = "", *word, *save = NULL;
	size_t i, len = 0;

	for (i = 0; i < n_names; i++)
		len += snprintf(expected + len, sizeof(expected) - len, "%s%s", i ? ", " : "",
				names[i].name);
	snprintf(buf, sizeof(buf), "%s", list);
	for (word = strtok_r(buf, ", ", &save); word; word = strtok_r(NULL, ", ", &save)) {
		for (i = 0; i < n_names; i++)
			if (!strcmp(word, names[i].name))
				break;
		if (i == n_names)
			log_warning("%s: unknown attachment \"%s\" ignored (expected %s)", env,
				    word, expected);
		else
			bits |= names[i].bit;
	}
	if (bits)
		log_warning("%s=%s: %s (a testing aid)", env, list, effect);
	return bits;
}

unsigned int probes_aid_disabled(const char *list)
{
	static const struct attachment_name names[] = {
		{ "events", DISABLE_EVENTS },   { "ipvs", DISABLE_IPVS },
		{ "sockops", DISABLE_SOCKOPS }, { "trampolines", DISABLE_TRAMPOLINES },
		{ "kprobes", DISABLE_KPROBES },
	};

	return parse_aid(PROBES_DISABLE_ENV, list, "making these attachments fail on purpose",
			 names, sizeof(names) / sizeof(names[0]));
}

unsigned int probes_aid_muted(const char *list)
{
	static const struct attachment_name names[] = {
		{ "events", VIGIL_MUTE_EVENTS },
		{ "ipvs", VIGIL_MUTE_IPVS },
		{ "sockops", VIGIL_MUTE_SOCKOPS },
	};

	return parse_aid(PROBES_MUTE_ENV, list,
			 "these attachments attach but deliver nothing, on purpose", names,
			 sizeof(names) / sizeof(names[0]));
}

bool probes_aid_fails(const struct probes *p, const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);
	bool ipvs = strstr(sec, "ip_vs_") != NULL;

	if (!strncmp(sec, "fentry/", 7) || !strncmp(sec, "fexit/", 6))
		if (p->disabled & DISABLE_TRAMPOLINES)
			return true;
	if (!strncmp(sec, "kprobe/", 7) || !strncmp(sec, "kretprobe/", 10))
		if (p->disabled & DISABLE_KPROBES)
			return true;
	if (!strcmp(sec, "sockops"))
		return p->disabled & DISABLE_SOCKOPS;
	return p->disabled & (ipvs ? DISABLE_IPVS : DISABLE_EVENTS);
}
