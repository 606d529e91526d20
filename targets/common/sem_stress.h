/* The stress profiles of sysv-sem and posix-sem (targets/sysv_sem.c,
 * targets/posix_sem.c): a bounded buffer whose counting is the semaphores';
 * see sem_stress.c. */
#ifndef IPCFUZZ_TARGETS_SEM_STRESS_H
#define IPCFUZZ_TARGETS_SEM_STRESS_H

#include "../../stress/stress.h"

/* The SysV semaphore set the sysv-sem profile asks create for. */
#define SEM_STRESS_NSEMS 6

extern const struct stress_profile sysv_sem_stress;
extern const struct stress_profile posix_sem_stress;

#endif
