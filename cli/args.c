// SPDX-License-Identifier: GPL-2.0-only
#include "args.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "config.h"

/* Bits of what an option needs, per command. */
#define FOR_LIST       (1u << ARGS_LIST)
#define FOR_STATUS     (1u << ARGS_STATUS)
#define FOR_EVENTS     (1u << ARGS_EVENTS)
#define FOR_QUARANTINE (1u << ARGS_QUARANTINE)

static const struct {
	const char *name;
	enum args_command command;
	int n_args; /* positional arguments after the command */
	const char *synopsis;
} commands[] = {
	{ "list", ARGS_LIST, 0, "list [-n] [--stats|--rate] [--json]" },
	{ "status", ARGS_STATUS, 0, "status [--json]" },
	{ "events", ARGS_EVENTS, 0, "events [--follow] [--json]" },
	{ "quarantine", ARGS_QUARANTINE, 2, "quarantine SERVICE DEST [--for DURATION]" },
	{ "release", ARGS_RELEASE, 2, "release SERVICE DEST" },
	{ "reload", ARGS_RELOAD, 0, "reload" },
	{ "check", ARGS_CHECK, 1, "check FILE" },
};

void args_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: vigilctl [-s PATH] COMMAND [OPTIONS]\n"
	    "\n"
	    "Shows and steers vigild, the vigil agent, through its control socket.\n"
	    "\n"
	    "Commands:\n"
	    "  list [-n] [--stats|--rate] [--json]\n"
	    "                      the IPVS services as `ipvsadm -Ln` shows them, with each\n"
	    "                      destination's State, configured (CfgW) and effective (EffW)\n"
	    "                      weight, health Score and quarantine count (Quar); without\n"
	    "                      the agent, the kernel's table alone\n"
	    "  status [--json]     the agent: version, kernel, probes, counters, last reconcile\n"
	    "  events [--follow] [--json]\n"
	    "                      the latest evidence and decisions; --follow: then stream them\n"
	    "  quarantine SERVICE DEST [--for DURATION]\n"
	    "                      take DEST out of rotation (until released, or for DURATION:\n"
	    "                      30s, 5m, 1h); SERVICE is a name or a VIP (tcp/10.96.0.10:443)\n"
	    "  release SERVICE DEST\n"
	    "                      put DEST back in rotation (it ramps up)\n"
	    "  reload              load the configuration again, as SIGHUP does\n"
	    "  check FILE          validate a configuration file here, without the agent\n"
	    "\n"
	    "Options:\n"
	    "  -s, --socket PATH   the control socket (default " ARGS_DEFAULT_SOCKET ")\n"
	    "  -n, --numeric       addresses and ports as numbers (without it, names:\n"
	    "                      each lookup may wait on DNS, as with ipvsadm)\n"
	    "      --stats         list: packet and byte counters\n"
	    "      --rate          list: rates per second\n"
	    "      --json          the agent's JSON, one object (events: one per line)\n"
	    "  -f, --follow        events: keep streaming\n"
	    "      --for DURATION  quarantine: how long\n"
	    "  -h, --help          this help\n"
	    "  -V, --version       the version\n"
	    "\n"
	    "quarantine, release and reload need root.\n"
	    "\n"
	    "Exit status:\n"
	    "  0  success\n"
	    "  1  the operation failed or was refused (the reason is on stderr)\n"
	    "  2  usage error\n"
	    "  3  vigild is not running (list still prints the kernel's table)\n");
}

