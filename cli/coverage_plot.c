/* Coverage over time, one PNG per target with a line per engine, drawn by
 * gnuplot from the "seconds edges" rows each fuzz run wrote. */
#include "campaign.h"
#include "proc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void campaign_plot_coverage(const struct campaign *c, struct campaign_target *t)
{
	char script[4096], png[4096], log[4096], dat[4200];
	int series = 0;

	t->plot[0] = 0;
	snprintf(script, sizeof script, "%s/%s/coverage.gp", c->out, t->id);
	snprintf(png, sizeof png, "%s/%s/coverage.png", c->out, t->id);
	snprintf(log, sizeof log, "%s/%s/gnuplot.log", c->out, t->id);
	FILE *f = fopen(script, "we");
	if (!f)
		return;
	fprintf(f,
		"set terminal png size 800,450\n"
		"set output '%s'\n"
		"set title 'ipcfuzz campaign: %s, coverage over time'\n"
		"set xlabel 'seconds'\n"
		"set ylabel 'edges (libFuzzer cov / AFL++ edges_found)'\n"
		"set key bottom right\n"
		"set grid\n"
		"plot ",
		png, t->id);
	for (int i = 0; i < t->nruns; i++) {
		const struct fuzz_run *r = &t->runs[i];
		if (r->coverage_points <= 0)
			continue;
		snprintf(dat, sizeof dat, "%s/coverage.dat", r->out);
		/* Engines count edges differently: each line is read on its own. */
		fprintf(f, "%s'%s' using 1:2 with linespoints pt 7 ps 0.4 title '%s'",
			series ? ", " : "", dat, r->engine);
		series++;
	}
	fputs("\n", f);
	fclose(f);
	if (!series)
		return;
	char *argv[] = {"gnuplot", script, NULL};
	int status = proc_run(argv, log, 60, NULL, NULL);
	if (proc_exit_code(status) == 0 && !access(png, R_OK))
		snprintf(t->plot, sizeof t->plot, "%s", png);
}
