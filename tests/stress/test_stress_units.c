/* Unit tests of the stress driver's pieces: frames (each defect detected),
 * the CRC against the reference table, the ledger's verdicts and page
 * release, latency quantiles, and the ring (including repair after a dead
 * lock holder). */
#define _GNU_SOURCE
#include "../../src/util/payload.h"
#include "../../stress/frame.h"
#include "../../stress/ledger.h"
#include "../../stress/metrics.h"
#include "../../stress/ring.h"
#include "../../stress/verify.h"
#include "../unit/check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_crc(void)
{
	uint8_t buf[1000];

	payload_fill(buf, sizeof buf, 7, 9);
	for (size_t n = 0; n < sizeof buf; n += 37)
		CHECK(frame_crc(buf, n) == crc32c(0, buf, n), "crc of %zu bytes", n);
	CHECK(frame_crc("123456789", 9) == 0xe3069283u, "CRC-32C check value");
}

static void test_frame(void)
{
	uint8_t *pat = frame_pattern_new(3, 512), f[512], g[512];
	struct frame_hdr h;

	frame_build(f, 200, 3, 42, 1234, pat);
	CHECK(frame_header_ok(f, 512, &h), "good header");
	CHECK(h.producer == 3 && h.seq == 42 && h.len == 200 && h.t_ns == 1234, "fields");
	CHECK(frame_payload_ok(f, &h), "good payload");
	CHECK(!frame_header_ok(f, 199, &h), "longer than allowed");
	memcpy(g, f, sizeof g);
	g[100] ^= 1;
	CHECK(frame_header_ok(g, 512, &h) && !frame_payload_ok(g, &h), "payload bit flip");
	memcpy(g, f, sizeof g);
	g[9] ^= 1; /* the length */
	CHECK(!frame_header_ok(g, 512, &h), "header bit flip");
	frame_build(g, 200, 3, 43, 1234, pat);
	CHECK(memcmp(f + FRAME_HDR, g + FRAME_HDR, 200 - FRAME_HDR), "payloads differ by seq");
	for (uint64_t s = 0; s < 1000; s++) {
		uint32_t n = frame_size(1, s, 40, 90);
		CHECK(n >= 40 && n <= 90, "size %u in range", n);
	}
	free(pat);
}

static void test_ledger(void)
{
	struct ledger l;

	CHECK(!ledger_open(&l, 2, 3 * LEDGER_PAGE), "open");
	CHECK(ledger_commit(&l, 0, 5, 1) == LC_NEW, "new");
	CHECK(ledger_commit(&l, 0, 5, 1) == LC_SAME, "same tag again");
	CHECK(ledger_commit(&l, 0, 5, 2) == LC_DUP, "other tag");
	CHECK(ledger_commit(&l, 2, 5, 1) == LC_RANGE, "no such producer");
	CHECK(ledger_commit(&l, 1, 3 * LEDGER_PAGE, 1) == LC_RANGE, "no such seq");
	CHECK(ledger_doubt(&l, 0, 6) == 1, "in doubt");
	CHECK(ledger_commit(&l, 0, 6, 1) == LC_DOUBT, "doubt arrives");
	CHECK(ledger_doubt(&l, 0, 5) == 0, "already arrived: no doubt");
	CHECK(ledger_mark_bad(&l, 0, 7) && ledger_entry(&l, 0, 7) == TAG_BAD, "damaged");
	/* Page 1 of producer 1 complete: released, and a late copy is a dup. */
	for (uint64_t s = LEDGER_PAGE; s < 2 * LEDGER_PAGE; s++)
		ledger_commit(&l, 1, s, s == LEDGER_PAGE ? 7 : 9);
	ledger_commit(&l, 1, 0, 3); /* page 0 has holes: stays */
	ledger_release(&l, 1, 3 * LEDGER_PAGE);
	CHECK(ledger_page_state(&l, 1, 0) == 0, "holed page kept");
	CHECK(ledger_page_state(&l, 1, 1) == (7 | 9 << 8), "released with its edge tags");
	CHECK(ledger_commit(&l, 1, LEDGER_PAGE + 5, 4) == LC_GONE, "late copy of a released frame");
	CHECK(ledger_commit(&l, 1, LEDGER_PAGE + 5, 9) == LC_GONE,
	      "released: the tag it arrived under is not known");
	CHECK(ledger_received_by(&l, 1, LEDGER_PAGE + 5, 1), "released counts as received");
	/* Page 2 of producer 1 completes while a commit (tag 9) is on it: it
	 * is released, but its bytes stay until the commit is over, so a swap
	 * onto it still tells new from duplicate. */
	for (uint64_t s = 2 * LEDGER_PAGE; s < 3 * LEDGER_PAGE; s++)
		ledger_commit(&l, 1, s, 9);
	atomic_store(&l.busy[9 * 8], 1 * l.pages + 2 + 1);
	ledger_release(&l, 1, 3 * LEDGER_PAGE);
	CHECK(ledger_page_state(&l, 1, 2) != 0, "released");
	CHECK(ledger_entry(&l, 1, 2 * LEDGER_PAGE + 1) == 9, "not handed back under a commit");
	ledger_forget_tag(&l, 9);
	ledger_release(&l, 1, 3 * LEDGER_PAGE);
	CHECK(ledger_entry(&l, 1, 2 * LEDGER_PAGE + 1) == 0, "handed back once the commit is over");
	ledger_close(&l);
}

