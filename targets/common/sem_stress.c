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
 * A consumer is the mirror (FILLED, MC, TAIL), in two steps: one semop
 * moves TAIL on and leaves an undo that frees the slot, then the frame is
 * copied straight into the driver's inbox (which it reads after a kill),
 * then a semop frees the slot and MC.  Only a consumer killed halfway
 * through that copy takes a frame along (excused as a kill inside recv).
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

#define SLOTS	  32u
#define MAX_FRAME 4096u
#define WAIT_MS	  50u
#define LOCK_MS	  2000u /* a live holder keeps the lock microseconds */
#define FAULT_SEQ 10u	/* where sem-stress-no-post strikes (producer 0) */

enum { S_FREE, S_FILLED, S_MP, S_MC, S_HEAD, S_TAIL };
_Static_assert(S_TAIL + 1 == SEM_STRESS_NSEMS, "the set's size");

struct region {
	/* POSIX only: the lock, FREE, the doorbells, and the ring's counts
	 * (free-running; SysV keeps its counts in HEAD and TAIL). */
	pthread_mutex_t lock;
	sem_t free, room, data;
	_Atomic uint32_t head, tail;
	struct {
		/* The frame's length, stored last (release) by its producer
		 * and again, unchanged, by its consumer when it has read the
		 * bytes: the semaphores order the slot's users, these stores
		 * say so to ThreadSanitizer, which does not know semop. */
		_Atomic uint32_t len;
		uint8_t bytes[MAX_FRAME];
	} slot[SLOTS];
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
	(void)atomic_load_explicit(&r->slot[i % SLOTS].len, memory_order_acquire);
	memcpy(r->slot[i % SLOTS].bytes, frame, n);
	atomic_store_explicit(&r->slot[i % SLOTS].len, (uint32_t)n, memory_order_release);
}

/* The frame in slot i into buf (cap bytes, at most MAX_FRAME): its length. */
static size_t slot_get(struct region *r, uint32_t i, uint8_t *buf, size_t cap)
{
	uint32_t len = atomic_load_explicit(&r->slot[i % SLOTS].len, memory_order_acquire);
	uint32_t n = (uint32_t)(cap < MAX_FRAME ? cap : MAX_FRAME);
	n = len < n ? len : n; /* longer: the verifier finds it damaged */
	memcpy(buf, r->slot[i % SLOTS].bytes, n);
	atomic_store_explicit(&r->slot[i % SLOTS].len, len, memory_order_release);
	return n;
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

/* The index op that moves HEAD or TAIL on from i (mod SLOTS). */
static short step(int i)
{
	return (short)(i + 1 < (int)SLOTS ? 1 : -(int)(SLOTS - 1));
}

static long sysv_send(struct chan *c, const uint8_t *frame, size_t n)
{
	if (n > MAX_FRAME)
		return -EMSGSIZE;
	int h = sysv_take(c, S_FREE, S_MP, S_HEAD, 0);
	if (h < 0)
		return h;
	slot_put(sysv_region, (uint32_t)h, frame, n);
	/* Published, in one semop that never waits: FILLED + 1, HEAD on,
	 * FREE's undo dropped (the slot is the frame's now), MP back. */
	struct sembuf ops[5] = {
		{S_FILLED, 1, 0},     {S_FREE, 1, SEM_UNDO}, {S_FREE, -1, 0},
		{S_HEAD, step(h), 0}, {S_MP, 1, SEM_UNDO},
	};
	int skip = skip_post(frame, n); /* the fault: without the post */
	return semop(c->id, ops + skip, 5 - (unsigned)skip) ? -errno : (long)n;
}

static long sysv_recv(struct chan *c, uint8_t *buf, size_t cap, int nowait)
{
	int t = sysv_take(c, S_FILLED, S_MC, S_TAIL, nowait);
	if (t < 0)
		return t;
	/* Taken, in one semop that never waits: TAIL on, FILLED's undo
	 * dropped, and an undo that frees the slot if this consumer dies
	 * before it does (FREE + 1, then - 1 with SEM_UNDO). */
	struct sembuf taken[5] = {
		{S_TAIL, step(t), 0}, {S_FILLED, 1, SEM_UNDO}, {S_FILLED, -1, 0},
		{S_FREE, 1, 0},	      {S_FREE, -1, SEM_UNDO},
	};
	if (semop(c->id, taken, 5))
		return -errno;
	/* Straight into buf (the driver's inbox, which it reads after a
	 * kill), while FREE still guards the slot; then the slot and MC go
	 * back, the undo with them. */
	size_t n = slot_get(sysv_region, (uint32_t)t, buf, cap);
	struct sembuf done[2] = {{S_FREE, 1, SEM_UNDO}, {S_MC, 1, SEM_UNDO}};
	return semop(c->id, done, 2) ? -errno : (long)n;
}

const struct stress_profile sysv_sem_stress = {
	.kind = STRESS_MESSAGES,
	.max_frame = MAX_FRAME,
	.create_len = SEM_STRESS_NSEMS,
	.prepare = sysv_prepare,
	.frame_send = sysv_send,
	.frame_recv = sysv_recv,
	.frame_whole = 1,
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

	int e = posix_take(r, c->map, c->map, &r->data, nowait);
	if (e)
		return e;
	/* Taken (a kill from here on, the repair frees the slot), then
	 * straight into buf, the driver's inbox, while the lock holds. */
	uint32_t t = atomic_load(&r->tail);
	atomic_store(&r->tail, t + 1);
	size_t n = slot_get(r, t, buf, cap);
	sem_post(&r->free);
	robust_unlock(&r->lock);
	bell_ring(&r->room);
	return (long)n;
}

const struct stress_profile posix_sem_stress = {
	.kind = STRESS_MESSAGES,
	.max_frame = MAX_FRAME,
	.prepare = posix_prepare,
	.frame_send = posix_send,
	.frame_recv = posix_recv,
	.frame_whole = 1,
};
