/* The harness core every engine shares: bytes -> program -> executor ->
 * model -> audit, for the one target this process was set up for. */
#include "harness.h"

#include "../src/exec/executor.h"
#include "../src/sandbox/sandbox.h"
#include "../src/prog/input.h"
#include "../targets/mechanism.h"

#include <stdio.h>
#include <stdlib.h>

static struct executor *exec;
static const struct mechanism *mech;

void harness_init(const char *target)
{
	if (exec)
		return;
	mech = mechanism_find(target);
	if (!mech) {
		fprintf(stderr, "ipcfuzz: unknown target '%s'\n", target);
		exit(2);
	}
	const char *why = mech->probe ? mech->probe() : NULL;
	if (why) {
		/* 77: the automake/ctest "skipped" code, so no test passes for a
		 * mechanism this kernel lacks. */
		printf("skipped: %s: %s\n", target, why);
		exit(HARNESS_EXIT_SKIPPED);
	}
	exec = executor_new(mech, NULL);
	fprintf(stderr, "ipcfuzz: %s, sandbox: %s\n", target, sandbox_describe());
}

const char *harness_target(void)
{
	return mech ? mech->id : "?";
}

int harness_run(const uint8_t *data, size_t size, struct report *r)
{
	struct prog p;

	input_to_prog(data, size, &p);
	return executor_run(exec, &p, r);
}

int harness_finish(struct report *r)
{
	return executor_final_audit(exec, r);
}
