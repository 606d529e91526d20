/* The run's shared area: what producers, consumers and the supervisor tell
 * each other.  It is MAP_SHARED, so a killed participant's last words
 * survive it: how far it got, its counters, and (for message queues) the
 * inbox it was receiving into. */
#ifndef IPCFUZZ_STRESS_AREA_H
#define IPCFUZZ_STRESS_AREA_H

#include "metrics.h"

#include "../targets/mechanism.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum phase {
	PHASE_RUN,   /* producers send */
	PHASE_STOP,  /* producers stop; consumers go on */
	PHASE_DRAIN, /* no producer left: consumers take what is left, then go */
	PHASE_ABORT, /* everyone goes now */
};

struct prod_slot {
	/* prod_state(next, k): the next sequence number, and how many frames
	 * from it are being sent (0: none).  One store each way, so a kill
	 * leaves no doubt but about those k frames. */
	_Atomic uint64_t state;
	uint64_t quota;
	unsigned kills, doubts;
	char error[128];
};

#define PROD_INFLIGHT_BITS 8u
static inline uint64_t prod_state(uint64_t next, unsigned inflight)
{
	return next << PROD_INFLIGHT_BITS | inflight;
}
static inline uint64_t prod_next(uint64_t state)
{
	return state >> PROD_INFLIGHT_BITS;
}
static inline unsigned prod_inflight(uint64_t state)
{
	return (unsigned)(state & ((1u << PROD_INFLIGHT_BITS) - 1));
}

struct cons_slot {
	_Atomic uint64_t received, bytes, duplicated, corrupted, truncated, reordered;
	_Atomic uint64_t doubt_received;
	_Atomic uint32_t in_recv; /* inside the mechanism's recv */
	uint8_t tag;		  /* this incarnation's ledger tag */
	uint8_t first_tag;
	unsigned kills;
	unsigned recv_deaths; /* kills inside recv that may have taken a frame along */
	unsigned recovered;   /* frames found in the inbox after a kill */
	struct hist lat;
	char error[128];
	/* consumer_creates: the channel this incarnation made, published for
	 * the producers.  pub_gen is odd while it is written, 0 before the
	 * first and while the supervisor is killing its consumer. */
	_Atomic uint32_t pub_gen;
	uint32_t publications; /* written by this slot's consumer only */
	struct obj_ref pub;
	/* consumer_creates: frames producers queued to this incarnation, for
	 * flow control only (see roles.c). */
	_Atomic uint64_t queued;
};

struct area {
	void *map;
	size_t len;
	_Atomic uint32_t *phase;
	unsigned nprod, ncons;
	struct prod_slot *prod;
	struct cons_slot *cons;
	uint64_t *last; /* [ncons][nprod]: seq + 1 of the newest frame c took from p */
	uint8_t *inbox; /* [ncons][inbox_size] */
	size_t inbox_size;
};

int area_open(struct area *a, unsigned nprod, unsigned ncons, size_t inbox_size);
void area_close(struct area *a);

static inline uint8_t *area_inbox(const struct area *a, unsigned c)
{
	return a->inbox + c * a->inbox_size;
}
static inline uint64_t *area_last(const struct area *a, unsigned c)
{
	return a->last + c * a->nprod;
}
static inline enum phase area_phase(const struct area *a)
{
	return (enum phase)atomic_load_explicit(a->phase, memory_order_relaxed);
}
/* Counters have one writer each; the supervisor reads them live. */
static inline void ctr_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}
static inline uint64_t ctr(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

#endif
