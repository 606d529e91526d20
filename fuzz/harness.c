/* The harness core every engine shares: bytes -> program -> executor ->
 * model -> audit, for the one target this process was set up for, under
 * the use backend IPCFUZZ_BACKEND (or the replay driver's --backend) says. */
#include "harness.h"

#include "../src/exec/differential.h"
#include "../src/exec/executor.h"
#include "../src/exec/peer.h"
#include "../src/sandbox/sandbox.h"
#include "../src/prog/input.h"
#include "../src/uring/probe.h"
#include "../targets/mechanism.h"

#include <stdio.h>
#include <stdlib.h>

static struct executor *exec;
static const struct mechanism *mech;
static enum backend_mode backend = BACKEND_PROG;

void harness_set_backend(enum backend_mode m)
{
	backend = m;
}

void harness_init(const char *target)
{
	if (exec)
		return;
	mech = mechanism_find(target);
	if (!mech) {
		fprintf(stderr, "ipcfuzz: unknown target '%s'\n", target);
		exit(2);
	}
	const char *env = getenv("IPCFUZZ_BACKEND");
	if (env && *env) {
		int m = backend_parse(env);
		if (m < 0) {
			fprintf(stderr,
				"ipcfuzz: IPCFUZZ_BACKEND wants prog, syscall, uring or both, not "
				"'%s'\n",
				env);
			exit(2);
		}
		if (backend == BACKEND_PROG)
			backend = (enum backend_mode)m; /* --backend wins over the environment */
	}
	const char *why = mech->probe ? mech->probe() : NULL;
	if (why) {
		/* 77: the automake/ctest "skipped" code, so no test passes for a
		 * mechanism this kernel lacks. */
		printf("skipped: %s: %s\n", target, why);
		exit(HARNESS_EXIT_SKIPPED);
	}
	exec = executor_new(mech, NULL);
	fprintf(stderr, "ipcfuzz: %s, sandbox: %s, backend: %s, peers: %s\n", target,
		sandbox_describe(), backend_name(backend), peer_describe());
}

const char *harness_target(void)
{
	return mech ? mech->id : "?";
}

int harness_run(const uint8_t *data, size_t size, struct report *r)
{
	static struct prog in, p;

	input_to_prog(data, size, &in);
	if (backend == BACKEND_PROG)
		p = in;
	else
		prog_with_backend(&in, backend != BACKEND_SYSCALL, &p);
	/* A program that needs io_uring where it cannot be used is skipped,
	 * with the reason: not a failure, and not a pass either. */
	int wants_ring = backend == BACKEND_BOTH || prog_uses_uring(&p);
	const char *why = wants_ring && mech->uring_ops ? uring_probe(mech->uring_ops) : NULL;
	if (why) {
		report_clear(r);
		report_skip(r, why);
		return 0;
	}
	if (backend == BACKEND_BOTH && mech->uring_ops)
		return differential_run(exec, &p, r);
	return executor_run(exec, &p, r);
}

int harness_finish(struct report *r)
{
	return executor_final_audit(exec, r);
}
