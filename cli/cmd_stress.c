/* ipcfuzz stress: many producers and consumers on one mechanism (or all of
 * them), every frame verified, participants killed on purpose, a leak
 * audit at the end.  The work is in stress/; this is the command line. */
#define _GNU_SOURCE
#include "../src/audit/audit.h"
#include "../src/sandbox/sandbox.h"
#include "../src/util/fault.h"
#include "../stress/frame.h"
#include "../stress/metrics.h"
#include "../stress/run.h"
#include "../targets/mechanism.h"
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: ipcfuzz stress <mechanism|all> [--producers P] [--consumers C]\n"
	"                      [--seconds S | --messages N] [--msg-size A[-B]]\n"
	"                      [--kill-every MS] [--threads] [--io-uring] [--json FILE]\n"
	"P producers and C consumers (default 2 and 2, at most 64 each) hammer the\n"
	"mechanism for S seconds (default 2) or until N messages are sent, and every\n"
	"frame is verified: lost, duplicated, corrupted, truncated, reordered.\n"
	"  --msg-size A[-B]  whole frames in bytes, 32-byte header included (default 64)\n"
	"  --kill-every MS   SIGKILL a random participant about every MS ms, restart it\n"
	"  --threads         participants are threads of one process (for TSan; no kills)\n"
	"  --io-uring        the same traffic through io_uring, one ring per participant\n"
	"                    (skipped, with why, where the kernel does not allow it)\n"
	"  --json FILE       write the report as JSON\n"
	"A leak audit runs at the end.  Exit: 0 clean, 1 a violation, leak or failure,\n"
	"2 bad use.\n";

/* Whole numbers in [lo, hi]; 0 when word is not one. */
static int number(const char *word, unsigned long long lo, unsigned long long hi,
		  unsigned long long *v)
{
	char *end;

	if (!word || !*word || *word == '-')
		return 0;
	errno = 0;
	*v = strtoull(word, &end, 10);
	return !errno && !*end && *v >= lo && *v <= hi;
}

static int sizes(const char *word, struct stress_opts *o)
{
	char a[32], *dash;
	unsigned long long lo, hi;

	if (!word || strlen(word) >= sizeof a)
		return 0;
	snprintf(a, sizeof a, "%s", word);
	if ((dash = strchr(a, '-')))
		*dash = 0;
	if (!number(a, FRAME_HDR, 1u << 20, &lo) || !number(dash ? dash + 1 : a, lo, 1u << 20, &hi))
		return 0;
	o->size_min = (uint32_t)lo;
	o->size_max = (uint32_t)hi;
	return 1;
}

struct args {
	struct stress_opts o;
	const char *target, *json;
};

