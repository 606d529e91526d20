/* The stress profiles of sysv-sem and posix-sem.  A semaphore carries no
 * data, so frames travel through a bounded buffer whose counting IS the
 * semaphores': SLOTS slots in a shared anonymous mapping, a "free" and a
 * "filled" semaphore (the classic producer and consumer), slots taken in
 * ring order.  The driver sees a message queue (STRESS_MESSAGES with
 * frame_send / frame_recv), so its frames, ledger and verifier judge it as
 * they judge every other; a semaphore that counts wrong shows as lost,
 * duplicated, damaged or reordered frames.
 *
 * SysV: one set of six, FREE FILLED MP MC HEAD TAIL.  A producer takes
 * FREE and MP (its side's mutex) in one semtimedop with SEM_UNDO, reads
 * HEAD, writes slot HEAD, then one semop publishes: FILLED + 1, HEAD + 1
 * (mod SLOTS), MP back, and FREE's undo dropped ({FREE, +1, SEM_UNDO}
 * then {FREE, -1}: the value stays, the adjustment is gone).  Killed before
 * that semop, the kernel's undo gives FREE and MP back and nothing was
 * published (the frame stays in doubt); after it, nothing is left to undo.
 * A consumer is the mirror (FILLED, MC, TAIL).  The slot bytes move before
 * the publishing semop, the frame to the driver after it: a consumer
 * killed between took one frame along, which the driver excuses as a kill
 * inside recv.
 *
 * POSIX semaphores have no undo, and a token taken by a process killed on
 * its way out of sem_wait cannot be told from one it never got.  So FREE
 * (unnamed, in the mapping) and FILLED (the named semaphore the descriptor
 * created) change only under a robust process-shared mutex, by sem_trywait
 * and sem_post; the next locker after a dead holder (EOWNERDEAD) sets both
 * from HEAD and TAIL again.  Who finds nothing to take sleeps in
 * sem_timedwait on a doorbell (two unnamed semaphores, "room" and "data")
 * that the other side posts when it has none: a doorbell token lost to a
 * kill costs one timeout, never a frame.
 *
 * Every wait is bounded (WAIT_MS; the driver's tick interrupts it sooner).
 * The mapping is made by prepare, before the participants fork, once per
 * process and reused by every run (runs of one process never overlap). */
#define _GNU_SOURCE
#include "sem_stress.h"

#include "../../src/sync/robust_lock.h"
#include "../../src/util/fault.h"
#include "../../stress/frame.h"
#include "../mechanism.h"

#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <time.h>

#define SLOTS	   32u
#define MAX_FRAME  4096u
#define SLOT_BYTES (4u + MAX_FRAME)
#define WAIT_MS	   50u
#define LOCK_MS	   2000u /* a live holder keeps the lock microseconds */
#define FAULT_SEQ  10u	 /* where sem-stress-no-post strikes (producer 0) */

enum { S_FREE, S_FILLED, S_MP, S_MC, S_HEAD, S_TAIL };
_Static_assert(S_TAIL + 1 == SEM_STRESS_NSEMS, "the set's size");

struct region {
	/* POSIX only: the lock, FREE, the doorbells, and the ring's counts
	 * (free-running; SysV keeps its counts in HEAD and TAIL). */
	pthread_mutex_t lock;
	sem_t free, room, data;
	_Atomic uint32_t head, tail;
	uint8_t slot[SLOTS][SLOT_BYTES];
};

/* The mapping of one profile, made on its first prepare. */
static struct region *region_of(struct region **r)
{
	if (!*r) {
		void *p = mmap(NULL, sizeof **r, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			       -1, 0);
		if (p != MAP_FAILED)
			*r = p;
	}
	return *r;
}

static void slot_put(struct region *r, uint32_t i, const uint8_t *frame, size_t n)
{
	uint32_t len = (uint32_t)n;
	memcpy(r->slot[i % SLOTS], &len, 4);
	memcpy(r->slot[i % SLOTS] + 4, frame, n);
}

/* The frame in slot i into buf (MAX_FRAME bytes): its length. */
static size_t slot_get(const struct region *r, uint32_t i, uint8_t *buf)
{
	uint32_t len;
	memcpy(&len, r->slot[i % SLOTS], 4);
	if (len > MAX_FRAME)
		len = MAX_FRAME; /* the verifier finds it damaged */
	memcpy(buf, r->slot[i % SLOTS] + 4, len);
	return len;
}

