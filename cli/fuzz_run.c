#define _GNU_SOURCE
#include "fuzz_run.h"

#include "proc.h"

#include "../src/prog/prog.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fuzz_paths(const char *root, const char *engine, const char *target, char *bin, char *bin_dir,
		char *seeds, char *dict, size_t cap)
{
	snprintf(bin_dir, cap, "%s/%s", root, engine);
	snprintf(bin, cap, "%s/%s/fuzz-%s", root, engine, target);
	snprintf(seeds, cap, "%s/%s/seeds/%s", root, engine, target);
	snprintf(dict, cap, "%s/corpus/%s.dict", IPCFUZZ_SOURCE_DIR, target);
}

static void add_signature(struct fuzz_run *r, const char *sig, const char *file)
{
	for (int i = 0; i < r->nfindings; i++)
		if (!strcmp(r->findings[i].signature, sig)) {
			r->findings[i].count++;
			return;
		}
	if (r->nfindings == FUZZ_MAX_FINDINGS)
		return;
	struct finding *f = &r->findings[r->nfindings++];
	snprintf(f->signature, sizeof f->signature, "%s", sig);
	snprintf(f->file, sizeof f->file, "%s", file);
	f->count = 1;
	size_t n = strlen(r->signatures);
	snprintf(r->signatures + n, sizeof r->signatures - n, "%s%s", n ? " " : "", sig);
}

struct sig_ctx {
	char sig[96];
};

static void grab_signature(void *ctx, double t, const char *line)
{
	struct sig_ctx *s = ctx;
	(void)t;
	if (!s->sig[0] && !strncmp(line, "signature: ", 11))
		snprintf(s->sig, sizeof s->sig, "%s", line + 11);
}

void fuzz_classify(struct fuzz_run *r, const char *bin_dir, const char *file)
{
	char replay[4096], log[4096];
	struct sig_ctx s = {""};

	snprintf(replay, sizeof replay, "%s/replay-%s", bin_dir, r->target);
	snprintf(log, sizeof log, "%s/classify.log", r->out);
	char *argv[] = {replay, "--runs", "1", (char *)file, NULL};
	proc_run(argv, log, 60, grab_signature, &s);
	/* An input that does not fail alone (a timeout, an engine's own
	 * out-of-memory) still counts: it is named by how the engine saw it. */
	if (!s.sig[0])
		snprintf(s.sig, sizeof s.sig, "crash/%s/unknown", r->target);
	r->crashes++;
	if (!strncmp(s.sig, "leak:", 5))
		r->leaks++;
	add_signature(r, s.sig, file);
}

static void classify_dir(struct fuzz_run *r, const char *bin_dir, const char *dir,
			 const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && !strncmp(e->d_name, prefix, strlen(prefix))) {
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			fuzz_classify(r, bin_dir, path);
		}
	if (d)
		closedir(d);
}

/* Coverage over time: libFuzzer prints "cov: N" on every new input and on
 * its periodic pulses; the time is when the line arrived. */
struct cov_ctx {
	FILE *dat;
	int points;
	const struct fuzz_run *r;
};

static void libfuzzer_line(void *ctx, double t, const char *line)
{
	struct cov_ctx *c = ctx;
	const char *p = strstr(line, " cov: ");
	if (p && c->dat) {
		fprintf(c->dat, "%.1f %ld\n", t, strtol(p + 6, NULL, 10));
		c->points++;
	}
	progress("%s %s %.0fs/%lds %s", c->r->target, c->r->engine, t, c->r->seconds,
		 p ? p + 1 : "");
}

static FILE *open_coverage(const struct fuzz_run *r)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/coverage.dat", r->out);
	return fopen(path, "we");
}