static int parse(int argc, char **argv, struct args *a)
{
	unsigned long long v;
	int timed = 0;

	a->o = (struct stress_opts){.producers = 2, .consumers = 2, .size_min = 64, .size_max = 64};
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(w, "--producers") || !strcmp(w, "--consumers")) {
			if (!number(next, 1, STRESS_MAX_PARTICIPANTS, &v))
				return cli_bad_use(usage, "stress: %s takes a number from 1 to 64",
						   w);
			*(w[2] == 'p' ? &a->o.producers : &a->o.consumers) = (unsigned)v;
			i++;
		} else if (!strcmp(w, "--seconds")) {
			char *end;
			double s = next ? strtod(next, &end) : 0;
			if (!next || *end || !(s > 0 && s <= 1e6))
				return cli_bad_use(usage, "stress: %s takes seconds, e.g. 2 or 0.5",
						   w);
			a->o.seconds = s;
			timed |= 1;
			i++;
		} else if (!strcmp(w, "--messages")) {
			if (!number(next, 1, 1ull << 40, &v))
				return cli_bad_use(usage, "stress: %s takes a positive count", w);
			a->o.messages = v;
			timed |= 2;
			i++;
		} else if (!strcmp(w, "--msg-size")) {
			if (!sizes(next, &a->o))
				return cli_bad_use(
					usage, "stress: %s takes A or A-B bytes, 32 <= A <= B", w);
			i++;
		} else if (!strcmp(w, "--kill-every")) {
			if (!number(next, 1, 3600000, &v))
				return cli_bad_use(usage, "stress: %s takes milliseconds", w);
			a->o.kill_every_ms = (unsigned)v;
			i++;
		} else if (!strcmp(w, "--threads")) {
			a->o.threads = 1;
		} else if (!strcmp(w, "--io-uring")) {
			a->o.io_uring = 1;
		} else if (!strcmp(w, "--json")) {
			if (!next)
				return cli_bad_use(usage, "stress: %s takes a file name", w);
			a->json = next;
			i++;
		} else if (w[0] == '-') {
			return cli_bad_use(usage, "stress: unknown option '%s'", w);
		} else if (a->target) {
			return cli_bad_use(usage, "stress: one mechanism (or all), not also '%s'",
					   w);
		} else {
			a->target = w;
		}
	}
	if (!a->target)
		return cli_bad_use(usage, "stress: %s", "no mechanism given (an id, or all)");
	if (timed == 3)
		return cli_bad_use(usage, "stress: %s",
				   "--seconds and --messages exclude each other");
	if (!timed)
		a->o.seconds = 2;
	if (a->o.threads && a->o.kill_every_ms)
		return cli_bad_use(usage, "stress: %s",
				   "--kill-every needs processes: a thread cannot be killed alone");
	return 0;
}

static void on_stop(int sig)
{
	(void)sig;
	stress_interrupted = 1;
}

/* The end-of-command /proc scan, as the fuzzers do at the end of a run. */
static int final_audit(void)
{
	char why[2048] = "";

	if (!audit_full(why, sizeof why))
		return 0;
	fprintf(stdout, "%s", why);
	return 1;
}

int cmd_stress(int argc, char **argv)
{
	struct args a = {0};
	char buf[160];
	int rc;

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	if ((rc = parse(argc, argv, &a)))
		return rc;
	int all = !strcmp(a.target, "all");
	const struct mechanism *one = all ? NULL : mechanism_find(a.target);
	if (!all && !one)
		return cli_bad_use(usage, "stress: unknown mechanism '%s' (see ipcfuzz list)",
				   a.target);
	if (one && stress_check(one, &a.o, buf, sizeof buf))
		return cli_bad_use(usage, "stress: %s", buf);
	if (a.json) {
		FILE *f = fopen(a.json, "w"); /* fail now, not after the run */
		if (!f)
			return cli_bad_use(usage, "stress: cannot write --json '%s'", a.json);
		fclose(f);
	}
	a.o.progress = isatty(1);
	fault_init();
	if (sandbox_enter() != SANDBOX_NAMESPACES)
		fprintf(stderr, "ipcfuzz stress: sandbox: %s\n", sandbox_describe());
	/* Our own handlers first: the baseline's handlers are what the audit
	 * holds the run to. */
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	audit_full_baseline();

	size_t n = all ? mechanism_count : 1;
	struct stress_result *res = calloc(n, sizeof *res);
	if (!res)
		return 1;
	int failed = 0;
	size_t ran = 0;
	for (; ran < n && !stress_interrupted; ran++) {
		const struct mechanism *m = all ? mechanisms[ran] : one;
		failed |= stress_run(m, &a.o, &res[ran]) != 0;
		metrics_summary(stdout, &res[ran]);
		fflush(stdout);
	}
	failed |= final_audit() | (int)stress_interrupted;
	if (a.json && metrics_json(a.json, &a.o, res, ran)) {
		fprintf(stderr, "ipcfuzz stress: writing %s: %s\n", a.json, strerror(errno));
		failed = 1;
	}
	free(res);
	return failed ? 1 : 0;
}
