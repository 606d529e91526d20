#include "profile.h"

#include <stdio.h>
#include <stdlib.h>

#include "../prog/prog.h"

int prof_on;
uint64_t prof_ns[PROF_PHASES];
uint64_t prof_n[PROF_PHASES];
uint64_t prof_programs;
uint64_t prof_kind_ns[2][PROF_KINDS];
uint64_t prof_kind_n[2][PROF_KINDS];
_Static_assert(OP_KIND_COUNT <= PROF_KINDS, "a row per op kind");

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
	for (int side = 0; side < 2; side++)
		for (unsigned k = 0; k < PROF_KINDS; k++)
			if (prof_kind_n[side][k])
				fprintf(stderr,
					"    %s %-8s %8.1f us/program  %6.2f times/program, %7.1f "
					"us each\n",
					side ? "peer" : "self", op_kind_name(k),
					(double)prof_kind_ns[side][k] / 1000.0 / (double)programs,
					(double)prof_kind_n[side][k] / (double)programs,
					(double)prof_kind_ns[side][k] / 1000.0 /
						(double)prof_kind_n[side][k]);
}

void prof_init(void)
{
	const char *v = getenv("IPCFUZZ_PROFILE");
	if (prof_on || !v || !*v || *v == '0')
		return;
	prof_on = 1;
	atexit(prof_report);
}
