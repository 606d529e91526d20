/* ipcfuzz fuzz: runs one target under libFuzzer or AFL++ for a while, then
 * replays what crashed to name each finding by its oracle signature, and
 * prints (and writes as summary.json) execs, exec/s, crashes and leaks. */
#define _GNU_SOURCE
#include "../targets/mechanism.h"
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"usage: ipcfuzz fuzz <target> [--engine libfuzzer|afl] [--seconds N] [--out DIR]\n"
	"                             [--jobs J] [--build-root DIR]\n"
	"Fuzzes one target with the binaries of the libfuzzer or afl preset\n"
	"(build them with: cmake --workflow / cmake --preset P && cmake --build --preset P).\n"
	"Writes DIR/summary.json; the working corpus is DIR/corpus.\n"
	"Exit: 0 nothing found, 1 crashes or leaks found, 2 bad use or missing build.\n";

struct run {
	const char *target, *engine, *out, *root;
	long seconds, jobs;
	long long execs;
	double exec_per_sec;
	int crashes, leaks;
	char signatures[2048];
};

static int mkdirs(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(buf, 0755);
			*p = '/';
		}
	return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

/* Runs argv with output to log, killed after limit seconds (no hang ever). */
static int run_logged(char *const argv[], const char *log, long limit)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		FILE *f = freopen(log, "w", stderr);
		if (f)
			dup2(fileno(f), 1);
		setpgid(0, 0);
		execvp(argv[0], argv);
		fprintf(stderr, "ipcfuzz: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int status = 0;
	time_t deadline = time(NULL) + limit;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (time(NULL) > deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(100000);
	}
	return status;
}

static int scan_number(const char *file, const char *key, double *v)
{
	FILE *f = fopen(file, "re");
	char line[512];
	int found = 0;
	size_t klen = strlen(key);

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, klen)) {
			char *p = line + klen;
			while (*p == ' ' || *p == ':')
				p++;
			*v = strtod(p, NULL);
			found = 1;
		}
	fclose(f);
	return found;
}

/* Replays one crash file to learn its oracle signature. */
static void classify(struct run *r, const char *bin_dir, const char *file)
{
	char replay[4096], log[4096], line[512], sig[128] = "crash/unknown";
	snprintf(replay, sizeof replay, "%s/replay-%s", bin_dir, r->target);
	snprintf(log, sizeof log, "%s/classify.log", r->out);
	char *argv[] = {replay, "--runs", "1", (char *)file, NULL};
	run_logged(argv, log, 60);
	FILE *f = fopen(log, "re");
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "signature: ", 11)) {
			snprintf(sig, sizeof sig, "%s", line + 11);
			sig[strcspn(sig, "\n")] = 0;
			break;
		}
	if (f)
		fclose(f);
	r->crashes++;
	if (!strncmp(sig, "leak:", 5))
		r->leaks++;
	if (!strstr(r->signatures, sig)) {
		size_t n = strlen(r->signatures);
		snprintf(r->signatures + n, sizeof r->signatures - n, "%s%s", n ? " " : "", sig);
	}
}

static void classify_dir(struct run *r, const char *bin_dir, const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && !strncmp(e->d_name, prefix, strlen(prefix))) {
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			classify(r, bin_dir, path);
		}
	if (d)
		closedir(d);
}

static int fuzz_libfuzzer(struct run *r, const char *bin, const char *bin_dir, const char *seeds,
			  const char *dict)
{
	char corpus[4096], crashes[4096], log[4096], a_time[64], a_art[4200], a_dict[4200],
		a_fork[64];
	snprintf(corpus, sizeof corpus, "%s/corpus", r->out);
	snprintf(crashes, sizeof crashes, "%s/crashes", r->out);
	snprintf(log, sizeof log, "%s/fuzz.log", r->out);
	mkdirs(corpus);
	mkdirs(crashes);
	snprintf(a_time, sizeof a_time, "-max_total_time=%ld", r->seconds);
	snprintf(a_art, sizeof a_art, "-artifact_prefix=%s/", crashes);
	snprintf(a_dict, sizeof a_dict, "-dict=%s", dict);
	snprintf(a_fork, sizeof a_fork, "-fork=%ld", r->jobs);
	char *argv[16];
	int n = 0;
	argv[n++] = (char *)bin;
	argv[n++] = a_time;
	argv[n++] = "-print_final_stats=1";
	argv[n++] = "-timeout=20";
	argv[n++] = a_art;
	if (!access(dict, R_OK))
		argv[n++] = a_dict;
	if (r->jobs > 1) {
		argv[n++] = a_fork;
		argv[n++] = "-ignore_crashes=1";
	}
	argv[n++] = corpus;
	if (!access(seeds, R_OK))
		argv[n++] = (char *)seeds;
	argv[n] = NULL;
	run_logged(argv, log, r->seconds + 120);
	double v = 0;
	if (scan_number(log, "stat::number_of_executed_units", &v))
		r->execs = (long long)v;
	if (scan_number(log, "stat::average_exec_per_sec", &v))
		r->exec_per_sec = v;
	classify_dir(r, bin_dir, crashes, ""); /* crash-*, leak-*, timeout-*, oom-* */
	return 0;
}

