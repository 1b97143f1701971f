/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The services check_render and check_metrics render: a TCP service of
 * three destinations, a UDP one of two. The list reply for it is
 * golden/list.json, which check_format turns into vigilctl's table: the two
 * ends of the protocol meet there. VIGIL_UPDATE_GOLDEN=1 rewrites it.
 */
#ifndef VIGIL_TESTS_FIXTURE_SERVICES_H
#define VIGIL_TESTS_FIXTURE_SERVICES_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "check_parse.h"
#include "config.h"

#define MS(x) ((uint64_t)(x)*1000000ull)

static const char CONFIG[] = "defaults:\n"
			     "  quarantine: { base: 10s, max: 1m, jitter: 0% }\n"
			     "services:\n"
			     "  - name: web\n"
			     "    vip: 10.96.0.1:80\n"
			     "    destinations:\n"
			     "      - 10.100.1.2:8080\n"
			     "      - { address: 10.100.2.2:8080, weight: 200 }\n"
			     "      - 10.100.3.2:8080\n"
			     "  - name: dns\n"
			     "    vip: \"[fd00::53]:53\"\n"
			     "    protocol: udp\n"
			     "    destinations: [\"[fd00::1:2]:53\", \"[fd00::2:2]:53\"]\n";

#endif
