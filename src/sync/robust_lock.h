/* A robust, process-shared mutex that lives inside a shared mapping.  When
 * its holder dies the next locker gets EOWNERDEAD, marks it consistent and
 * learns that the data it guards may be half-written. */
#ifndef IPCFUZZ_ROBUST_LOCK_H
#define IPCFUZZ_ROBUST_LOCK_H

#include <pthread.h>

int robust_lock_init(pthread_mutex_t *m);
/* 0, -EOWNERDEAD (acquired, previous holder died), or -ETIMEDOUT. */
int robust_lock(pthread_mutex_t *m, unsigned timeout_ms);
void robust_unlock(pthread_mutex_t *m);

#endif
