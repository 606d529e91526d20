/* ipcfuzz fuzz: runs one target under libFuzzer or AFL++ for a while (the
 * run itself is fuzz_run.c, shared with `ipcfuzz campaign`), and prints (and
 * writes as summary.json) execs, exec/s, crashes, leaks and signatures. */
#define _GNU_SOURCE
#include "../targets/mechanism.h"
#include "cli.h"
#include "fuzz_run.h"
#include "proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: ipcfuzz fuzz <target> [--engine libfuzzer|afl] [--seconds N] [--out DIR]\n"
	"                             [--jobs J] [--build-root DIR]\n"
	"Fuzzes one target with the binaries of the libfuzzer or afl preset\n"
	"(build them with: cmake --workflow / cmake --preset P && cmake --build --preset P).\n"
	"Writes DIR/summary.json; the working corpus is DIR/corpus.\n"
	"Exit: 0 nothing found, 1 crashes or leaks found, 2 bad use or missing build.\n";

int cmd_fuzz(int argc, char **argv)
{
	struct fuzz_run r = {
		.engine = "libfuzzer", .seconds = 10, .jobs = 1, .root = IPCFUZZ_BUILD_ROOT};
	char out[4096] = "";

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--engine") && v) {
			r.engine = argv[++i];
		} else if (!strcmp(a, "--seconds") && v) {
			if ((r.seconds = cli_parse_pos(argv[++i], 7 * 86400)) < 0)
				return cli_bad_use(usage, "fuzz: bad --seconds '%s'", v);
		} else if (!strcmp(a, "--jobs") && v) {
			if ((r.jobs = cli_parse_pos(argv[++i], 256)) < 0)
				return cli_bad_use(usage, "fuzz: bad --jobs '%s'", v);
		} else if (!strcmp(a, "--out") && v) {
			snprintf(out, sizeof out, "%s", argv[++i]);
		} else if (!strcmp(a, "--build-root") && v) {
			r.root = argv[++i];
		} else if (a[0] != '-' && !r.target) {
			r.target = a;
		} else {
			return cli_bad_use(usage, "fuzz: unexpected argument '%s'", a);
		}
	}
	if (!r.target)
		return cli_bad_use(usage, "fuzz: %s", "which target? (ipcfuzz list)");
	const struct mechanism *m = mechanism_find(r.target);
	if (!m)
		return cli_bad_use(usage, "fuzz: unknown target '%s' (ipcfuzz list)", r.target);
	if (strcmp(r.engine, "libfuzzer") && strcmp(r.engine, "afl"))
		return cli_bad_use(usage, "fuzz: unknown engine '%s'", r.engine);
	const char *why = m->probe ? m->probe() : NULL;
	if (why) {
		printf("%-12s %-10s skipped: %s\n", r.target, r.engine, why);
		return 0;
	}
	if (!out[0])
		snprintf(out, sizeof out, "ipcfuzz-out/%s/%s", r.target, r.engine);
	r.out = out;
	int status = fuzz_run(&r);
	if (status)
		return status;
	fuzz_write_summary(&r);
	return r.crashes ? 1 : 0;
}
