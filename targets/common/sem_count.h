/* sync: how sysv-sem and posix-sem read an op's fields, shared by the two
 * targets and their model (src/model/counting_sem.c), so they agree.
 *
 * send = V (SysV: semop +len; POSIX: len sem_posts), recv = P (SysV:
 * semop -len; POSIX: len waits), SysV's len 0 is semop 0 (wait for zero),
 * POSIX's len 0 is one post or wait.  SysV's arg is the semaphore number;
 * POSIX's recv arg > 0 is sem_timedwait with that many microseconds (at
 * most SEM_TIMED_MAX_US: the kernel's timed wait, not a fuzzer's pause).
 * A blocked peer waits at most SEM_PEER_BOUND_S. */
#ifndef IPCFUZZ_SEM_COUNT_H
#define IPCFUZZ_SEM_COUNT_H

#include <limits.h>
#include <stdint.h>

#define SEM_PEER_BOUND_S 30
#define SEM_TIMED_MAX_US 200u
#define SEM_POSIX_MAX	 INT_MAX /* SEM_VALUE_MAX */

/* POSIX: how many posts or waits an op makes. */
static inline unsigned sem_posix_count(unsigned len)
{
	return len ? len : 1u;
}

/* POSIX: create's initial value; sizes past 32000 reach SEM_VALUE_MAX
 * (32767 is SEM_VALUE_MAX itself), so a post can overflow. */
static inline unsigned sem_posix_initial(unsigned len)
{
	return len <= 32000u ? len : (unsigned)SEM_POSIX_MAX - (32767u - len);
}

/* POSIX recv: the timed wait's bound in us, 0 = not a timed wait. */
static inline unsigned sem_timed_us(int16_t arg)
{
	return arg <= 0 ? 0u : (unsigned)arg < SEM_TIMED_MAX_US ? (unsigned)arg : SEM_TIMED_MAX_US;
}

/* SysV setopt setval: semaphore value >> 12 takes value & 0xfff. */
static inline unsigned sem_setval_num(unsigned value)
{
	return value >> 12;
}
static inline unsigned sem_setval_val(unsigned value)
{
	return value & 0xfffu;
}

#endif