static void fuzz_libfuzzer(struct fuzz_run *r, const char *bin, const char *bin_dir,
			   const char *seeds, const char *dict)
{
	char corpus[4096], crashes[4096], log[4096], a_time[64], a_art[4200], a_dict[4200],
		a_fork[64], a_len[32];
	snprintf(corpus, sizeof corpus, "%s/corpus", r->out);
	snprintf(crashes, sizeof crashes, "%s/crashes", r->out);
	snprintf(log, sizeof log, "%s/fuzz.log", r->out);
	mkdirs(corpus);
	mkdirs(crashes);
	snprintf(a_time, sizeof a_time, "-max_total_time=%ld", r->seconds);
	snprintf(a_art, sizeof a_art, "-artifact_prefix=%s/", crashes);
	snprintf(a_dict, sizeof a_dict, "-dict=%s", dict);
	snprintf(a_fork, sizeof a_fork, "-fork=%ld", r->jobs);
	snprintf(a_len, sizeof a_len, "-max_len=%d", IPCF_MAX_OPS * IPCF_OP_BYTES);
	char *argv[17];
	int n = 0;
	argv[n++] = (char *)bin;
	argv[n++] = a_time;
	argv[n++] = "-print_final_stats=1";
	argv[n++] = "-timeout=20";
	/* Bytes past the last op a program takes are never read: mutating
	 * them is wasted (the OSS-Fuzz options say the same). */
	argv[n++] = a_len;
	argv[n++] = a_art;
	if (!access(dict, R_OK))
		argv[n++] = a_dict;
	if (r->jobs > 1) {
		/* Fork mode keeps going after a crash and runs J workers. */
		argv[n++] = a_fork;
		argv[n++] = "-ignore_crashes=1";
		argv[n++] = "-ignore_timeouts=1";
		argv[n++] = "-ignore_ooms=1";
	}
	argv[n++] = corpus;
	const char *start = r->corpus && count_files(r->corpus) ? r->corpus : seeds;
	if (!access(start, R_OK))
		argv[n++] = (char *)start;
	argv[n] = NULL;
	struct cov_ctx c = {open_coverage(r), 0, r};
	proc_run(argv, log, r->seconds + 120, libfuzzer_line, &c);
	if (c.dat)
		fclose(c.dat);
	r->coverage_points = c.points;
	double v = 0;
	if (scan_number(log, "stat::number_of_executed_units", &v))
		r->execs = (long long)v;
	if (scan_number(log, "stat::average_exec_per_sec", &v))
		r->exec_per_sec = v;
	else if (r->seconds > 0) /* fork mode prints no final stats: "#N:" lines */
		r->exec_per_sec = (double)r->execs / (double)r->seconds;
	snprintf(r->new_inputs[r->n_new_inputs++], sizeof r->new_inputs[0], "%s", corpus);
	classify_dir(r, bin_dir, crashes, ""); /* crash-*, leak-*, timeout-*, oom-* */
}

/* libFuzzer's fork mode reports progress as "#N: cov: ..."; its last line
 * holds the total of executions. */
static void last_exec_count(struct fuzz_run *r)
{
	char log[4096], line[1024];
	snprintf(log, sizeof log, "%s/fuzz.log", r->out);
	FILE *f = fopen(log, "re");
	while (f && fgets(line, sizeof line, f))
		if (line[0] == '#' && strstr(line, "cov:"))
			r->execs = strtoll(line + 1, NULL, 10);
	if (f)
		fclose(f);
}

/* AFL++ writes plot_data itself: relative_time first, edges_found last. */
static int afl_coverage(const char *plot, FILE *dat)
{
	FILE *f = fopen(plot, "re");
	char line[1024];
	int points = 0;

	while (f && dat && fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		char *last = strrchr(line, ',');
		if (!last)
			continue;
		fprintf(dat, "%ld %ld\n", strtol(line, NULL, 10), strtol(last + 1, NULL, 10));
		points++;
	}
	if (f)
		fclose(f);
	return points;
}

static void afl_env(void)
{
	setenv("AFL_SKIP_CPUFREQ", "1", 1);
	setenv("AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES", "1", 1);
	setenv("AFL_NO_UI", "1", 1);
	setenv("AFL_NO_AFFINITY", "1", 0);
	/* No AFL_SKIP_BIN_CHECK: the check is what finds the driver's
	 * persistent-mode and deferred-forkserver signatures; without them
	 * every input was a fresh process (sandbox, zygote: ~7 ms, against
	 * ~0.15 ms an input in persistent mode). */
	/* Resume a working directory instead of refusing to start. */
	setenv("AFL_AUTORESUME", "1", 1);
	/* afl-fuzz insists on these when ASAN_OPTIONS is set (it symbolizes
	 * nothing itself and needs an abort to see a crash). */
	static const char need[] = "symbolize=0:abort_on_error=1";
	const char *cur = getenv("ASAN_OPTIONS");
	size_t len = cur ? strlen(cur) : 0;
	if (len < sizeof need - 1 || strcmp(cur + len - (sizeof need - 1), need)) {
		char asan[1024];
		snprintf(asan, sizeof asan, "%s%s%s", cur ? cur : "", cur && *cur ? ":" : "", need);
		setenv("ASAN_OPTIONS", asan, 1);
	}
}

