/* A robust, process-shared mutex that lives inside a shared mapping.  When
 * its holder dies the next locker gets EOWNERDEAD, marks it consistent and
 * learns that the data it guards may be half-written. */
#ifndef IPCFUZZ_ROBUST_LOCK_H
#define IPCFUZZ_ROBUST_LOCK_H

#include <pthread.h>
#include <time.h>

/* t = CLOCK_REALTIME now + ms: the absolute deadline pthread_mutex_timedlock
 * and sem_timedwait take. */
void sync_deadline(struct timespec *t, unsigned ms);
/* The same, us microseconds from now. */
void sync_deadline_us(struct timespec *t, unsigned long us);

int robust_lock_init(pthread_mutex_t *m);
/* 0, -EOWNERDEAD (acquired, previous holder died), or -ETIMEDOUT. */
int robust_lock(pthread_mutex_t *m, unsigned timeout_ms);
void robust_unlock(pthread_mutex_t *m);
/* robust_lock without a futex wait: trylock, then polls (yield, then short
 * sleeps) until the timeout.  For mappings where the kernel refuses shared
 * futexes (a VM_PFNMAP mapping: dma-bufs; FUTEX_WAIT gets EFAULT there and
 * glibc aborts inside pthread_mutex_timedlock).  Waiters never set the
 * futex's waiters bit, so the unlock makes no futex call either. */
int robust_lock_poll(pthread_mutex_t *m, unsigned timeout_ms);
/* 1 when the kernel refuses a shared futex on this word of a mapping (a
 * VM_PFNMAP one: FUTEX_WAKE says EFAULT): lock it with robust_lock_poll. */
int sync_futex_refused(void *word);

#endif