/* The supervisor recovering a killed consumer's inbox: a frame the consumer
 * had counted is not counted again, nor called a duplicate, even once its
 * ledger page was released (LC_GONE: stress:io-uring's udp once counted
 * "duplicated 1" under kills); a frame delivered twice still is one. */
static void test_verify_recovery(void)
{
	struct stress_opts opt = {.size_max = 256};
	struct stress_ctx x = {.opt = &opt};
	uint8_t f[256];

	if (area_open(&x.area, 1, 1, 4096) || ledger_open(&x.ledger, 1, 2 * LEDGER_PAGE)) {
		CHECK(0, "area and ledger open");
		return;
	}
	uint8_t *pat = frame_pattern_new(0, 256);
	_Atomic uint64_t *dup = &x.area.cons[0].duplicated, *received = &x.area.cons[0].received;
	frame_build(f, 64, 0, 5, 0, pat);
	CHECK(verify_frame(&x, 0, 1, f, 64, 0) == 1 && *received == 1, "first delivery counts");
	CHECK(verify_frame(&x, 0, 1, f, 64, VF_RECOVERY) == 0 && *dup == 0 && *received == 1,
	      "inbox frame the dead consumer had counted");
	for (uint64_t s = 0; s < LEDGER_PAGE; s++)
		if (s != 5)
			ledger_commit(&x.ledger, 0, s, 1);
	ledger_release(&x.ledger, 0, 2 * LEDGER_PAGE);
	CHECK(ledger_page_state(&x.ledger, 0, 0) != 0, "its page released");
	CHECK(verify_frame(&x, 0, 1, f, 64, VF_RECOVERY) == 0 && *dup == 0 && *received == 1,
	      "recovered after its page was released: counted once, no duplicate");
	CHECK(verify_frame(&x, 0, 2, f, 64, 0) == 0 && *dup == 1,
	      "delivered again to a live consumer: a duplicate");
	ledger_close(&x.ledger);
	area_close(&x.area);
	free(pat);
}

static void test_hist(void)
{
	struct hist h = {0};

	for (uint64_t v = 1; v <= 1000; v++)
		hist_add(&h, v * 1000);
	uint64_t p50 = hist_quantile(&h, 0.5), p99 = hist_quantile(&h, 0.99);
	CHECK(p50 >= 440000 && p50 <= 500000, "p50 %llu", (unsigned long long)p50);
	CHECK(p99 >= 870000 && p99 <= 990000, "p99 %llu", (unsigned long long)p99);
	CHECK(h.max == 1000000 && h.n == 1000, "max and count");
}

