/* A ring of fixed-size slots laid over a shared mapping: how frames travel
 * through shared memory, which moves no data by itself.  A robust
 * process-shared lock guards it, so a participant killed while holding the
 * lock hands it on instead of wedging the ring; the frames' checksums catch
 * any slot read half-written. */
#ifndef IPCFUZZ_STRESS_RING_H
#define IPCFUZZ_STRESS_RING_H

#include <stddef.h>
#include <stdint.h>

struct ring;

/* What the ring asks its user. */
struct ring_hooks {
	/* A consumer took a frame: called under the lock, so accounting it
	 * (the ledger's swap) and releasing the slot are one step. */
	void (*take)(void *ctx, const uint8_t *frame, size_t n);
	/* Repair after a consumer with this tag died holding the lock: did
	 * it account for the frame at the tail before it could release it? */
	int (*settled)(void *ctx, uint8_t tag, const uint8_t *frame, size_t n);
	void *ctx;
};

/* Lays a ring with slots for frames of up to max_frame bytes over
 * region[0, len); -ENOSPC when fewer than 4 slots fit. */
int ring_init(void *region, size_t len, uint32_t max_frame);
/* The ring a creator laid over region, or NULL. */
struct ring *ring_attach(void *region, size_t len);

/* Both wait up to wait_ms for room / for a frame, and take one lock for
 * as many frames as they can.  ring_push puts the k frames packed in
 * `frames` (lens[i] bytes each) and returns how many went in (>= 1);
 * ring_pop hands each frame it takes to h->take and returns 0.  Errors:
 * -EAGAIN (still full / empty), -EINTR, -ETIMEDOUT when the lock stays
 * held, -EMSGSIZE (push: a frame larger than a slot). */
int ring_push(struct ring *r, const uint8_t *frames, const uint32_t *lens, unsigned k,
	      const struct ring_hooks *h, unsigned wait_ms);
int ring_pop(struct ring *r, uint8_t tag, const struct ring_hooks *h, unsigned wait_ms);
/* How often a locker found the lock's holder dead (and repaired). */
unsigned ring_owner_deaths(struct ring *r);

#endif
