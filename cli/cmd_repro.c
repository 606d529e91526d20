/* ipcfuzz repro: from a crash file to a bug report.  Prints the program,
 * replays it under the asan build's replay driver (the oracle's report), and
 * on request shrinks it with the engine's own minimizer and writes a
 * standalone C reproducer (src/prog/to_c.c). */
#define _GNU_SOURCE
#include "../src/prog/input.h"
#include "../src/prog/to_c.h"
#include "../targets/mechanism.h"
#include "cli.h"
#include "proc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: ipcfuzz repro FILE [--target T] [--minimize] [--to-c OUT.c] [--build-root DIR]\n"
	"Prints FILE's program (text or binary input), replays it once under the asan\n"
	"preset's replay driver and shows the oracle's report.  --minimize shrinks it\n"
	"(libFuzzer -minimize_crash=1, or afl-tmin without a libfuzzer build) into\n"
	"FILE.min and shows the smaller program.  --to-c writes a self-contained C\n"
	"program doing the same with plain syscalls, checking what the model expects.\n"
	"The target comes from --target or from a path component (corpus/<target>/...).\n"
	"Exit: 0 the finding does not reproduce, 1 it does, 2 bad use or missing build.\n";

/* A path component (or a signature-named file's part) that is a target. */
static const char *target_from_path(const char *path)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s", path);
	const char *found = NULL;
	for (char *save = NULL, *w = strtok_r(buf, "/_", &save); w; w = strtok_r(NULL, "/_", &save))
		if (mechanism_find(w))
			found = mechanism_find(w)->id;
	return found;
}

static int print_program(const char *path, const char *title, struct prog *p)
{
	size_t size;
	uint8_t *data = input_read_file(path, &size);
	if (!data) {
		fprintf(stderr, "ipcfuzz: repro: %s: %s\n", path, strerror(errno));
		return -1;
	}
	input_to_prog(data, size, p);
	free(data);
	char text[IPCF_MAX_OPS * 256];
	prog_format(p, text, sizeof text);
	printf("%s (%zu bytes, %zu ops):\n%s\n", title, size, p->n, text);
	return 0;
}

/* The asan build's driver, or any other preset's. */
static int replay(const char *root, const char *target, const char *file)
{
	static const char *const presets[] = {"asan", "dev", "libfuzzer", "afl"};
	char bin[4096];
	for (size_t i = 0; i < sizeof presets / sizeof *presets; i++) {
		snprintf(bin, sizeof bin, "%s/%s/replay-%s", root, presets[i], target);
		if (access(bin, X_OK))
			continue;
		printf("replay (%s preset):\n", presets[i]);
		fflush(stdout);
		char *argv[] = {bin, "--runs", "1", (char *)file, NULL};
		return proc_exit_code(proc_run(argv, NULL, 120, NULL, NULL));
	}
	fprintf(stderr,
		"ipcfuzz: repro: no replay-%s built: cmake --preset asan && "
		"cmake --build --preset asan\n",
		target);
	return 2;
}

static int minimize(const char *root, const char *target, const char *file, const char *out)
{
	char bin[4096], log[4200], a_out[4200], a_pre[4200], dir[4096];
	snprintf(log, sizeof log, "%s.log", out);
	unlink(out);
	snprintf(bin, sizeof bin, "%s/libfuzzer/fuzz-%s", root, target);
	if (!access(bin, X_OK)) {
		/* The steps' artifacts go beside the result, not into the cwd. */
		snprintf(dir, sizeof dir, "%s", out);
		char *slash = strrchr(dir, '/');
		snprintf(a_pre, sizeof a_pre, "-artifact_prefix=%s/",
			 slash ? (*slash = 0, dir) : ".");
		snprintf(a_out, sizeof a_out, "-exact_artifact_path=%s", out);
		char *argv[] = {bin,
				"-minimize_crash=1",
				"-max_total_time=60",
				"-runs=100000",
				a_pre,
				a_out,
				(char *)file,
				NULL};
		proc_run(argv, log, 180, NULL, NULL);
	} else {
		snprintf(bin, sizeof bin, "%s/afl/fuzz-%s", root, target);
		if (access(bin, X_OK)) {
			fprintf(stderr,
				"ipcfuzz: repro: --minimize needs the libfuzzer or afl build\n");
			return 2;
		}
		setenv("AFL_SKIP_CPUFREQ", "1", 1);
		char *argv[] = {"afl-tmin", "-i", (char *)file, "-o", (char *)out, "-m",
				"none",	    "-t", "20000",	"--", bin,	   NULL};
		proc_run(argv, log, 300, NULL, NULL);
	}
	if (access(out, R_OK)) {
		fprintf(stderr,
			"ipcfuzz: repro: minimizing made nothing (does it crash?); see %s\n", log);
		return 1;
	}
	return 0;
}

int cmd_repro(int argc, char **argv)
{
	const char *file = NULL, *target = NULL, *to_c = NULL, *root = IPCFUZZ_BUILD_ROOT;
	int want_min = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--target") && v) {
			target = argv[++i];
		} else if (!strcmp(a, "--to-c") && v) {
			to_c = argv[++i];
		} else if (!strcmp(a, "--build-root") && v) {
			root = argv[++i];
		} else if (!strcmp(a, "--minimize")) {
			want_min = 1;
		} else if (a[0] != '-' && !file) {
			file = a;
		} else {
			return cli_bad_use(usage, "repro: unexpected argument '%s'", a);
		}
	}
	if (!file)
		return cli_bad_use(usage, "repro: %s", "which crash file?");
	if (access(file, R_OK))
		return cli_bad_use(usage, "repro: cannot read '%s'", file);
	if (target && !mechanism_find(target))
		return cli_bad_use(usage, "repro: unknown target '%s' (ipcfuzz list)", target);
	if (!target && !(target = target_from_path(file)))
		return cli_bad_use(usage, "repro: cannot tell the target of '%s': give --target T",
				   file);
	const struct mechanism *m = mechanism_find(target);
	if (to_c && !m->to_c)
		return cli_bad_use(usage, "repro: target '%s' has no C reproducer yet", target);

	struct prog p;
	if (print_program(file, "program", &p))
		return 2;
	int status = replay(root, target, file);
	if (status == 2)
		return 2;
	char small[4200];
	if (want_min) {
		snprintf(small, sizeof small, "%s.min", file);
		int r = minimize(root, target, file, small);
		if (r == 2)
			return 2;
		if (!r) {
			printf("minimized into %s\n", small);
			print_program(small, "smaller program", &p);
		}
	}
	const char *why = NULL;
	if (to_c && prog_to_c_supported(m, &p, &why)) {
		fprintf(stderr,
			"ipcfuzz: repro: --to-c: %s, which the C reproducer cannot replay\n", why);
		return 2;
	}
	if (to_c) {
		FILE *f = fopen(to_c, "we");
		if (!f) {
			fprintf(stderr, "ipcfuzz: repro: %s: %s\n", to_c, strerror(errno));
			return 2;
		}
		prog_to_c(f, m, &p, file);
		if (fclose(f)) {
			fprintf(stderr, "ipcfuzz: repro: %s: %s\n", to_c, strerror(errno));
			return 2;
		}
		printf("C reproducer: %s (cc -o repro %s -lpthread -lrt && ./repro)\n", to_c, to_c);
	}
	return status;
}
