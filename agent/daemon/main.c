// SPDX-License-Identifier: GPL-2.0-only
/* vigild: the vigil agent. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "vigild.h"
#include "cleanup.h"
#include "config.h"
#include "log.h"
#include "trace.h"

#define DEFAULT_CONFIG CONFIG_DEFAULT_PATH

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vigild [OPTIONS]\n"
		"\n"
		"Keeps the kernel's IPVS services matching FILE and watches the connections\n"
		"made through them. With no service configured it changes nothing on the\n"
		"host. Under systemd (Type=notify) it says when it is ready and feeds the\n"
		"watchdog.\n"
		"\n"
		"  -c, --config FILE  configuration (default " DEFAULT_CONFIG ")\n"
		"      --check        validate the configuration and exit (0: valid)\n"
		"      --cleanup      with vigild stopped, remove what it set up on this host\n"
		"                     (its IPVS services, its interface and VIP routes) and\n"
		"                     put back the sysctls it changed; foreign IPVS services\n"
		"                     stay. Exit 0: nothing of vigild's is left\n"
		"      --trace        print every connection event; change nothing\n"
		"      --json         with --trace: one JSON object per line\n"
		"      --quiet        with --trace: print only the totals\n"
		"  -v, --verbose      debug messages, libbpf's included\n"
		"  -V, --version      print the version and exit\n"
		"  -h, --help         print this help and exit\n");
}

/* --check: errors as FILE:LINE:COL: message, on stderr, without a prefix. */
static int check_config(const char *path)
{
	char text[1024];
	int r = config_check(path, text, sizeof(text));

	fprintf(r < 0 ? stderr : stdout, "%s\n", text);
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	enum {
		OPT_TRACE = 0x100,
		OPT_JSON,
		OPT_QUIET,
		OPT_CHECK,
		OPT_CLEANUP
	};
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "cleanup", no_argument, NULL, OPT_CLEANUP },
		{ "trace", no_argument, NULL, OPT_TRACE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = DEFAULT_CONFIG;
	struct trace_opts trace = { 0 };
	bool tracing = false, checking = false, cleaning = false;
	int opt;

	log_init("vigild");
	while ((opt = getopt_long(argc, argv, "c:vVh", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case OPT_CHECK:
			checking = true;
			break;
		case OPT_CLEANUP:
			cleaning = true;
			break;
		case OPT_TRACE:
			tracing = true;
			break;
		case OPT_JSON:
			trace.json = true;
			break;
		case OPT_QUIET:
			trace.quiet = true;
			break;
		case 'v':
			log_set_max_level(LOG_DEBUG);
			break;
		case 'V':
			printf("vigild %s\n", VIGIL_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if ((trace.json || trace.quiet) && !tracing) {
		log_error("--%s needs --trace", trace.json ? "json" : "quiet");
		return 2;
	}
	if (checking + tracing + cleaning > 1) {
		log_error("--check, --cleanup and --trace do not go together");
		return 2;
	}
	if (cleaning)
		return cleanup_run(config_path) < 0 ? 1 : 0;
	if (checking)
		return check_config(config_path);
	if (tracing)
		return trace_run(&trace) < 0 ? 1 : 0;
	return vigild_run(config_path) < 0 ? 1 : 0;
}
