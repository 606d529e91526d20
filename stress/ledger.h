/* The receipt ledger: one byte per (producer, sequence number) saying who
 * received that frame.  It lives in shared memory, and one compare-and-swap
 * on its byte is the moment a frame counts as received: a consumer killed
 * before the swap has not received the frame, one killed after has.  So
 * duplicates are caught across consumers, and what a killed participant
 * leaves behind can be accounted for exactly.  Pages whose frames have all
 * arrived are handed back to the kernel, so long runs stay small. */
#ifndef IPCFUZZ_STRESS_LEDGER_H
#define IPCFUZZ_STRESS_LEDGER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define TAG_NONE    0	/* not received */
#define TAG_LAST    253 /* consumer tags are 1..TAG_LAST, one per incarnation */
#define TAG_BAD	    254 /* arrived damaged (counted as corrupted or truncated) */
#define TAG_DOUBT   255 /* its producer was killed while sending it */
#define LEDGER_PAGE 4096u

struct ledger {
	_Atomic uint8_t *e;	/* [nprod][per_prod] */
	_Atomic uint16_t *page; /* [nprod][pages]: 0 live, else first | last << 8 */
	uint64_t per_prod;	/* a multiple of LEDGER_PAGE */
	uint64_t pages;		/* per producer */
	uint64_t *scan;		/* supervisor only: first page not yet released, */
	uint16_t *hole;		/* and per page the first entry not yet arrived */
	/* Per consumer tag (one cache line each): 1 + the page a commit under
	 * that tag is on, 0 when none.  A released page is not handed back
	 * while a commit is on it (see ledger_commit); such pages wait in
	 * `deferred` (supervisor only) for the next release. */
	_Atomic uint64_t *busy;
	uint64_t *deferred;
	unsigned ndeferred;
	unsigned nprod;
	size_t e_len, page_len;
};

enum ledger_commit {
	LC_NEW,	  /* first arrival */
	LC_DOUBT, /* first arrival of a frame whose producer died sending it */
	LC_SAME,  /* already received under this very tag */
	LC_DUP,	  /* already received under another tag */
	LC_GONE,  /* already received, and its page released since (every frame
		   * on it had arrived): under which tag is not known any more */
	LC_RANGE, /* no such producer or sequence number */
};

/* Room for per_prod frames of each producer (rounded up to a page). */
int ledger_open(struct ledger *l, unsigned nprod, uint64_t per_prod);
void ledger_close(struct ledger *l);

enum ledger_commit ledger_commit(struct ledger *l, unsigned p, uint64_t seq, uint8_t tag);
/* Marks a frame that arrived damaged; 0 when (p, seq) does not exist. */
int ledger_mark_bad(struct ledger *l, unsigned p, uint64_t seq);
/* Marks the frame a killed producer was sending; 1 when it had not
 * arrived yet (so it is now in doubt). */
int ledger_doubt(struct ledger *l, unsigned p, uint64_t seq);
/* 1 when the frame was received under tag (or its page was released). */
int ledger_received_by(const struct ledger *l, unsigned p, uint64_t seq, uint8_t tag);

/* Supervisor: releases the pages below `below` whose frames all arrived. */
void ledger_release(struct ledger *l, unsigned p, uint64_t below);
/* Supervisor: a consumer with this tag died, maybe inside a commit. */
void ledger_forget_tag(struct ledger *l, uint8_t tag);

/* Tally: the entry of (p, seq), or the page's state when released. */
static inline uint8_t ledger_entry(const struct ledger *l, unsigned p, uint64_t seq)
{
	return atomic_load_explicit(&l->e[p * l->per_prod + seq], memory_order_relaxed);
}
static inline uint16_t ledger_page_state(const struct ledger *l, unsigned p, uint64_t page)
{
	return atomic_load(&l->page[p * l->pages + page]);
}

#endif
