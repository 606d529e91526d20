/* The stress profile of `signal` (targets/signal.c); see sigframe.c. */
#ifndef IPCFUZZ_TARGETS_SIGFRAME_H
#define IPCFUZZ_TARGETS_SIGFRAME_H

#include "../../stress/stress.h"

extern const struct stress_profile sigframe_stress;

#endif
