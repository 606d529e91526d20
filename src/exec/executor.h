/* The executor: runs one program against one mechanism, op by op in program
 * order, through its own hands (actor 0) and its peers', asks the model for
 * every result, bounds every blocking step, then destroys everything and
 * runs the leak audit. */
#ifndef IPCFUZZ_EXECUTOR_H
#define IPCFUZZ_EXECUTOR_H

#include "../../targets/mechanism.h"
#include "../prog/prog.h"
#include "report.h"

struct executor;

struct executor_opts {
	unsigned timeout_ms; /* bound on every blocking step (default 1000) */
};

/* Enters the sandbox, reads the kernel's limits, prepares the actors.
 * Peers start when a program first needs them. */
struct executor *executor_new(const struct mechanism *mech, const struct executor_opts *o);
void executor_free(struct executor *e);
/* Returns 0 when everything matched the model and nothing leaked, else 1
 * with the report filled in.  Either way everything is cleaned up. */
int executor_run(struct executor *e, const struct prog *p, struct report *r);
/* Records every result of the following runs into t (NULL: stop). */
struct trace;
const char *executor_target(const struct executor *e);
void executor_set_trace(struct executor *e, struct trace *t);
/* End of a run: the full /proc scan (mappings, descriptors). */
int executor_final_audit(struct executor *e, struct report *r);

#endif
