/* ipcfuzz campaign: every available target under every engine asked for,
 * then its stress profile (when `ipcfuzz stress` is built in), the engines'
 * new inputs merged into a working corpus that outlives the campaign, every
 * crash and leak named by its oracle signature and kept once per signature,
 * and the reports and coverage plots.  A finding in one target does not
 * stop the others: each run is a child process, bounded in time. */
#define _GNU_SOURCE
#include "../targets/mechanism.h"
#include "campaign.h"
#include "cli.h"
#include "proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"usage: ipcfuzz campaign [--seconds-per-target N] [--engines libfuzzer,afl] [--jobs J]\n"
	"                        [--out DIR] [--targets a,b] [--corpus DIR] [--build-root DIR]\n"
	"Fuzzes every available target (or the listed ones) with each engine for N\n"
	"seconds (default 10; J workers each: libFuzzer -fork, AFL++ -M/-S), runs its\n"
	"stress profile when `ipcfuzz stress` exists, merges new inputs into the working\n"
	"corpus (default DIR/corpus/<target>; libFuzzer -merge=1, or afl-cmin without\n"
	"libFuzzer), and writes DIR/report.md, DIR/report.json, DIR/junit.xml and\n"
	"DIR/<target>/coverage.png.  DIR defaults to ipcfuzz-out/campaign.\n"
	"Exit: 0 nothing found, 1 crashes or leaks found, 2 bad use or missing build.\n";

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "a,b,c" -> is `word` one of them? */
static int in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && !strncmp(p, word, n))
			return 1;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* Every word of the list must be known: a typo is bad use, not silence. */
static const char *unknown_word(const char *list, int (*known)(const char *))
{
	static char word[64];
	for (const char *p = list; p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		snprintf(word, sizeof word, "%.*s", (int)(len < 63 ? len : 63), p);
		if (!known(word))
			return word;
		p = comma ? comma + 1 : NULL;
	}
	return NULL;
}

static int known_engine(const char *w)
{
	return !strcmp(w, "libfuzzer") || !strcmp(w, "afl");
}

static int known_target(const char *w)
{
	return mechanism_find(w) != NULL;
}

static void add_finding(struct campaign *c, const struct campaign_target *t, const char *engine,
			const char *sig, const char *file, int count)
{
	char dir[4096], copy[4300], safe[96];

	for (int i = 0; i < c->nfindings; i++)
		if (!strcmp(c->findings[i].signature, sig)) {
			c->findings[i].count += count;
			return;
		}
	if (c->nfindings == CAMPAIGN_MAX_FINDINGS)
		return;
	/* One kept input per signature, named by it, under DIR/crashes/. */
	snprintf(safe, sizeof safe, "%s", sig);
	for (char *p = safe; *p; p++)
		if (*p == '/' || *p == ':')
			*p = '_';
	snprintf(dir, sizeof dir, "%s/crashes", c->out);
	mkdirs(dir);
	snprintf(copy, sizeof copy, "%s/%s", dir, safe);
	struct campaign_finding *x = &c->findings[c->nfindings++];
	snprintf(x->signature, sizeof x->signature, "%s", sig);
	snprintf(x->target, sizeof x->target, "%s", t->id);
	snprintf(x->engine, sizeof x->engine, "%s", engine);
	snprintf(x->file, sizeof x->file, "%s", copy_file(file, copy) ? file : copy);
	x->count = count;
}

/* `ipcfuzz stress` is another subcommand; it is used when this binary has
 * it (its --help succeeds), so a campaign works with or without it. */
static int have_stress(void)
{
	static int known = -1;
	if (known < 0) {
		char *argv[] = {"/proc/self/exe", "stress", "--help", NULL};
		known = proc_exit_code(proc_run(argv, "/dev/null", 30, NULL, NULL)) == 0;
	}
	return known;
}

static void grab_signature(void *ctx, double t, const char *line)
{
	struct stress_result *s = ctx;
	(void)t;
	if (!s->signature[0] && !strncmp(line, "signature: ", 11))
		snprintf(s->signature, sizeof s->signature, "%s", line + 11);
}

static void run_stress(struct campaign *c, struct campaign_target *t, const struct mechanism *m)
{
	char dir[4096], secs[32], self[4096];
	struct stress_result *s = &t->stress;

	if (!m->stress || !have_stress())
		return;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return;
	self[n] = 0;
	snprintf(dir, sizeof dir, "%s/%s/stress", c->out, t->id);
	mkdirs(dir);
	snprintf(s->log, sizeof s->log, "%s/stress.log", dir);
	snprintf(secs, sizeof secs, "%ld", c->seconds);
	char *argv[] = {self, "stress", (char *)t->id, "--seconds", secs, NULL};
	progress("%s stress %lds", t->id, c->seconds);
	double t0 = now();
	s->status = proc_exit_code(proc_run(argv, s->log, c->seconds + 120, grab_signature, s));
	s->seconds = now() - t0;
	s->ran = 1;
	if (s->status && !s->signature[0])
		snprintf(s->signature, sizeof s->signature, "stress/%s/exit-%d", t->id, s->status);
	if (s->status)
		add_finding(c, t, "stress", s->signature, s->log, 1);
}

