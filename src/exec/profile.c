#include "profile.h"

#include <stdio.h>
#include <stdlib.h>

int prof_on;
uint64_t prof_ns[PROF_PHASES];
uint64_t prof_n[PROF_PHASES];
uint64_t prof_programs;

static const char *const names[PROF_PHASES] = {
	"model",	  "executor ops",   "peer ops",	  "pend+await", "collect/cancel",
	"peer end+audit", "teardown+audit", "peer start", "peer setup", "peer kill",
};

static void prof_report(void)
{
	uint64_t total = 0, programs = prof_programs;

	if (!prof_on || !programs)
		return;
	for (int i = 0; i < PROF_PHASES; i++)
		total += prof_ns[i];
	fprintf(stderr, "ipcfuzz profile: %llu programs, %.1f us each in the executor\n",
		(unsigned long long)programs, (double)total / 1000.0 / (double)programs);
	for (int i = 0; i < PROF_PHASES; i++)
		fprintf(stderr,
			"  %-16s %8.1f us/program %5.1f%%  %6.2f times/program, %7.1f us each\n",
			names[i], (double)prof_ns[i] / 1000.0 / (double)programs,
			total ? 100.0 * (double)prof_ns[i] / (double)total : 0.0,
			(double)prof_n[i] / (double)programs,
			prof_n[i] ? (double)prof_ns[i] / 1000.0 / (double)prof_n[i] : 0.0);
}

void prof_init(void)
{
	const char *v = getenv("IPCFUZZ_PROFILE");
	if (prof_on || !v || !*v || *v == '0')
		return;
	prof_on = 1;
	atexit(prof_report);
}
