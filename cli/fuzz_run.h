/* One fuzzing run of one target under one engine: what `ipcfuzz fuzz` runs
 * once and `ipcfuzz campaign` runs for every target and engine.  It finds
 * the engine's binaries in the preset builds, runs the engine for a bounded
 * time (several workers when jobs > 1), replays every crash to name it by
 * its oracle signature, and records coverage over time. */
#ifndef IPCFUZZ_CLI_FUZZ_RUN_H
#define IPCFUZZ_CLI_FUZZ_RUN_H

#include <stddef.h>

#define FUZZ_MAX_FINDINGS 64

/* One signature and the first input that showed it. */
struct finding {
	char signature[96];
	char file[4096];
	int count;
};

struct fuzz_run {
	/* in */
	const char *target, *engine; /* engine: libfuzzer or afl */
	const char *out;	     /* working directory of this run */
	const char *root;	     /* build/ (holds one directory per preset) */
	const char *corpus;	     /* start from here (NULL: the seeds) */
	long seconds, jobs;
	/* out */
	long long execs;
	double exec_per_sec;
	int crashes, leaks; /* inputs; leaks are the crashes whose check is leak:* */
	char signatures[2048];
	struct finding findings[FUZZ_MAX_FINDINGS];
	int nfindings;
	char new_inputs[4][4096]; /* directories holding what the engine kept */
	int n_new_inputs;
	int coverage_points; /* rows in out/coverage.dat: "seconds edges" */
};

/* Paths of the preset build's pieces for a target. */
void fuzz_paths(const char *root, const char *engine, const char *target, char *bin, char *bin_dir,
		char *seeds, char *dict, size_t cap);
/* 0 when done, 2 when the engine's build is missing (message written). */
int fuzz_run(struct fuzz_run *r);
/* Replays one crash file with the engine build's replay driver; adds it to
 * r's findings by signature. */
void fuzz_classify(struct fuzz_run *r, const char *bin_dir, const char *file);
/* Writes out/summary.json and prints the one-line summary. */
void fuzz_write_summary(const struct fuzz_run *r);

#endif
