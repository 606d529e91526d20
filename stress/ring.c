#define _GNU_SOURCE
#include "ring.h"

#include "../src/sync/robust_lock.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define RING_MAGIC     0x474e4952u /* "RING" */
#define LOCK_MS	       2000u	   /* a live holder keeps the lock microseconds */
#define RING_POP_BATCH 16u	   /* frames one pop takes under one lock, at most */

struct ring {
	pthread_mutex_t lock;
	uint32_t magic;
	uint32_t slot; /* bytes per slot: a length word, then the frame */
	uint32_t nslots;
	_Atomic uint32_t head, tail;		/* free-running counts */
	_Atomic uint32_t want_data, want_space; /* sleepers, so wakes are rare */
	_Atomic uint32_t holder;		/* tag of the consumer inside, 0 none */
	_Atomic uint32_t owner_deaths;
	uint32_t poll; /* the kernel refuses futexes here: poll instead */
};
#define RING_HDR ((sizeof(struct ring) + 63u) & ~(size_t)63u)

static uint8_t *slot_at(struct ring *r, uint32_t i)
{
	return (uint8_t *)r + RING_HDR + (size_t)(i % r->nslots) * r->slot;
}

int ring_init(void *region, size_t len, uint32_t max_frame)
{
	struct ring *r = region;
	uint32_t slot = (max_frame + 4u + 63u) & ~63u;

	if (len < RING_HDR || (len - RING_HDR) / slot < 4)
		return -ENOSPC;
	memset(r, 0, sizeof *r);
	robust_lock_init(&r->lock);
	r->slot = slot;
	r->nslots = (uint32_t)((len - RING_HDR) / slot);
	/* A shared futex needs pages the kernel can pin: a VM_PFNMAP mapping
	 * (a dma-buf) has none, FUTEX_WAKE says EFAULT, and glibc would abort
	 * in a contended pthread_mutex_timedlock.  There the ring polls. */
	r->poll = (uint32_t)sync_futex_refused(&r->head);
	r->magic = RING_MAGIC; /* last: joiners check it */
	return 0;
}

struct ring *ring_attach(void *region, size_t len)
{
	struct ring *r = region;
	return len >= RING_HDR && r->magic == RING_MAGIC ? r : NULL;
}

static int futex_wait(const struct ring *r, _Atomic uint32_t *word, uint32_t seen, unsigned ms)
{
	struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
	if (r->poll) { /* a short nap, then the caller looks again */
		struct timespec nap = {0, 200000};
		return nanosleep(&nap, NULL) ? -EINTR : 0;
	}
	/* Shared, not FUTEX_PRIVATE: waiters and wakers are other processes. */
	if (syscall(SYS_futex, word, FUTEX_WAIT, seen, &t, NULL, 0) && errno == EINTR)
		return -EINTR;
	return 0;
}

static void futex_wake(_Atomic uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* A consumer that died after accounting for the tail frame but before
 * releasing its slot: release it now, or the frame would arrive twice. */
static void repair(struct ring *r, const struct ring_hooks *h)
{
	uint32_t who = atomic_exchange(&r->holder, 0);
	uint32_t t = atomic_load(&r->tail);

	if (!who || t == atomic_load(&r->head))
		return;
	uint8_t *s = slot_at(r, t);
	uint32_t n;
	memcpy(&n, s, 4);
	if (n <= r->slot - 4 && h->settled(h->ctx, (uint8_t)who, s + 4, n))
		atomic_store(&r->tail, t + 1);
}

static int ring_lock(struct ring *r, const struct ring_hooks *h)
{
	int e = r->poll ? robust_lock_poll(&r->lock, LOCK_MS) : robust_lock(&r->lock, LOCK_MS);
	if (e == -EOWNERDEAD) {
		atomic_fetch_add(&r->owner_deaths, 1);
		repair(r, h);
		e = 0;
	}
	return e;
}

/* Nothing to do under the lock: leave it, and (once, when ms allows) sleep
 * until `word` moves from `seen`, counted in `want` so the other side
 * knows to wake us.  0 to try again, -EAGAIN when not waiting, or the
 * wait's error. */
static int unlock_and_wait(struct ring *r, _Atomic uint32_t *want, _Atomic uint32_t *word,
			   uint32_t seen, unsigned ms)
{
	if (!ms) {
		robust_unlock(&r->lock);
		return -EAGAIN;
	}
	atomic_fetch_add(want, 1);
	robust_unlock(&r->lock);
	int e = futex_wait(r, word, seen, ms);
	atomic_fetch_sub(want, 1);
	return e;
}

int ring_push(struct ring *r, const uint8_t *frames, const uint32_t *lens, unsigned k,
	      const struct ring_hooks *h, unsigned wait_ms)
{
	for (unsigned i = 0; i < k; i++)
		if (lens[i] > r->slot - 4)
			return -EMSGSIZE;
	for (int waited = 0;; waited = 1) {
		int e = ring_lock(r, h);
		if (e)
			return e;
		uint32_t hd = atomic_load(&r->head), tl = atomic_load(&r->tail);
		unsigned done = 0;
		/* As many as there is room for, under one lock. */
		for (; done < k && hd - tl < r->nslots; done++, hd++) {
			uint8_t *s = slot_at(r, hd);
			memcpy(s, &lens[done], 4);
			memcpy(s + 4, frames, lens[done]);
			frames += lens[done];
			/* Publishing is this one store: a producer killed before
			 * it has not sent this frame, after it has. */
			atomic_store(&r->head, hd + 1);
		}
		if (done) {
			robust_unlock(&r->lock);
			if (atomic_load(&r->want_data))
				futex_wake(&r->head);
			return (int)done;
		}
		if ((e = unlock_and_wait(r, &r->want_space, &r->tail, tl, waited ? 0 : wait_ms)))
			return e;
	}
}

int ring_pop(struct ring *r, uint8_t tag, const struct ring_hooks *h, unsigned wait_ms)
{
	for (int waited = 0;; waited = 1) {
		int e = ring_lock(r, h);
		if (e)
			return e;
		uint32_t hd = atomic_load(&r->head), tl = atomic_load(&r->tail);
		if (hd != tl) {
			/* Up to a batch under one lock; each frame is accounted
			 * and released before the next, so a death leaves at
			 * most one frame for repair() to settle. */
			for (unsigned k = 0; tl != hd && k < RING_POP_BATCH; k++, tl++) {
				atomic_store(&r->holder, tag);
				uint8_t *s = slot_at(r, tl);
				uint32_t n;
				memcpy(&n, s, 4);
				h->take(h->ctx, s + 4, n <= r->slot - 4 ? n : r->slot - 4);
				atomic_store(&r->tail, tl + 1);
				atomic_store(&r->holder, 0);
			}
			robust_unlock(&r->lock);
			if (atomic_load(&r->want_space))
				futex_wake(&r->tail);
			return 0;
		}
		if ((e = unlock_and_wait(r, &r->want_data, &r->head, hd, waited ? 0 : wait_ms)))
			return e;
	}
}

unsigned ring_owner_deaths(struct ring *r)
{
	return atomic_load(&r->owner_deaths);
}