/* The working corpus starts from the seeds the build compiled. */
static void seed_corpus(struct campaign *c, const char *work, const char *target)
{
	char bin[4096], bin_dir[4096], seeds[4096], dict[4096];

	if (count_files(work) > 0)
		return;
	for (int e = 0; e < c->nengines; e++) {
		fuzz_paths(IPCFUZZ_BUILD_ROOT, c->engines[e], target, bin, bin_dir, seeds, dict,
			   sizeof bin);
		if (count_files(seeds) > 0) {
			copy_dir_files(seeds, work);
			return;
		}
	}
	mkdirs(work);
}

/* libFuzzer -merge=1 keeps what adds coverage to the working corpus; with
 * AFL++ alone, afl-cmin minimizes the union of the corpus and the queues. */
static void merge(struct campaign *c, struct campaign_target *t, const char *root, const char *work)
{
	char bin[4096], bin_dir[4096], seeds[4096], dict[4096], log[4096], a_art[4200];
	int have_lf = 0;

	t->corpus_before = count_files(work);
	for (int e = 0; e < t->nruns; e++)
		have_lf |= !strcmp(t->runs[e].engine, "libfuzzer");
	fuzz_paths(root, have_lf ? "libfuzzer" : "afl", t->id, bin, bin_dir, seeds, dict,
		   sizeof bin);
	snprintf(log, sizeof log, "%s/%s/merge.log", c->out, t->id);
	progress("%s merge", t->id);
	if (have_lf) {
		char *argv[16];
		int n = 0;
		argv[n++] = bin;
		argv[n++] = "-merge=1";
		argv[n++] = "-timeout=20";
		/* Crashing inputs met while merging are saved here, not in the cwd. */
		snprintf(a_art, sizeof a_art, "-artifact_prefix=%s/%s/merge-", c->out, t->id);
		argv[n++] = a_art;
		argv[n++] = (char *)work;
		for (int e = 0; e < t->nruns; e++)
			for (int q = 0; q < t->runs[e].n_new_inputs && n < 14; q++)
				if (!access(t->runs[e].new_inputs[q], R_OK))
					argv[n++] = t->runs[e].new_inputs[q];
		argv[n] = NULL;
		proc_run(argv, log, 600, NULL, NULL);
		snprintf(t->merge_tool, sizeof t->merge_tool, "libFuzzer -merge=1");
	} else if (t->nruns) {
		char in[4096], out[4200];
		snprintf(in, sizeof in, "%s/%s/cmin-in", c->out, t->id);
		snprintf(out, sizeof out, "%s/%s/cmin-out", c->out, t->id);
		rm_rf(in);
		rm_rf(out);
		copy_dir_files(work, in);
		for (int q = 0; q < t->runs[0].n_new_inputs; q++)
			copy_dir_files(t->runs[0].new_inputs[q], in);
		char *argv[] = {"afl-cmin", "-i", in,	   "-o", out, "-m",
				"none",	    "-t", "20000", "--", bin, NULL};
		setenv("AFL_ALLOW_TMP", "1", 1); /* afl-cmin refuses /tmp otherwise */
		int st = proc_run(argv, log, 600, NULL, NULL);
		/* Replace the corpus only with a complete minimized set. */
		if (proc_exit_code(st) == 0 && count_files(out) > 0) {
			rm_rf(work);
			copy_dir_files(out, work);
			snprintf(t->merge_tool, sizeof t->merge_tool, "afl-cmin");
		}
		rm_rf(in);
		rm_rf(out);
	}
	t->corpus_after = count_files(work);
	progress(NULL);
}