/* sem-stress-no-post: producer 0's frame FAULT_SEQ is published without
 * its post of FILLED, so the last frame of the run is never taken. */
static int skip_post(const uint8_t *frame, size_t n)
{
	struct frame_hdr h;

	if (!fault_on(FAULT_SEM_STRESS_NO_POST) || n < FRAME_HDR)
		return 0;
	memcpy(&h, frame, sizeof h);
	return h.producer == 0 && h.seq == FAULT_SEQ;
}

/* --- SysV ---------------------------------------------------------------- */

static struct region *sysv_region;

static int sysv_prepare(struct chan *c, const struct obj_ref *ref)
{
	unsigned short v[SEM_STRESS_NSEMS] = {[S_FREE] = SLOTS, [S_MP] = 1, [S_MC] = 1};
	union {
		int val;
		struct semid_ds *buf;
		unsigned short *array;
	} arg = {.array = v};

	(void)ref;
	if (!region_of(&sysv_region))
		return -ENOMEM;
	return semctl(c->id, 0, SETALL, arg) ? -errno : 0;
}

/* Takes `want` (FREE or FILLED) and the side's mutex, atomically, waiting
 * up to WAIT_MS (nowait: not for `want`); then the side's index. */
static int sysv_take(struct chan *c, int want, int mutex, int index, int nowait)
{
	struct sembuf take[2] = {{(unsigned short)want, -1, SEM_UNDO | (nowait ? IPC_NOWAIT : 0)},
				 {(unsigned short)mutex, -1, SEM_UNDO}};
	struct timespec t = {0, WAIT_MS * 1000000L};

	if (semtimedop(c->id, take, 2, &t))
		return -errno; /* EAGAIN: none (or timed out); EINTR: the tick */
	int i = semctl(c->id, index, GETVAL);
	if (i >= 0)
		return i;
	int e = -errno;
	struct sembuf back[2] = {{(unsigned short)want, 1, SEM_UNDO},
				 {(unsigned short)mutex, 1, SEM_UNDO}};
	semop(c->id, back, 2);
	return e;
}

/* One semop that gives `give` a token, moves the side's index on from i,
 * drops the undo of the `took` token taken (it is not ours to give back
 * any more) and releases the mutex.  It never waits.  skip: without the
 * post of `give` (the fault). */
static int sysv_publish(struct chan *c, int give, int took, int mutex, int index, int i, int skip)
{
	struct sembuf ops[5] = {
		{(unsigned short)give, 1, 0},
		{(unsigned short)took, 1, SEM_UNDO},
		{(unsigned short)took, -1, 0},
		{(unsigned short)index, (short)(i + 1 < (int)SLOTS ? 1 : -(int)(SLOTS - 1)), 0},
		{(unsigned short)mutex, 1, SEM_UNDO},
	};
	return semop(c->id, ops + skip, 5 - (unsigned)skip) ? -errno : 0;
}

static long sysv_send(struct chan *c, const uint8_t *frame, size_t n)
{
	if (n > MAX_FRAME)
		return -EMSGSIZE;
	int h = sysv_take(c, S_FREE, S_MP, S_HEAD, 0);
	if (h < 0)
		return h;
	slot_put(sysv_region, (uint32_t)h, frame, n);
	int e = sysv_publish(c, S_FILLED, S_FREE, S_MP, S_HEAD, h, skip_post(frame, n));
	return e ? e : (long)n;
}

static long sysv_recv(struct chan *c, uint8_t *buf, size_t cap, int nowait)
{
	uint8_t tmp[MAX_FRAME];

	int t = sysv_take(c, S_FILLED, S_MC, S_TAIL, nowait);
	if (t < 0)
		return t;
	size_t n = slot_get(sysv_region, (uint32_t)t, tmp);
	int e = sysv_publish(c, S_FREE, S_FILLED, S_MC, S_TAIL, t, 0);
	if (e)
		return e;
	n = n < cap ? n : cap;
	memcpy(buf, tmp, n);
	return (long)n;
}

