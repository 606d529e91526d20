#include "robust_lock.h"

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int robust_lock_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	int r;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	r = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return -r;
}

void sync_deadline_us(struct timespec *t, unsigned long us)
{
	clock_gettime(CLOCK_REALTIME, t);
	t->tv_sec += (time_t)(us / 1000000);
	t->tv_nsec += (long)(us % 1000000) * 1000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

void sync_deadline(struct timespec *t, unsigned ms)
{
	sync_deadline_us(t, ms * 1000ul);
}

int robust_lock(pthread_mutex_t *m, unsigned timeout_ms)
{
	struct timespec t;

	sync_deadline(&t, timeout_ms);
	int r = pthread_mutex_timedlock(m, &t);
	if (r == EOWNERDEAD) {
		pthread_mutex_consistent(m);
		return -EOWNERDEAD;
	}
	return -r;
}

void robust_unlock(pthread_mutex_t *m)
{
	pthread_mutex_unlock(m);
}

int robust_lock_poll(pthread_mutex_t *m, unsigned timeout_ms)
{
	struct timespec start, now, nap = {0, 50000};

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (unsigned i = 0;; i++) {
		int r = pthread_mutex_trylock(m);
		if (r == EOWNERDEAD) {
			pthread_mutex_consistent(m);
			return -EOWNERDEAD;
		}
		if (r != EBUSY)
			return -r;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >=
		    (long)timeout_ms)
			return -ETIMEDOUT;
		if (i < 100)
			sched_yield();
		else
			nanosleep(&nap, NULL);
	}
}

int sync_futex_refused(void *word)
{
	return syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0) < 0 && errno == EFAULT;
}
