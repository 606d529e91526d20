/* Reproducer C (src/prog/to_c.h) for mechanisms whose actors are processes
 * of their own (mechanism.to_c_actors): actors_to_c.c. */
#ifndef IPCFUZZ_TARGETS_ACTORS_TO_C_H
#define IPCFUZZ_TARGETS_ACTORS_TO_C_H

#include "../mechanism.h"

/* The hook's body: for op NULL the driver of the actor processes, then
 * own_helpers, which define do_op(m, c, rf, out, mtype) (one op in the
 * actor's own process: its payload is in pay) and peer_setup() (a new
 * peer's first steps); else the C of the op (or OP_KILL: an actor ends),
 * by to_c_phase(). */
void actors_to_c(FILE *f, const struct op *op, void (*own_helpers)(FILE *f));

#endif
