/* Reproducer C (src/prog/to_c.h) for mechanisms whose actors are processes
 * of their own (mechanism.to_c_actors): actors_to_c.c. */
#ifndef IPCFUZZ_TARGETS_ACTORS_TO_C_H
#define IPCFUZZ_TARGETS_ACTORS_TO_C_H

#include "../mechanism.h"

/* The driver of the actor processes.  The mechanism's helpers, written
 * after it, define do_op(m, c, rf, out, mtype) (one op in the actor's own
 * process: the op's payload is in pay) and peer_setup() (a new peer's
 * first steps). */
void actors_to_c_helpers(FILE *f);
/* The hook's C of one op (or OP_KILL: an actor ends), by to_c_phase(). */
void actors_to_c_op(FILE *f, const struct op *op);

#endif