static int fuzz_afl(struct run *r, const char *bin, const char *bin_dir, const char *seeds,
		    const char *dict)
{
	char outdir[4096], log[4096], secs[32], stats[4200], crashes[4200];
	snprintf(outdir, sizeof outdir, "%s/afl", r->out);
	snprintf(log, sizeof log, "%s/fuzz.log", r->out);
	snprintf(secs, sizeof secs, "%ld", r->seconds);
	mkdirs(r->out);
	setenv("AFL_SKIP_CPUFREQ", "1", 1);
	setenv("AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES", "1", 1);
	setenv("AFL_NO_UI", "1", 1);
	setenv("AFL_NO_AFFINITY", "1", 0);
	setenv("AFL_SKIP_BIN_CHECK", "1", 0);
	/* Resume a working directory instead of refusing to start. */
	setenv("AFL_AUTORESUME", "1", 1);
	/* afl-fuzz insists on these when ASAN_OPTIONS is set (it symbolizes
	 * nothing itself and needs an abort to see a crash). */
	char asan[1024];
	const char *cur = getenv("ASAN_OPTIONS");
	snprintf(asan, sizeof asan, "%s%ssymbolize=0:abort_on_error=1", cur ? cur : "",
		 cur && *cur ? ":" : "");
	setenv("ASAN_OPTIONS", asan, 1);
	char *argv[20];
	int n = 0;
	argv[n++] = "afl-fuzz";
	argv[n++] = "-i";
	argv[n++] = (char *)seeds;
	argv[n++] = "-o";
	argv[n++] = outdir;
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
	run_logged(argv, log, r->seconds + 120);
	snprintf(stats, sizeof stats, "%s/default/fuzzer_stats", outdir);
	double v = 0;
	if (scan_number(stats, "execs_done", &v))
		r->execs = (long long)v;
	/* AFL++'s own average over its run time (calibration included). */
	if (scan_number(stats, "execs_per_sec", &v))
		r->exec_per_sec = v;
	else if (r->seconds > 0)
		r->exec_per_sec = (double)r->execs / (double)r->seconds;
	snprintf(crashes, sizeof crashes, "%s/default/crashes", outdir);
	classify_dir(r, bin_dir, crashes, "id:");
	return 0;
}

static void write_summary(const struct run *r)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/summary.json", r->out);
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f,
			"{\"target\": \"%s\", \"engine\": \"%s\", \"seconds\": %ld, \"execs\": %lld, "
			"\"exec_per_sec\": %.0f, \"crashes\": %d, \"leaks\": %d, \"signatures\": "
			"\"%s\"}\n",
			r->target, r->engine, r->seconds, r->execs, r->exec_per_sec, r->crashes,
			r->leaks, r->signatures);
		fclose(f);
	}
	printf("%-12s %-10s execs=%-9lld exec/s=%-7.0f crashes=%d leaks=%d %s\n", r->target,
	       r->engine, r->execs, r->exec_per_sec, r->crashes, r->leaks, r->signatures);
}

static long parse_pos(const char *s, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);
	return *end || v < 1 || v > hi ? -1 : v;
}

int cmd_fuzz(int argc, char **argv)
{
	struct run r = {.engine = "libfuzzer", .seconds = 10, .jobs = 1, .root = IPCFUZZ_BUILD_ROOT};
	char out[4096] = "";

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--engine") && v) {
			r.engine = argv[++i];
		} else if (!strcmp(a, "--seconds") && v) {
			if ((r.seconds = parse_pos(argv[++i], 7 * 86400)) < 0)
				return cli_bad_use(usage, "fuzz: bad --seconds '%s'", v);
		} else if (!strcmp(a, "--jobs") && v) {
			if ((r.jobs = parse_pos(argv[++i], 256)) < 0)
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
	mkdirs(out);
	char bin_dir[4096], bin[4300], seeds[4300], dict[4300];
	snprintf(bin_dir, sizeof bin_dir, "%s/%s", r.root, r.engine);
	snprintf(bin, sizeof bin, "%s/fuzz-%s", bin_dir, r.target);
	snprintf(seeds, sizeof seeds, "%s/seeds/%s", bin_dir, r.target);
	snprintf(dict, sizeof dict, "%s/corpus/%s.dict", IPCFUZZ_SOURCE_DIR, r.target);
	if (access(bin, X_OK)) {
		fprintf(stderr,
			"ipcfuzz: %s not built: cmake --preset %s && cmake --build --preset %s\n", bin,
			r.engine, r.engine);
		return 2;
	}
	if (!strcmp(r.engine, "afl"))
		fuzz_afl(&r, bin, bin_dir, seeds, dict);
	else
		fuzz_libfuzzer(&r, bin, bin_dir, seeds, dict);
	write_summary(&r);
	return r.crashes ? 1 : 0;
}
