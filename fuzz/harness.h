/* One harness per target: the same entry point for libFuzzer, AFL++ (its
 * libFuzzer driver) and the standalone replay driver. */
#ifndef IPCFUZZ_HARNESS_H
#define IPCFUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "../src/exec/report.h"

#include "../src/prog/prog.h"

#define HARNESS_EXIT_SKIPPED 77

/* The use backend of every program from now on (before harness_init: it
 * wins over IPCFUZZ_BACKEND). */
void harness_set_backend(enum backend_mode m);
/* Sets up the executor for `target` once; exits HARNESS_EXIT_SKIPPED with
 * "skipped: why" when the kernel lacks the mechanism, 2 for an unknown
 * target. */
void harness_init(const char *target);
/* Decodes and runs one input; 1 with r filled in on a finding; 0 with
 * r->skipped set when the input needs io_uring and cannot have it. */
int harness_run(const uint8_t *data, size_t size, struct report *r);
/* End of a run: the full audit. */
int harness_finish(struct report *r);
const char *harness_target(void);

#endif