struct ring_log {
	int taken;
	uint8_t last[64];
	size_t n;
	int settled;
};

static void take(void *ctx, const uint8_t *frame, size_t n)
{
	struct ring_log *g = ctx;
	g->taken++;
	g->n = n;
	memcpy(g->last, frame, n < sizeof g->last ? n : sizeof g->last);
}

static void die(void *ctx, const uint8_t *frame, size_t n)
{
	(void)ctx;
	(void)frame;
	(void)n;
	_exit(0);
}

static int settled(void *ctx, uint8_t tag, const uint8_t *frame, size_t n)
{
	struct ring_log *g = ctx;
	(void)frame;
	(void)n;
	return tag == 5 ? g->settled : 0;
}

/* A child takes the tail frame as tag 5 and dies inside the take. */
static void die_in_pop(struct ring *r)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct ring_hooks h = {die, NULL, NULL};
		ring_pop(r, 5, &h, 0);
		_exit(1);
	}
	waitpid(pid, NULL, 0);
}

static void test_ring(void)
{
	size_t len = 4096;
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct ring_log g = {0};
	struct ring_hooks h = {take, settled, &g};
	struct ring *r = NULL;
	uint8_t msg[40] = "hello";
	uint32_t one[1] = {sizeof msg};

	CHECK(ring_init(m, len, 2000) == -ENOSPC, "too few slots refused");
	CHECK(!ring_init(m, len, 100) && (r = ring_attach(m, len)), "init and attach");
	if (!r)
		return; /* nothing more to test (and no NULL ring to crash on) */
	CHECK(ring_pop(r, 1, &h, 0) == -EAGAIN, "empty");
	/* A batch: three frames of different sizes, one lock. */
	uint8_t three[3 + 5 + 7] = "abcHELLOseventh";
	uint32_t lens[3] = {3, 5, 7};
	CHECK(ring_push(r, three, lens, 3, &h, 0) == 3, "a batch of three goes in at once");
	CHECK(ring_pop(r, 1, &h, 0) == 0 && g.taken == 3 && g.n == 7 &&
		      !memcmp(g.last, "seventh", 7),
	      "one pop takes the batch, in order");
	g.taken = 0;
	int pushed = 0;
	while (ring_push(r, msg, one, 1, &h, 0) == 1)
		pushed++;
	CHECK(pushed >= 4, "%d slots", pushed);
	CHECK(ring_pop(r, 1, &h, 0) == 0 && g.taken >= 1 && g.n == sizeof msg &&
		      !memcmp(g.last, "hello", 5),
	      "frames back");
	/* Whatever that pop left, topped up again. */
	int held = pushed - g.taken;
	while (ring_push(r, msg, one, 1, &h, 0) == 1)
		held++;
		/* A consumer (tag 5) dies inside pop, holding the lock, after it
		 * accounted for the frame: the next locker must drop that slot; when
		 * it had not accounted for it, the frame must be delivered again. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
	/* TSan does not take EOWNERDEAD from a timed lock as acquired and
	 * would report the unlock; the threaded mode never kills a holder. */
	munmap(m, len);
	return;
#endif
#endif
	for (int accounted = 1; accounted >= 0; accounted--) {
		die_in_pop(r);
		g.settled = accounted;
		int before = g.taken;
		while (ring_pop(r, 1, &h, 0) == 0)
			;
		int left = g.taken - before;
		CHECK(left == held - accounted, "%d left of %d (accounted %d)", left, held,
		      accounted);
		for (held = 0; ring_push(r, msg, one, 1, &h, 0) == 1;)
			held++;
	}
	CHECK(ring_owner_deaths(r) == 2, "both owner deaths seen");
	munmap(m, len);
}

int main(void)
{
	test_crc();
	test_frame();
	test_ledger();
	test_verify_recovery();
	test_hist();
	test_ring();
	return check_done("test_stress_units");
}