static int fail(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "--name=value" or "--name value": the value, or NULL (usage error). */
static const char *option_value(int argc, char *const *argv, int *i, const char *arg,
				size_t name_len)
{
	if (arg[name_len] == '=')
		return arg + name_len + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

int args_parse(int argc, char *const *argv, struct args *ret, char *err, size_t err_size)
{
	const char *positional[4];
	unsigned int used = 0; /* FOR_* bits of the options given */
	const char *used_name[ARGS_CHECK + 1] = { 0 };
	int n_pos = 0, i, c;
	bool options_done = false, stats = false, rate = false;
	size_t k;

	memset(ret, 0, sizeof(*ret));
	ret->socket = ARGS_DEFAULT_SOCKET;
	ret->command = ARGS_HELP;
	err[0] = '\0';

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (options_done || a[0] != '-' || !a[1]) {
			if (n_pos == (int)(sizeof(positional) / sizeof(positional[0])))
				return fail(err, err_size, "unexpected argument '%s'", a);
			positional[n_pos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			options_done = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			ret->command = ARGS_HELP;
			return 0;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			ret->command = ARGS_VERSION;
			return 0;
		} else if (!strcmp(a, "-s") || !strncmp(a, "--socket", 8)) {
			if (a[1] == '-' && a[8] && a[8] != '=')
				return fail(err, err_size, "unknown option '%s'", a);
			ret->socket = option_value(argc, argv, &i, a, a[1] == '-' ? 8 : 2);
			if (!ret->socket || !ret->socket[0])
				return fail(err, err_size, "%s needs a PATH", a);
		} else if (!strcmp(a, "-n") || !strcmp(a, "--numeric")) {
			ret->numeric = true;
			used |= FOR_LIST;
			used_name[ARGS_LIST] = a;
		} else if (!strcmp(a, "--stats")) {
			stats = true;
			used |= FOR_LIST;
			used_name[ARGS_LIST] = a;
		} else if (!strcmp(a, "--rate")) {
			rate = true;
			used |= FOR_LIST;
			used_name[ARGS_LIST] = a;
		} else if (!strcmp(a, "--json")) {
			ret->json = true;
		} else if (!strcmp(a, "-f") || !strcmp(a, "--follow")) {
			ret->follow = true;
			used |= FOR_EVENTS;
			used_name[ARGS_EVENTS] = a;
		} else if (!strncmp(a, "--for", 5) && (!a[5] || a[5] == '=')) {
			ret->for_text = option_value(argc, argv, &i, a, 5);
			if (!ret->for_text)
				return fail(err, err_size, "--for needs a DURATION");
			c = config_duration_parse(ret->for_text, &ret->for_ms);
			if (c)
				return fail(err, err_size,
					    "--for %s: not a duration (e.g. 30s, 5m, 1h)",
					    ret->for_text);
			used |= FOR_QUARANTINE;
			used_name[ARGS_QUARANTINE] = "--for";
		} else {
			return fail(err, err_size, "unknown option '%s'", a);
		}
	}

	if (!n_pos)
		return fail(err, err_size, "no command given");
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (!strcmp(commands[k].name, positional[0]))
			break;
	if (k == sizeof(commands) / sizeof(commands[0]))
		return fail(err, err_size, "unknown command '%s'", positional[0]);
	ret->command = commands[k].command;
	if (n_pos - 1 != commands[k].n_args)
		return fail(err, err_size, "%s %s; usage: vigilctl %s", positional[0],
			    n_pos - 1 < commands[k].n_args ? "needs more arguments"
							   : "takes fewer arguments",
			    commands[k].synopsis);

	/* an option meant for another command is a mistake worth saying */
	for (c = ARGS_LIST; c <= ARGS_QUARANTINE; c++)
		if ((used & (1u << c)) && c != (int)ret->command)
			return fail(err, err_size, "%s does not go with %s", used_name[c],
				    positional[0]);
	if (ret->json && ret->command != ARGS_LIST && ret->command != ARGS_STATUS &&
	    ret->command != ARGS_EVENTS)
		return fail(err, err_size, "--json does not go with %s", positional[0]);
	if (stats && rate)
		return fail(err, err_size, "--stats and --rate do not go together");
	ret->view = stats ? FORMAT_VIEW_STATS : rate ? FORMAT_VIEW_RATE : FORMAT_VIEW_DEFAULT;

	if (ret->command == ARGS_QUARANTINE || ret->command == ARGS_RELEASE) {
		ret->service = positional[1];
		ret->dest = positional[2];
	}
	if (ret->command == ARGS_CHECK)
		ret->file = positional[1];
	return 0;
}
