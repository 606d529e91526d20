/* Reproducer C (src/prog/to_c.h) of the semaphore targets (sysv-sem,
 * posix-sem): their actors are processes (common/actors_to_c.c), so a
 * SEM_UNDO adjustment goes back when its actor is killed and a blocked wait
 * is really waiting.  sem_to_c writes the hook's body; own_do_op (op NULL
 * only) the target's do_op(), which may use what sem_to_c.c defines: the
 * op's flags and options by name, SEM_BOUND_S (a peer's wait is bounded),
 * in_child() (send ... fork) and sem_deadline(). */
#ifndef IPCFUZZ_SEM_TO_C_H
#define IPCFUZZ_SEM_TO_C_H

#include "../mechanism.h"

void sem_to_c(FILE *f, const struct op *op, const char *own_do_op);

#endif
