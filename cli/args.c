// SPDX-License-Identifier: GPL-2.0-only
#include "args.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>

#include "config.h"

/* Bits of the commands an option goes with. */
#define FOR_LIST       (1u << ARGS_LIST)
#define FOR_STATUS     (1u << ARGS_STATUS)
#define FOR_EVENTS     (1u << ARGS_EVENTS)
#define FOR_QUARANTINE (1u << ARGS_QUARANTINE)
#define FOR_COMPLETE   (1u << ARGS_COMPLETE)
#define FOR_ANY        0u

static const struct {
	const char *name;
	enum args_command command;
	int min_args, max_args; /* positional arguments after the command */
	const char *synopsis;
} commands[] = {
	{ "list", ARGS_LIST, 0, 1,
	  "list [SERVICE|-t|-u VIP:PORT|-f FWMARK [-6]] [-n] [-c|--stats|--rate] [--exact] "
	  "[--sort] "
	  "[--ipvsadm [--nosort] [--thresholds|--persistent-conn|--tun-info]] [--timeout] "
	  "[--json]" },
	{ "status", ARGS_STATUS, 0, 0, "status [--json]" },
	{ "events", ARGS_EVENTS, 0, 1, "events [SERVICE|-t|-u VIP:PORT] [--follow] [--json]" },
	{ "quarantine", ARGS_QUARANTINE, 2, 2, "quarantine SERVICE DEST [--for DURATION]" },
	{ "release", ARGS_RELEASE, 2, 2, "release SERVICE DEST" },
	{ "reload", ARGS_RELOAD, 0, 0, "reload" },
	{ "check", ARGS_CHECK, 1, 1, "check FILE" },
	{ "complete", ARGS_COMPLETE, 1, 2,
	  "complete services|dests SERVICE|vips tcp|udp|sctp|fwmarks [--config FILE]" },
};

enum opt {
	OPT_SOCKET,
	OPT_NUMERIC,
	OPT_JSON,
	OPT_STATS,
	OPT_RATE,
	OPT_EXACT,
	OPT_SORT,
	OPT_NOSORT,
	OPT_TIMEOUT,
	OPT_IPVSADM,
	OPT_THRESHOLDS,
	OPT_PERSISTENT,
	OPT_TUN_INFO,
	OPT_CONNECTION,
	OPT_TCP,
	OPT_UDP,
	OPT_SCTP,
	OPT_FWMARK,
	OPT_IPV6,
	OPT_FOLLOW,
	OPT_FOR,
	OPT_CONFIG,
	OPT_LIST,
	OPT_HELP,
	OPT_VERSION,
	N_OPTS,
};

