#include "replay.h"

#include "../src/prog/input.h"
#include "../targets/mechanism.h"
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct tally {
	int files, clean, found, flaky, skipped;
	int runs, quiet;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: replay [--target T] [--runs N] [--backend B] [--quiet] FILE|DIR...\n"
		   "Runs every input N times (default 3) through the target's harness with no\n"
		   "fuzzing engine. Text programs and binary inputs are both accepted.\n"
		   "--backend: prog (as each op says, the default), syscall, uring (every\n"
		   "send/recv through io_uring), or both (run twice, syscalls then io_uring: the\n"
		   "results must match each other and the model). Also IPCFUZZ_BACKEND.\n"
		   "An input that needs io_uring where the kernel does not allow it is SKIPPED.\n"
		   "Exit: 0 clean, 1 a finding (divergence, leak or flaky input), 2 bad use,\n"
		   "77 every input skipped.\n");
}

static void replay_file(const char *path, struct tally *t)
{
	size_t size;
	uint8_t *data = input_read_file(path, &size);
	static struct report r, first;
	int failures = 0;

	if (!data) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		t->found++;
		return;
	}
	t->files++;
	for (int i = 0; i < t->runs; i++) {
		if (harness_run(data, size, &r)) {
			if (!failures)
				first = r;
			failures++;
		} else if (r.skipped[0]) {
			break; /* it will not run the next time either */
		}
	}
	free(data);
	if (!failures && r.skipped[0]) {
		t->skipped++;
		printf("SKIP   %s (%s)\n", path, r.skipped);
		return;
	}
	if (!failures) {
		t->clean++;
		if (!t->quiet)
			printf("ok     %s\n", path);
		return;
	}
	if (failures < t->runs) {
		t->flaky++;
		printf("FLAKY  %s (%d of %d runs found: %s)\n", path, failures, t->runs,
		       first.signature);
	} else {
		t->found++;
		printf("FOUND  %s (%s)\n", path, first.signature);
	}
	fputs(first.text, stdout);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_path(const char *path, struct tally *t)
{
	struct stat st;

	if (stat(path, &st)) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		t->found++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		replay_file(path, t);
		return;
	}
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char **more = realloc(names, (n + 1) * sizeof *names);
		if (!more)
			break;
		names = more;
		size_t len = strlen(path) + strlen(e->d_name) + 2;
		names[n] = malloc(len);
		snprintf(names[n++], len, "%s/%s", path, e->d_name);
	}
	if (d)
		closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		replay_path(names[i], t);
		free(names[i]);
	}
	free(names);
}

/* corpus/<target>/... names its target. */
static const char *target_from_path(const char *path)
{
	static char buf[4096];
	struct stat st;

	snprintf(buf, sizeof buf, "%s", path);
	size_t len = strlen(buf);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = 0;
	if (!stat(buf, &st) && !S_ISDIR(st.st_mode))
		snprintf(buf, sizeof buf, "%s", dirname(buf));
	const char *base = basename(buf);
	return mechanism_find(base) ? base : NULL;
}

int replay_main(const char *target, int argc, char **argv)
{
	struct tally t = {.runs = 3};
	int first_path = 0;
	char **paths = calloc((size_t)argc, sizeof *paths);

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			free(paths);
			return 0;
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || v < 1 || v > 1000000) {
				fprintf(stderr, "replay: --runs wants 1..1000000, not '%s'\n",
					argv[i]);
				free(paths);
				return 2;
			}
			t.runs = (int)v;
		} else if (!strcmp(argv[i], "--backend") && i + 1 < argc) {
			int m = backend_parse(argv[++i]);
			if (m < 0) {
				fprintf(stderr,
					"replay: --backend wants prog, syscall, uring or both, not "
					"'%s'\n",
					argv[i]);
				free(paths);
				return 2;
			}
			harness_set_backend((enum backend_mode)m);
		} else if (!strcmp(argv[i], "--target") && i + 1 < argc) {
			target = argv[++i];
		} else if (!strcmp(argv[i], "--quiet")) {
			t.quiet = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "replay: unknown option '%s'\n", argv[i]);
			usage(stderr);
			free(paths);
			return 2;
		} else {
			paths[first_path++] = argv[i];
		}
	}
	if (!first_path) {
		usage(stderr);
		free(paths);
		return 2;
	}
	if (!target)
		target = target_from_path(paths[0]);
	if (!target) {
		fprintf(stderr, "replay: cannot tell the target of '%s': give --target T\n",
			paths[0]);
		free(paths);
		return 2;
	}
	harness_init(target);
	for (int i = 0; i < first_path; i++)
		replay_path(paths[i], &t);
	free(paths);
	static struct report r;
	if (harness_finish(&r)) {
		t.found++;
		fputs(r.text, stdout);
	}
	printf("%s: %d inputs x %d runs: %d clean, %d found, %d flaky, %d skipped\n",
	       harness_target(), t.files, t.runs, t.clean, t.found, t.flaky, t.skipped);
	if (t.found || t.flaky)
		return 1;
	return t.skipped && !t.clean ? 77 : 0;
}