static void run_target(struct campaign *c, struct campaign_target *t, const char *root, int index)
{
	char work[4096];
	const struct mechanism *m = mechanism_find(t->id);

	snprintf(work, sizeof work, "%s/%s", c->corpus, t->id);
	seed_corpus(c, work, t->id);
	for (int e = 0; e < c->nengines; e++) {
		struct fuzz_run *r = &t->runs[t->nruns];
		char *out = malloc(4096);
		snprintf(out, 4096, "%s/%s/%s", c->out, t->id, c->engines[e]);
		rm_rf(out); /* this campaign's numbers only; the corpus lives in `work` */
		*r = (struct fuzz_run){.target = t->id,
				       .engine = c->engines[e],
				       .out = out,
				       .root = root,
				       .corpus = work,
				       .seconds = c->seconds,
				       .jobs = c->jobs};
		progress("[%d/%d] %s %s", index + 1, c->ntargets, t->id, c->engines[e]);
		double t0 = now();
		if (fuzz_run(r)) {
			free(out);
			continue; /* not built: said so; the other engines still run */
		}
		t->run_seconds[t->nruns] = now() - t0;
		fuzz_write_summary(r);
		for (int i = 0; i < r->nfindings; i++)
			add_finding(c, t, r->engine, r->findings[i].signature, r->findings[i].file,
				    r->findings[i].count);
		t->nruns++;
	}
	run_stress(c, t, m);
	merge(c, t, root, work);
	campaign_plot_coverage(c, t);
}

int cmd_campaign(int argc, char **argv)
{
	struct campaign c = {.out = "ipcfuzz-out/campaign", .seconds = 10, .jobs = 1};
	const char *engines = "libfuzzer,afl", *targets = NULL, *root = IPCFUZZ_BUILD_ROOT;
	char corpus[4096] = "";

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--seconds-per-target") && v) {
			if ((c.seconds = cli_parse_pos(argv[++i], 7 * 86400)) < 0)
				return cli_bad_use(usage, "campaign: bad --seconds-per-target '%s'",
						   v);
		} else if (!strcmp(a, "--jobs") && v) {
			if ((c.jobs = cli_parse_pos(argv[++i], 256)) < 0)
				return cli_bad_use(usage, "campaign: bad --jobs '%s' (1..256)", v);
		} else if (!strcmp(a, "--engines") && v) {
			engines = argv[++i];
		} else if (!strcmp(a, "--targets") && v) {
			targets = argv[++i];
		} else if (!strcmp(a, "--out") && v) {
			c.out = argv[++i];
		} else if (!strcmp(a, "--corpus") && v) {
			snprintf(corpus, sizeof corpus, "%s", argv[++i]);
		} else if (!strcmp(a, "--build-root") && v) {
			root = argv[++i];
		} else {
			return cli_bad_use(usage, "campaign: unexpected argument '%s'", a);
		}
	}
	const char *bad = unknown_word(engines, known_engine);
	if (bad)
		return cli_bad_use(usage, "campaign: unknown engine '%s' (libfuzzer, afl)", bad);
	if (targets && (bad = unknown_word(targets, known_target)))
		return cli_bad_use(usage, "campaign: unknown target '%s' (ipcfuzz list)", bad);
	/* Engines in a fixed order, each once. */
	static const char *const all[] = {"libfuzzer", "afl"};
	for (int e = 0; e < CAMPAIGN_ENGINES; e++)
		if (in_list(engines, all[e]))
			c.engines[c.nengines++] = all[e];
	if (!corpus[0])
		snprintf(corpus, sizeof corpus, "%s/corpus", c.out);
	c.corpus = corpus;
	if (mkdirs(c.out) || mkdirs(c.corpus)) {
		fprintf(stderr, "ipcfuzz: campaign: cannot make %s or %s\n", c.out, c.corpus);
		return 2;
	}
	c.targets = calloc(mechanism_count, sizeof *c.targets);
	for (size_t i = 0; i < mechanism_count; i++)
		if (!targets || in_list(targets, mechanisms[i]->id)) {
			struct campaign_target *t = &c.targets[c.ntargets++];
			t->id = mechanisms[i]->id;
			t->skipped = mechanisms[i]->probe ? mechanisms[i]->probe() : NULL;
		}
	double t0 = now();
	for (int i = 0; i < c.ntargets; i++) {
		struct campaign_target *t = &c.targets[i];
		if (t->skipped) {
			printf("%-12s %-10s skipped: %s\n", t->id, "-", t->skipped);
			continue;
		}
		run_target(&c, t, root, i);
		fflush(stdout);
	}
	c.seconds_total = now() - t0;
	campaign_write_reports(&c);
	printf("campaign: %d target(s), %d distinct finding(s); report: %s/report.md\n", c.ntargets,
	       c.nfindings, c.out);
	int status = c.nfindings ? 1 : 0, runs = 0, available = 0;
	for (int i = 0; i < c.ntargets; i++) {
		runs += c.targets[i].nruns;
		available += !c.targets[i].skipped;
	}
	if (available && !runs)
		status = 2; /* no engine was built: nothing was tested */
	for (int i = 0; i < c.ntargets; i++)
		for (int e = 0; e < c.targets[i].nruns; e++)
			free((char *)c.targets[i].runs[e].out);
	free(c.targets);
	return status;
}