static void fuzz_afl(struct fuzz_run *r, const char *bin, const char *bin_dir, const char *seeds,
		     const char *dict)
{
	char outdir[4096], log[4300], secs[32], path[4300];
	int pids[256];
	snprintf(outdir, sizeof outdir, "%s/afl", r->out);
	snprintf(secs, sizeof secs, "%ld", r->seconds);
	afl_env();
	const char *start = r->corpus && count_files(r->corpus) ? r->corpus : seeds;
	/* One instance alone is "default"; J > 1 is one -M main plus -S
	 * secondaries on the shared sync directory. */
	for (long j = r->jobs > 1 ? r->jobs - 1 : 0; j >= 0; j--) {
		char name[32];
		char *argv[24];
		int n = 0;
		if (r->jobs > 1)
			snprintf(name, sizeof name, j ? "s%ld" : "main", j);
		else
			snprintf(name, sizeof name, "default");
		argv[n++] = "afl-fuzz";
		argv[n++] = "-i";
		argv[n++] = (char *)start;
		argv[n++] = "-o";
		argv[n++] = outdir;
		if (r->jobs > 1) {
			argv[n++] = j ? "-S" : "-M";
			argv[n++] = name;
		}
		argv[n++] = "-V";
		argv[n++] = secs;
		argv[n++] = "-m";
		argv[n++] = "none";
		argv[n++] = "-t";
		argv[n++] = "20000";
		if (!access(dict, R_OK)) {
			argv[n++] = "-x";
			argv[n++] = (char *)dict;
		}
		argv[n++] = "--";
		argv[n++] = (char *)bin;
		argv[n] = NULL;
		snprintf(log, sizeof log, "%s/fuzz%s%s.log", r->out, j ? "-" : "", j ? name : "");
		if (j)
			pids[j] = proc_spawn(argv, log);
		else
			proc_run(argv, log, r->seconds + 120, NULL, NULL);
	}
	for (long j = 1; j < r->jobs; j++)
		proc_reap(pids[j], 60);
	/* Totals over the instances; each instance's crashes are named. */
	for (long j = 0; j < (r->jobs > 1 ? r->jobs : 1); j++) {
		char name[32];
		double v = 0;
		if (r->jobs > 1)
			snprintf(name, sizeof name, j ? "s%ld" : "main", j);
		else
			snprintf(name, sizeof name, "default");
		snprintf(path, sizeof path, "%s/%s/fuzzer_stats", outdir, name);
		if (scan_number(path, "execs_done", &v))
			r->execs += (long long)v;
		if (scan_number(path, "execs_per_sec", &v))
			r->exec_per_sec += v;
		if (j == 0) {
			FILE *dat = open_coverage(r);
			snprintf(path, sizeof path, "%s/%s/plot_data", outdir, name);
			r->coverage_points = afl_coverage(path, dat);
			if (dat)
				fclose(dat);
		}
		snprintf(path, sizeof path, "%s/%s/queue", outdir, name);
		if (r->n_new_inputs < 4)
			snprintf(r->new_inputs[r->n_new_inputs++], sizeof r->new_inputs[0], "%s",
				 path);
		snprintf(path, sizeof path, "%s/%s/crashes", outdir, name);
		classify_dir(r, bin_dir, path, "id:");
	}
	if (!r->exec_per_sec && r->seconds > 0)
		r->exec_per_sec = (double)r->execs / (double)r->seconds;
}

int fuzz_run(struct fuzz_run *r)
{
	char bin_dir[4096], bin[4096], seeds[4096], dict[4096];

	fuzz_paths(r->root, r->engine, r->target, bin, bin_dir, seeds, dict, sizeof bin);
	if (access(bin, X_OK)) {
		fprintf(stderr,
			"ipcfuzz: %s not built: cmake --preset %s && cmake --build --preset %s\n",
			bin, r->engine, r->engine);
		return 2;
	}
	mkdirs(r->out);
	if (!strcmp(r->engine, "afl")) {
		fuzz_afl(r, bin, bin_dir, seeds, dict);
	} else {
		fuzz_libfuzzer(r, bin, bin_dir, seeds, dict);
		if (r->jobs > 1 && !r->execs)
			last_exec_count(r);
		if (r->jobs > 1 && r->seconds > 0 && r->execs)
			r->exec_per_sec = (double)r->execs / (double)r->seconds;
	}
	progress(NULL);
	return 0;
}

void fuzz_write_summary(const struct fuzz_run *r)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/summary.json", r->out);
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f,
			"{\"target\": \"%s\", \"engine\": \"%s\", \"seconds\": %ld, \"jobs\": %ld, "
			"\"execs\": %lld, \"exec_per_sec\": %.0f, \"crashes\": %d, \"leaks\": %d, "
			"\"signatures\": \"%s\"}\n",
			r->target, r->engine, r->seconds, r->jobs, r->execs, r->exec_per_sec,
			r->crashes, r->leaks, r->signatures);
		fclose(f);
	}
	printf("%-12s %-10s execs=%-9lld exec/s=%-7.0f crashes=%d leaks=%d %s\n", r->target,
	       r->engine, r->execs, r->exec_per_sec, r->crashes, r->leaks, r->signatures);
}
