// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the kernel offers, found before anything is loaded so that the
 * object is loaded once, with only the programs that can load here: the
 * kernel's BTF and the ip_vs module's, whether tracing programs (tp_btf,
 * fentry, fexit) load at all, and for each of those programs whether the
 * kernel has its tracepoint or function. Where a trampoline cannot attach
 * although its function is there (fexit on a function of seven arguments
 * before x86 had the trampolines for it), attach finds out and falls back.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "probes_private.h"

/*
 * Both ip_vs_conn_new programs read struct ip_vs_conn through CO-RE, so
 * without the module's BTF neither fexit nor kretprobe can load.
 */
static void find_ipvs(struct probes_features *f)
{
	if (access("/sys/module/ip_vs", F_OK) < 0) {
		f->ipvs_why = "the kernel module ip_vs is not loaded (modprobe ip_vs)";
		return;
	}
	f->ip_vs = btf__load_module_btf("ip_vs", f->vmlinux);
	if (!f->ip_vs)
		f->ipvs_why =
		    "no BTF for module ip_vs: /sys/kernel/btf/ip_vs is missing (vigil needs "
		    "CONFIG_DEBUG_INFO_BTF_MODULES=y)";
}

int probes_features_find(struct probes_features *f, struct degraded *d)
{
	char text[128];

	memset(f, 0, sizeof(*f));
	f->vmlinux = btf__load_vmlinux_btf();
	if (!f->vmlinux) {
		int r = -errno;

		degraded_all_missing(d, "cannot read the kernel's BTF: %s",
				     probes_cause(r, text, sizeof(text)));
		return r;
	}
	/* tp_btf, fentry and fexit are all of this type: none loads without it */
	f->tracing = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_TRACING, NULL) == 1;
	if (!f->tracing)
		log_info("the kernel cannot load BPF tracing programs: no tp_btf, fentry or fexit");
	find_ipvs(f);
	/* kfuncs are functions of the kernel's BTF; this one came in v6.5 */
	f->sock_destroy = btf__find_by_name_kind(f->vmlinux, "bpf_sock_destroy", BTF_KIND_FUNC) > 0;
	return 0;
}

void probes_features_free(struct probes_features *f)
{
	btf__free(f->ip_vs);
	btf__free(f->vmlinux);
	f->ip_vs = f->vmlinux = NULL;
}

/* Whether the kernel has tracepoint NAME in a form tp_btf attaches to. */
static bool has_tracepoint(const struct probes_features *f, const char *name)
{
	char type[128];

	/* what libbpf looks for too: the tracepoint's typedef in vmlinux BTF */
	snprintf(type, sizeof(type), "btf_trace_%s", name);
	return btf__find_by_name_kind(f->vmlinux, type, BTF_KIND_TYPEDEF) > 0;
}

/* Whether function NAME is in the kernel's BTF, or the ip_vs module's. */
static bool has_function(const struct probes_features *f, const char *name)
{
	/* module BTF is split BTF: a search of it covers vmlinux too */
	return btf__find_by_name_kind(f->ip_vs ? f->ip_vs : f->vmlinux, name, BTF_KIND_FUNC) > 0;
}

const char *probes_features_lack(const struct probes_features *f, const char *section)
{
	const char *slash = strchr(section, '/');
	bool tp = !strncmp(section, "tp_btf/", 7), iter = !strncmp(section, "iter/", 5),
	     trampoline = !strncmp(section, "fentry/", 7) || !strncmp(section, "fexit/", 6);
	char iter_func[64];

	if (!tp && !trampoline && !iter)
		return NULL; /* kprobes and sockops: attach says */
	if (!f->tracing)
		return "the kernel cannot load BPF tracing programs";
	if (iter) {
		/* what libbpf attaches an iterator to: the kernel's bpf_iter_NAME() */
		snprintf(iter_func, sizeof(iter_func), "bpf_iter_%s", slash + 1);
		return has_function(f, iter_func) ? NULL : "the kernel has no such BPF iterator";
	}
	if (tp && !has_tracepoint(f, slash + 1))
		return "the kernel has no such tracepoint";
	if (trampoline && !has_function(f, slash + 1))
		return "the function is not in the kernel's BTF";
	return NULL;
}
