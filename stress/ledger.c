#define _GNU_SOURCE
#include "ledger.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define BUSY_SLOTS  256u /* one per tag */
#define BUSY_STRIDE 8u	 /* 64 bytes apart: consumers do not share a line */
#define DEFER_MAX   256u

/* Shared so that forked participants write the same bytes; NORESERVE and
 * untouched pages cost nothing, so the ledger can be sized generously. */
static void *shared_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

int ledger_open(struct ledger *l, unsigned nprod, uint64_t per_prod)
{
	memset(l, 0, sizeof *l);
	l->nprod = nprod;
	l->per_prod = (per_prod + LEDGER_PAGE - 1) / LEDGER_PAGE * LEDGER_PAGE;
	l->pages = l->per_prod / LEDGER_PAGE;
	l->e_len = (size_t)(nprod * l->per_prod);
	l->page_len = (size_t)(nprod * l->pages) * sizeof(uint16_t);
	l->e = shared_map(l->e_len);
	l->page = shared_map(l->page_len);
	l->busy = shared_map(BUSY_SLOTS * BUSY_STRIDE * sizeof *l->busy);
	l->deferred = calloc(DEFER_MAX, sizeof *l->deferred);
	l->scan = calloc(nprod, sizeof *l->scan);
	l->hole = calloc((size_t)(nprod * l->pages), sizeof *l->hole);
	if (!l->e || !l->page || !l->scan || !l->hole || !l->busy || !l->deferred) {
		ledger_close(l);
		return -ENOMEM;
	}
	return 0;
}

void ledger_close(struct ledger *l)
{
	if (l->e)
		munmap((void *)l->e, l->e_len);
	if (l->page)
		munmap((void *)l->page, l->page_len);
	if (l->busy)
		munmap((void *)l->busy, BUSY_SLOTS * BUSY_STRIDE * sizeof *l->busy);
	free(l->deferred);
	free(l->scan);
	free(l->hole);
	memset(l, 0, sizeof *l);
}

static int released(const struct ledger *l, unsigned p, uint64_t seq)
{
	return ledger_page_state(l, p, seq / LEDGER_PAGE) != 0;
}

enum ledger_commit ledger_commit(struct ledger *l, unsigned p, uint64_t seq, uint8_t tag)
{
	if (p >= l->nprod || seq >= l->per_prod)
		return LC_RANGE;
	/* A released page is zeroed (handed back), and a swap onto a zeroed
	 * entry would succeed although the frame had arrived.  So a commit
	 * says which page it is on before it looks whether the page is
	 * released, and a release looks for such commits after it marked the
	 * page (both sequentially consistent): either the commit sees the mark
	 * (a duplicate: everything on a released page had arrived), or the
	 * release sees the commit and leaves the page's bytes alone for now,
	 * and then the swap tells new from duplicate by itself.  (Looking
	 * after the swap instead calls the frame that completed the page a
	 * duplicate whenever the release comes in between.) */
	_Atomic uint64_t *busy = &l->busy[tag * BUSY_STRIDE];
	atomic_store(busy, p * l->pages + seq / LEDGER_PAGE + 1);
	enum ledger_commit r;
	_Atomic uint8_t *e = &l->e[p * l->per_prod + seq];
	uint8_t old = TAG_NONE;
	if (released(l, p, seq))
		r = LC_GONE;
	else if (atomic_compare_exchange_strong(e, &old, tag))
		r = LC_NEW;
	else if (old == TAG_DOUBT && atomic_compare_exchange_strong(e, &old, tag))
		r = LC_DOUBT;
	else
		r = old == tag ? LC_SAME : LC_DUP;
	atomic_store(busy, 0);
	return r;
}

int ledger_mark_bad(struct ledger *l, unsigned p, uint64_t seq)
{
	if (p >= l->nprod || seq >= l->per_prod || released(l, p, seq))
		return 0;
	_Atomic uint8_t *e = &l->e[p * l->per_prod + seq];
	uint8_t old = TAG_NONE;
	if (!atomic_compare_exchange_strong(e, &old, TAG_BAD) && old == TAG_DOUBT)
		atomic_compare_exchange_strong(e, &old, TAG_BAD);
	return 1;
}

int ledger_doubt(struct ledger *l, unsigned p, uint64_t seq)
{
	uint8_t old = TAG_NONE;

	if (p >= l->nprod || seq >= l->per_prod)
		return 0;
	return atomic_compare_exchange_strong(&l->e[p * l->per_prod + seq], &old, TAG_DOUBT);
}

int ledger_received_by(const struct ledger *l, unsigned p, uint64_t seq, uint8_t tag)
{
	if (p >= l->nprod || seq >= l->per_prod)
		return 0;
	return released(l, p, seq) || ledger_entry(l, p, seq) == tag;
}

/* Entries only ever go from missing to arrived, so a page is checked from
 * its first hole on: a hole that stays (a frame in doubt that never came)
 * costs one load per release, not a page scan. */
static int page_complete(_Atomic uint8_t *e, uint16_t *hole)
{
	/* Consumers may still swap entries of this page. */
	for (; *hole < LEDGER_PAGE; ++*hole) {
		uint8_t v = atomic_load_explicit(&e[*hole], memory_order_relaxed);
		if ((uint8_t)(v - 1) >= TAG_LAST)
			return 0; /* missing, damaged or in doubt */
	}
	return 1;
}

static int page_busy(const struct ledger *l, uint64_t id)
{
	for (unsigned t = 0; t < BUSY_SLOTS; t++)
		if (atomic_load(&l->busy[t * BUSY_STRIDE]) == id + 1)
			return 1;
	return 0;
}

/* Hands a released page's bytes back, or leaves it for a later release
 * while a commit is on it (a full list: the page just stays). */
static void hand_back(struct ledger *l, uint64_t id)
{
	if (page_busy(l, id)) {
		if (l->ndeferred < DEFER_MAX)
			l->deferred[l->ndeferred++] = id;
		return;
	}
	madvise((void *)&l->e[(id / l->pages) * l->per_prod + (id % l->pages) * LEDGER_PAGE],
		LEDGER_PAGE, MADV_REMOVE);
}

void ledger_forget_tag(struct ledger *l, uint8_t tag)
{
	atomic_store(&l->busy[tag * BUSY_STRIDE], 0);
}

void ledger_release(struct ledger *l, unsigned p, uint64_t below)
{
	uint64_t end = below / LEDGER_PAGE;
	unsigned n = l->ndeferred;

	l->ndeferred = 0;
	for (unsigned k = 0; k < n; k++)
		hand_back(l, l->deferred[k]);

	for (uint64_t pg = l->scan[p]; pg < end; pg++) {
		uint64_t i = p * l->pages + pg;
		_Atomic uint8_t *e = &l->e[p * l->per_prod + pg * LEDGER_PAGE];
		if (atomic_load(&l->page[i]) || !page_complete(e, &l->hole[i]))
			continue;
		/* The tally still needs the page's edge tags (see verify.c). */
		atomic_store(&l->page[i], (uint16_t)(e[0] | e[LEDGER_PAGE - 1] << 8));
		hand_back(l, i);
	}
	while (l->scan[p] < end && ledger_page_state(l, p, l->scan[p]))
		l->scan[p]++;
}
