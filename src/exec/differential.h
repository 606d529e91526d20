/* The differential oracle: one program, run once with every send and
 * receive through system calls and once through io_uring.  Each run is
 * judged by the model as usual; on top, the two traces must be the same.
 * A difference is a `diff` finding that shows both traces. */
#ifndef IPCFUZZ_DIFFERENTIAL_H
#define IPCFUZZ_DIFFERENTIAL_H

#include "executor.h"

/* 0 when both runs matched the model and each other, else 1 with r
 * filled in (a `diff` report, or the model's finding both runs share). */
int differential_run(struct executor *e, const struct prog *p, struct report *r);

#endif