const struct stress_profile sysv_sem_stress = {
	.kind = STRESS_MESSAGES,
	.max_frame = MAX_FRAME,
	.create_len = SEM_STRESS_NSEMS,
	.prepare = sysv_prepare,
	.frame_send = sysv_send,
	.frame_recv = sysv_recv,
};

/* --- POSIX --------------------------------------------------------------- */

static struct region *posix_region;

static int posix_prepare(struct chan *c, const struct obj_ref *ref)
{
	struct region *r = region_of(&posix_region);

	(void)c; /* FILLED, the named one, starts at create's 0 */
	(void)ref;
	if (!r)
		return -ENOMEM;
	memset(r, 0, offsetof(struct region, slot));
	int e = robust_lock_init(&r->lock);
	if (!e &&
	    (sem_init(&r->free, 1, SLOTS) || sem_init(&r->room, 1, 0) || sem_init(&r->data, 1, 0)))
		e = -errno;
	return e;
}

static void set_value(sem_t *s, int want)
{
	int v;

	if (sem_getvalue(s, &v))
		return;
	for (; v < want; v++)
		sem_post(s);
	for (; v > want && !sem_trywait(s); v--)
		;
}

/* The lock; after a holder that died, FREE and FILLED are set again from
 * the counts (they change only under the lock, so nothing moves them). */
static int posix_lock(struct region *r, sem_t *filled)
{
	int e = robust_lock(&r->lock, LOCK_MS);
	if (e == -EOWNERDEAD) {
		uint32_t used = atomic_load(&r->head) - atomic_load(&r->tail);
		set_value(&r->free, (int)(SLOTS - used));
		set_value(filled, (int)used);
		e = 0;
	}
	return e;
}

/* The doorbell: posted when it has no token (a sleeper needs one, and
 * more would only wake sleepers for nothing). */
static void bell_ring(sem_t *bell)
{
	int v;

	if (!sem_getvalue(bell, &v) && v <= 0)
		sem_post(bell);
}

/* Under the lock, a token of `want`; 0, or -EAGAIN once it waited (or may
 * not wait), or an error. */
static int posix_take(struct region *r, sem_t *filled, sem_t *want, sem_t *bell, int nowait)
{
	for (int waited = 0;; waited = 1) {
		int e = posix_lock(r, filled);
		if (e)
			return e;
		if (!sem_trywait(want))
			return 0;
		e = errno;
		robust_unlock(&r->lock);
		if (e != EAGAIN)
			return -e;
		if (nowait || waited)
			return -EAGAIN;
		struct timespec t;
		sync_deadline(&t, WAIT_MS);
		if (sem_timedwait(bell, &t) && errno == EINTR)
			return -EINTR;
	}
}

static long posix_send(struct chan *c, const uint8_t *frame, size_t n)
{
	struct region *r = posix_region;

	if (n > MAX_FRAME)
		return -EMSGSIZE;
	int e = posix_take(r, c->map, &r->free, &r->room, 0);
	if (e)
		return e;
	uint32_t h = atomic_load(&r->head);
	slot_put(r, h, frame, n);
	atomic_store(&r->head, h + 1); /* published: a kill from here on is repaired */
	if (!skip_post(frame, n))
		sem_post(c->map);
	robust_unlock(&r->lock);
	bell_ring(&r->data);
	return (long)n;
}

static long posix_recv(struct chan *c, uint8_t *buf, size_t cap, int nowait)
{
	struct region *r = posix_region;
	uint8_t tmp[MAX_FRAME];

	int e = posix_take(r, c->map, c->map, &r->data, nowait);
	if (e)
		return e;
	uint32_t t = atomic_load(&r->tail);
	size_t n = slot_get(r, t, tmp);
	atomic_store(&r->tail, t + 1);
	sem_post(&r->free);
	robust_unlock(&r->lock);
	bell_ring(&r->room);
	n = n < cap ? n : cap;
	memcpy(buf, tmp, n);
	return (long)n;
}

const struct stress_profile posix_sem_stress = {
	.kind = STRESS_MESSAGES,
	.max_frame = MAX_FRAME,
	.prepare = posix_prepare,
	.frame_send = posix_send,
	.frame_recv = posix_recv,
};
