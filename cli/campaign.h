/* What a campaign found, kept as data so that the report writers (Markdown,
 * JSON, JUnit XML) and the plots read one structure. */
#ifndef IPCFUZZ_CLI_CAMPAIGN_H
#define IPCFUZZ_CLI_CAMPAIGN_H

#include "fuzz_run.h"

#define CAMPAIGN_ENGINES      2
#define CAMPAIGN_MAX_FINDINGS 256

struct stress_result {
	int ran;    /* 0: `ipcfuzz stress` is not built in, or no profile */
	int status; /* its exit code */
	double seconds;
	char signature[96];
	char log[4096];
};

struct campaign_target {
	const char *id;
	const char *skipped; /* why, when the kernel lacks it */
	int nruns;
	struct fuzz_run runs[CAMPAIGN_ENGINES];
	double run_seconds[CAMPAIGN_ENGINES];
	struct stress_result stress;
	int corpus_before, corpus_after; /* working corpus files around the merge */
	char merge_tool[32];
	char plot[4096]; /* "" when none was drawn */
};

/* A finding, deduplicated over the whole campaign by signature. */
struct campaign_finding {
	char signature[96];
	char target[32], engine[16];
	char file[4096]; /* the copy under DIR/crashes/ */
	int count;
};

struct campaign {
	const char *out, *corpus;
	long seconds, jobs;
	const char *engines[CAMPAIGN_ENGINES];
	int nengines;
	double seconds_total;
	int ntargets;
	struct campaign_target *targets;
	int nfindings;
	struct campaign_finding findings[CAMPAIGN_MAX_FINDINGS];
};

/* DIR/report.md, DIR/report.json, DIR/junit.xml. */
void campaign_write_reports(const struct campaign *c);
/* DIR/<target>/coverage.png from each engine's coverage.dat (gnuplot);
 * fills t->plot, or leaves it empty when there is nothing to draw. */
void campaign_plot_coverage(const struct campaign *c, struct campaign_target *t);

#endif