/* ipvsadm's spellings where it has the option, so that its habits carry over. */
static const struct option {
	enum opt id;
	const char *short_name; /* "-n", or NULL */
	const char *long_name;  /* "--numeric", or NULL */
	const char *value;      /* what its value is called, or NULL: it takes none */
	unsigned int commands;  /* FOR_* bits; FOR_ANY */
} options[] = {
	{ OPT_SOCKET, "-s", "--socket", "PATH", FOR_ANY },
	{ OPT_NUMERIC, "-n", "--numeric", NULL, FOR_LIST },
	{ OPT_JSON, "-j", "--json", NULL, FOR_LIST | FOR_STATUS | FOR_EVENTS },
	{ OPT_STATS, NULL, "--stats", NULL, FOR_LIST },
	{ OPT_RATE, NULL, "--rate", NULL, FOR_LIST },
	{ OPT_EXACT, NULL, "--exact", NULL, FOR_LIST },
	{ OPT_SORT, NULL, "--sort", NULL, FOR_LIST },
	{ OPT_NOSORT, NULL, "--nosort", NULL, FOR_LIST },
	{ OPT_TIMEOUT, NULL, "--timeout", NULL, FOR_LIST },
	{ OPT_IPVSADM, NULL, "--ipvsadm", NULL, FOR_LIST },
	{ OPT_THRESHOLDS, NULL, "--thresholds", NULL, FOR_LIST },
	{ OPT_PERSISTENT, NULL, "--persistent-conn", NULL, FOR_LIST },
	{ OPT_TUN_INFO, NULL, "--tun-info", NULL, FOR_LIST },
	{ OPT_CONNECTION, "-c", "--connection", NULL, FOR_LIST },
	{ OPT_TCP, "-t", "--tcp-service", "VIP:PORT", FOR_LIST | FOR_EVENTS },
	{ OPT_UDP, "-u", "--udp-service", "VIP:PORT", FOR_LIST | FOR_EVENTS },
	{ OPT_SCTP, NULL, "--sctp-service", "VIP:PORT", FOR_LIST | FOR_EVENTS },
	{ OPT_FWMARK, "-f", "--fwmark-service", "FWMARK", FOR_LIST },
	{ OPT_IPV6, "-6", "--ipv6", NULL, FOR_LIST },
	{ OPT_FOLLOW, "-f", "--follow", NULL, FOR_EVENTS },
	{ OPT_FOR, NULL, "--for", "DURATION", FOR_QUARANTINE },
	/* no -c: ipvsadm's -c lists connections, which list may take up one day */
	{ OPT_CONFIG, NULL, "--config", "FILE", FOR_COMPLETE },
	{ OPT_LIST, "-L", "--list", NULL, FOR_LIST },
	{ OPT_LIST, "-l", NULL, NULL, FOR_LIST },
	{ OPT_HELP, "-h", "--help", NULL, FOR_ANY },
	{ OPT_VERSION, "-V", "--version", NULL, FOR_ANY },
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

void args_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: vigilctl [-s PATH] COMMAND [OPTIONS]\n"
	    "\n"
	    "Shows and steers vigild, the vigil agent, through its control socket.\n"
	    "\n"
	    "Commands:\n"
	    "  list [SERVICE] [OPTIONS]\n"
	    "                      the IPVS services as `ipvsadm -Ln` shows them, with each\n"
	    "                      destination's State, configured (CfgW) and effective (EffW)\n"
	    "                      weight, health Score and quarantine count (Quar); without\n"
	    "                      the agent, the kernel's table alone; -L is list too\n"
	    "  list -c [SERVICE] [-n] [--ipvsadm] [--json]\n"
	    "                      the IPVS connection table as `ipvsadm -Lc` shows it, with\n"
	    "                      the State vigild gives each connection's destination\n"
	    "  status [--json]     the agent: version, kernel, probes, counters, last reconcile\n"
	    "  events [SERVICE] [--follow] [--json]\n"
	    "                      the latest evidence and decisions; --follow: then stream them\n"
	    "  quarantine SERVICE DEST [--for DURATION]\n"
	    "                      take DEST out of rotation (until released, or for DURATION:\n"
	    "                      30s, 5m, 1h)\n"
	    "  release SERVICE DEST\n"
	    "                      put DEST back in rotation (it ramps up)\n"
	    "  reload              load the configuration again, as SIGHUP does\n"
	    "  check FILE          validate a configuration file here, without the agent\n"
	    "  complete services|dests SERVICE|vips tcp|udp|sctp|fwmarks\n"
	    "                      for shell completion: names, destinations, VIP:PORTs or\n"
	    "                      marks, one a line, from the agent or else the config file;\n"
	    "                      nothing, and exit 0, when neither answers\n"
	    "\n"
	    "SERVICE is a name or a VIP (tcp/10.96.0.10:443); list and events take one,\n"
	    "or one of -t, -u, -f, as ipvsadm does (list -c: that service's connections).\n"
	    "\n"
	    "Options:\n"
	    "  -s, --socket PATH   the control socket (default " ARGS_DEFAULT_SOCKET ")\n"
	    "  -n, --numeric       addresses and ports as numbers (without it, names:\n"
	    "                      each lookup may wait on DNS, as with ipvsadm)\n"
	    "  -t, --tcp-service VIP:PORT\n"
	    "  -u, --udp-service VIP:PORT\n"
	    "      --sctp-service VIP:PORT\n"
	    "                      list, events: that service alone (the port may be left out\n"
	    "                      for 0; IPv6 as [fd00::1]:80)\n"
	    "  -f, --fwmark-service FWMARK\n"
	    "                      list: the IPv4 service of that firewall mark alone\n"
	    "  -6, --ipv6          list -f: the IPv6 one\n"
	    "  -c, --connection    list: the connection table, from /proc/net/ip_vs_conn\n"
	    "      --stats         list: packet and byte counters\n"
	    "      --rate          list: rates per second\n"
	    "      --exact         list: counters in full, not in K, M, G, T\n"
	    "      --sort          list: services and destinations by protocol, address, port\n"
	    "      --ipvsadm       list: exactly what `ipvsadm -L` prints, sorted as it sorts\n"
	    "                      (list -c: `ipvsadm -Lc`; with a service, its lines alone)\n"
	    "      --nosort        list --ipvsadm: the kernel's order, as ipvsadm --nosort\n"
	    "      --thresholds    list --ipvsadm: each destination's connection thresholds\n"
	    "      --persistent-conn\n"
	    "                      list --ipvsadm: each destination's persistence templates\n"
	    "                      (list -c --ipvsadm: each connection's persistence engine)\n"
	    "      --tun-info      list --ipvsadm: each tunnel's encapsulation\n"
	    "                      (list --ipvsadm shows one of --stats, --rate and these\n"
	    "                      three: the first given in that order, as ipvsadm does)\n"
	    "      --timeout       list: IPVS's tcp, tcpfin and udp timeouts, as ipvsadm -L\n"
	    "                      --timeout prints them\n"
	    "  -j, --json          the agent's JSON, one object (events, list -c: one per line)\n"
	    "  -f, --follow        events: keep streaming\n"
	    "      --for DURATION  quarantine: how long\n"
	    "      --config FILE   complete: the config read without the agent\n"
	    "                      (default " CONFIG_DEFAULT_PATH ")\n"
	    "  -h, --help          this help\n"
	    "  -V, --version       the version\n"
	    "Short options bundle: -Ln is list -n.\n"
	    "\n"
	    "quarantine, release and reload need root.\n"
	    "\n"
	    "Exit status:\n"
	    "  0  success\n"
	    "  1  the operation failed or was refused (the reason is on stderr), or no\n"
	    "     service matched the one asked for\n"
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

/* What the command line said, before the command is known to judge it. */
struct given {
	const char *name[N_OPTS];  /* each option as last written ("-n", "--numeric") */
	const char *value[N_OPTS]; /* and its value */
	const char *filters[2];    /* the first two of -t, -u, --sctp-service, -f, as written */
	int n_filters;
	const char *positional[4];
	int n_pos;
};

static void record(struct given *g, const struct option *o, const char *name, const char *value)
{
	g->name[o->id] = name;
	g->value[o->id] = value;
	if (o->id == OPT_TCP || o->id == OPT_UDP || o->id == OPT_SCTP || o->id == OPT_FWMARK) {
		if (g->n_filters < 2)
			g->filters[g->n_filters] = name;
		g->n_filters++;
	}
}

static const struct option *find_long(const char *name, size_t len)
{
	size_t k;

	for (k = 0; k < N_OPTIONS; k++)
		if (options[k].long_name && strlen(options[k].long_name) == len &&
		    !strncmp(options[k].long_name, name, len))
			return &options[k];
	return NULL;
}

/*
 * -f is ipvsadm's fwmark for list and the follow of events: a value that
 * begins with a digit makes it a mark. NEXT: what would be its value.
 */
static const struct option *find_short(char c, const char *next)
{
	size_t k;

	for (k = 0; k < N_OPTIONS; k++) {
		if (!options[k].short_name || options[k].short_name[1] != c)
			continue;
		if (c == 'f' &&
		    (options[k].id == OPT_FWMARK) != (next && *next >= '0' && *next <= '9'))
			continue;
		return &options[k];
	}
	return NULL;
}

/* "--name", "--name=value" or "--name value". */
static int long_option(int argc, char *const *argv, int *i, struct given *g, char *err,
		       size_t err_size)
{
	const char *a = argv[*i], *eq = strchr(a, '='), *value = NULL;
	const struct option *o = find_long(a, eq ? (size_t)(eq - a) : strlen(a));

	if (!o)
		return fail(err, err_size, "unknown option '%s'", a);
	if (!o->value && eq)
		return fail(err, err_size, "%s takes no value", o->long_name);
	if (o->value) {
		value = eq ? eq + 1 : *i + 1 < argc ? argv[++*i] : NULL;
		if (!value)
			return fail(err, err_size, "%s needs a %s", o->long_name, o->value);
	}
	record(g, o, o->long_name, value);
	return 0;
}

/* "-n", or a bundle "-Lnj" whose last may take a value: "-t10.0.0.1:80", "-s PATH". */
static int short_options(int argc, char *const *argv, int *i, struct given *g, char *err,
			 size_t err_size)
{
	const char *a = argv[*i], *p, *value;
	const struct option *o;

	for (p = a + 1; *p; p++) {
		const char *next = p[1] ? p + 1 : *i + 1 < argc ? argv[*i + 1] : NULL;

		o = find_short(*p, next);
		if (!o)
			return a[2] ? fail(err, err_size, "unknown option '-%c' in '%s'", *p, a)
				    : fail(err, err_size, "unknown option '%s'", a);
		if (!o->value) {
			record(g, o, o->short_name, NULL);
			continue;
		}
		/* the rest of the bundle is its value, or else the next argument */
		value = p[1] ? p + 1 : *i + 1 < argc ? argv[++*i] : NULL;
		if (!value)
			return fail(err, err_size, "%s needs a %s", o->short_name, o->value);
		record(g, o, o->short_name, value);
		break;
	}
	return 0;
}

static int gather(int argc, char *const *argv, struct given *g, char *err, size_t err_size)
{
	bool options_done = false;
	int i, r;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (options_done || a[0] != '-' || !a[1]) {
			if (g->n_pos == (int)(sizeof(g->positional) / sizeof(g->positional[0])))
				return fail(err, err_size, "unexpected argument '%s'", a);
			g->positional[g->n_pos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			options_done = true;
			continue;
		}
		r = a[1] == '-' ? long_option(argc, argv, &i, g, err, err_size)
				: short_options(argc, argv, &i, g, err, err_size);
		if (r < 0)
			return r;
		/* --help and --version answer at once, whatever else is wrong */
		if (g->name[OPT_HELP] || g->name[OPT_VERSION])
			return 0;
	}
	return 0;
}

/* The command, from -L or the first argument; *ret_args: the arguments after it. */
static int find_command(struct given *g, struct args *ret, const char **ret_word,
			const char *const **ret_args, int *ret_n, char *err, size_t err_size)
{
	const char *word = g->n_pos ? g->positional[0] : NULL;
	bool list = g->name[OPT_LIST] != NULL;
	size_t k;

	/* with -L, "list" may still be written; anything else is list's argument */
	if (list && (!word || strcmp(word, "list")))
		word = NULL;
	if (!word && !list)
		return fail(err, err_size, "no command given");
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (!strcmp(commands[k].name, list ? "list" : word))
			break;
	if (k == sizeof(commands) / sizeof(commands[0]))
		return fail(err, err_size, "unknown command '%s'", word);
	ret->command = commands[k].command;
	*ret_word = commands[k].name;
	*ret_args = g->positional + (word ? 1 : 0);
	*ret_n = g->n_pos - (word ? 1 : 0);
	if (*ret_n < commands[k].min_args || *ret_n > commands[k].max_args)
		return fail(err, err_size, "%s %s; usage: vigilctl %s", commands[k].name,
			    *ret_n < commands[k].min_args ? "needs more arguments"
							  : "takes fewer arguments",
			    commands[k].synopsis);
	return 0;
}

/* An option meant for another command is a mistake worth saying. */
static int check_commands(const struct given *g, enum args_command command, const char *word,
			  char *err, size_t err_size)
{
	size_t k;

	for (k = 0; k < N_OPTIONS; k++) {
		const struct option *o = &options[k];
		const char *name = g->name[o->id];

		if (!name || o->commands == FOR_ANY || (o->commands & (1u << command)))
			continue;
		/* -L and -l share their id: judge the one written */
		if (strcmp(name, o->short_name ? o->short_name : "") &&
		    strcmp(name, o->long_name ? o->long_name : ""))
			continue;
		if (o->id == OPT_FOLLOW && command == ARGS_LIST && !strcmp(name, "-f"))
			return fail(err, err_size,
				    "-f needs a FWMARK with list (a number from 1 to 4294967295)");
		return fail(err, err_size, "%s does not go with %s", name, word);
	}
	return 0;
}

/* -t, -u, --sctp-service, -f or a SERVICE argument: one service at a time. */
static int parse_filter(const struct given *g, const char *const *args, int n_args,
			struct args *ret, char *err, size_t err_size)
{
	static const struct {
		enum opt id;
		uint8_t protocol;
	} vips[] = { { OPT_TCP, IPPROTO_TCP },
		     { OPT_UDP, IPPROTO_UDP },
		     { OPT_SCTP, IPPROTO_SCTP } };
	size_t k;

	if (g->n_filters > 1)
		return fail(err, err_size, "%s and %s do not go together: one service at a time",
			    g->filters[0], g->filters[1]);
	if (g->n_filters && n_args)
		return fail(err, err_size, "%s and %s do not go together: one service at a time",
			    args[0], g->filters[0]);
	if (n_args && (ret->command == ARGS_LIST || ret->command == ARGS_EVENTS))
		filter_name(&ret->filter, args[0]);
	for (k = 0; k < sizeof(vips) / sizeof(vips[0]); k++)
		if (g->name[vips[k].id])
			return filter_vip(&ret->filter, g->name[vips[k].id], g->value[vips[k].id],
					  vips[k].protocol, err, err_size);
	if (g->name[OPT_FWMARK]) {
		if (filter_fwmark(&ret->filter, g->name[OPT_FWMARK], g->value[OPT_FWMARK], err,
				  err_size) < 0)
			return -EINVAL;
		ret->filter.ipv6 = g->name[OPT_IPV6] != NULL;
	} else if (g->name[OPT_IPV6]) {
		return fail(err, err_size, "%s goes with -f FWMARK", g->name[OPT_IPV6]);
	}
	return 0;
}

/* ipvsadm's views of the services, first the one it shows when given more than one. */
static const struct {
	enum opt id;
	enum format_view view;
	const char *in_json; /* what list --json has instead; NULL: vigil's table has it */
} views[] = {
	{ OPT_STATS, FORMAT_VIEW_STATS, NULL },
	{ OPT_RATE, FORMAT_VIEW_RATE, NULL },
	{ OPT_THRESHOLDS, FORMAT_VIEW_THRESHOLDS, "u_threshold and l_threshold" },
	{ OPT_PERSISTENT, FORMAT_VIEW_PERSISTENT, "persist_conns (list -c: pe and pe_data)" },
	{ OPT_TUN_INFO, FORMAT_VIEW_TUNNEL, "tunnel" },
};

/* What list's options say, and those that do not go together. */
static int list_options(const struct given *g, struct args *ret, char *err, size_t err_size)
{
	/* what shapes the table of services, which neither -c nor --timeout shows */
	static const enum opt table[] = { OPT_STATS,    OPT_RATE,  OPT_THRESHOLDS, OPT_PERSISTENT,
					  OPT_TUN_INFO, OPT_EXACT, OPT_SORT,       OPT_NOSORT };
	size_t k;

	ret->exact = g->name[OPT_EXACT] != NULL;
	ret->sort = g->name[OPT_SORT] != NULL;
	ret->nosort = g->name[OPT_NOSORT] != NULL;
	ret->timeout = g->name[OPT_TIMEOUT] != NULL;
	ret->ipvsadm = g->name[OPT_IPVSADM] != NULL;
	ret->connections = g->name[OPT_CONNECTION] != NULL;
	/* ipvsadm takes any of them together and shows the first; vigil's table one at a time */
	if (g->name[OPT_STATS] && g->name[OPT_RATE] && !ret->ipvsadm)
		return fail(err, err_size, "--stats and --rate do not go together");
	ret->view = FORMAT_VIEW_DEFAULT;
	for (k = sizeof(views) / sizeof(views[0]); k-- > 0;)
		if (g->name[views[k].id])
			ret->view = views[k].view;
	/*
	 * the connection table has no counters, and no order but the kernel's
	 * (as ipvsadm -Lc); ipvsadm -Lc --persistent-conn adds its engines' columns
	 */
	for (k = 0; ret->connections && k < sizeof(table) / sizeof(table[0]); k++)
		if (g->name[table[k]] && table[k] != OPT_PERSISTENT)
			return fail(err, err_size, "%s does not go with %s",
				    g->name[OPT_CONNECTION], g->name[table[k]]);
	if (ret->connections && ret->timeout)
		return fail(err, err_size, "%s does not go with --timeout",
			    g->name[OPT_CONNECTION]);
	if (ret->sort && ret->nosort)
		return fail(err, err_size, "--sort and --nosort do not go together");
	if (ret->nosort && !ret->ipvsadm)
		return fail(err, err_size,
			    "--nosort goes with --ipvsadm (without it, list keeps vigil's order "
			    "unless --sort)");
	if (ret->ipvsadm && ret->json)
		return fail(err, err_size, "--ipvsadm and %s do not go together",
			    g->name[OPT_JSON]);
	/* ipvsadm -L --timeout prints the timeouts and nothing else */
	for (k = 0; ret->timeout && k < sizeof(table) / sizeof(table[0]); k++)
		if (g->name[table[k]])
			return fail(err, err_size, "--timeout does not go with %s",
				    g->name[table[k]]);
	if (ret->timeout && ret->filter.kind != FILTER_NONE)
		return fail(err, err_size, "--timeout does not go with a service to list");
	for (k = 0; !ret->ipvsadm && k < sizeof(views) / sizeof(views[0]); k++)
		if (g->name[views[k].id] && views[k].in_json)
			return fail(err, err_size,
				    "%s goes with --ipvsadm: vigil's list has no such column; "
				    "--json has %s",
				    g->name[views[k].id], views[k].in_json);
	return 0;
}

int args_parse(int argc, char *const *argv, struct args *ret, char *err, size_t err_size)
{
	struct given g = { 0 };
	const char *const *args = NULL, *word = NULL;
	int n_args = 0, r;

	memset(ret, 0, sizeof(*ret));
	ret->socket = ARGS_DEFAULT_SOCKET;
	ret->command = ARGS_HELP;
	err[0] = '\0';

	r = gather(argc, argv, &g, err, err_size);
	if (r < 0)
		return r;
	if (g.name[OPT_HELP] || g.name[OPT_VERSION]) {
		ret->command = g.name[OPT_HELP] ? ARGS_HELP : ARGS_VERSION;
		return 0;
	}
	r = find_command(&g, ret, &word, &args, &n_args, err, err_size);
	if (r < 0)
		return r;
	r = check_commands(&g, ret->command, word, err, err_size);
	if (r < 0)
		return r;

	if (g.name[OPT_SOCKET]) {
		ret->socket = g.value[OPT_SOCKET];
		if (!ret->socket[0])
			return fail(err, err_size, "%s needs a PATH", g.name[OPT_SOCKET]);
	}
	ret->numeric = g.name[OPT_NUMERIC] != NULL;
	ret->json = g.name[OPT_JSON] != NULL;
	ret->follow = g.name[OPT_FOLLOW] != NULL;
	if (g.name[OPT_FOR]) {
		ret->for_text = g.value[OPT_FOR];
		if (config_duration_parse(ret->for_text, &ret->for_ms))
			return fail(err, err_size, "--for %s: not a duration (e.g. 30s, 5m, 1h)",
				    ret->for_text);
	}
	r = parse_filter(&g, args, n_args, ret, err, err_size);
	if (r < 0)
		return r;
	if (ret->command == ARGS_LIST) {
		r = list_options(&g, ret, err, err_size);
		if (r < 0)
			return r;
	}

	if (ret->command == ARGS_QUARANTINE || ret->command == ARGS_RELEASE) {
		ret->service = args[0];
		ret->dest = args[1];
	}
	if (ret->command == ARGS_CHECK)
		ret->file = args[0];
	if (ret->command == ARGS_COMPLETE) {
		ret->config = g.name[OPT_CONFIG] ? g.value[OPT_CONFIG] : CONFIG_DEFAULT_PATH;
		return complete_query_parse(args[0], n_args > 1 ? args[1] : NULL, &ret->complete,
					    err, err_size);
	}
	return 0;
}
