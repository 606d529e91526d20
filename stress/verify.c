/* Per-frame checks and the final tally.
 *
 * A frame is corrupted when its header or payload checksum fails (or its
 * header names no real producer), truncated when fewer bytes arrived than
 * its header says, duplicated when the ledger already holds it, reordered
 * when a consumer gets a producer's frame after a later one of the same
 * producer (every kind here is FIFO per channel, so what one consumer takes
 * from one producer must rise), and lost when it was sent and never
 * arrived.
 *
 * Kills (--kill-every) are accounted for as the mechanism allows:
 *  - a producer killed while sending frame s: s may or may not have been
 *    sent; it is "in doubt", neither lost nor owed, and the restarted
 *    producer goes on at s + 1.  Frames it never got to are not lost: only
 *    sequence numbers it used count.
 *  - streams: a consumer keeps what it read in private memory until it
 *    has parsed it, and a byte stream cannot say what a dead reader took.
 *    Each producer writes to one channel and channels are FIFO, so the
 *    frames a killed consumer took are exactly the gaps in a producer's
 *    sequence that a consumer restart spans: the received frames on each
 *    side carry different incarnation tags.  Those are "lost to kill"; a
 *    gap with the same tag on both sides is lost.
 *  - message queues: consumers receive straight into their inbox in the
 *    shared area, so the supervisor accounts for a frame a killed consumer
 *    received but had not counted.  A kill inside recv itself may take one
 *    message along with it (the kernel dequeued it, the target had not
 *    copied it out yet): each such death excuses one missing frame.
 *  - rings: the ledger swap happens under the ring's lock before the slot
 *    is released, and the next locker repairs after a dead holder, so a
 *    kill costs nothing and every missing frame is lost. */
#include "verify.h"

static void damage(struct stress_ctx *x, unsigned c, const struct frame_hdr *h, enum damage d)
{
	struct cons_slot *cs = &x->area.cons[c];

	ctr_add(d == DAMAGE_TRUNCATE ? &cs->truncated : &cs->corrupted, 1);
	if (h)
		ledger_mark_bad(&x->ledger, h->producer, h->seq);
}

void verify_damage(struct stress_ctx *x, unsigned c, const struct frame_hdr *h, enum damage d)
{
	damage(x, c, h, d);
}

static int in_doubt(struct stress_ctx *x, unsigned p, uint64_t seq)
{
	return p < x->area.nprod && seq < x->ledger.per_prod &&
	       ledger_entry(&x->ledger, p, seq) == TAG_DOUBT;
}

void verify_cut_short(struct stress_ctx *x, unsigned c, const struct frame_hdr *h)
{
	if (!in_doubt(x, h->producer, h->seq))
		damage(x, c, h, DAMAGE_TRUNCATE);
}

void verify_lost_edge(struct stress_ctx *x, unsigned c, const struct frame_hdr *h)
{
	if (!h->seq || !in_doubt(x, h->producer, h->seq - 1))
		damage(x, c, NULL, DAMAGE_CORRUPT);
}

int verify_frame(struct stress_ctx *x, unsigned c, uint8_t tag, const uint8_t *buf, size_t n,
		 unsigned flags)
{
	struct cons_slot *cs = &x->area.cons[c];
	struct frame_hdr h;

	if (n < FRAME_HDR) {
		damage(x, c, NULL, DAMAGE_TRUNCATE);
		return 0;
	}
	if (!frame_header_ok(buf, x->opt->size_max, &h)) {
		damage(x, c, NULL, DAMAGE_CORRUPT);
		return 0;
	}
	if (h.len > n) {
		damage(x, c, &h, DAMAGE_TRUNCATE);
		return 0;
	}
	if (h.len < n || !frame_payload_ok(buf, &h)) {
		damage(x, c, &h, DAMAGE_CORRUPT);
		return 0;
	}
	switch (ledger_commit(&x->ledger, h.producer, h.seq, tag)) {
	case LC_RANGE:
		damage(x, c, NULL, DAMAGE_CORRUPT);
		return 0;
	case LC_GONE:
		/* Recovered: the frame arrived to the dead consumer, and all of
		 * its page has arrived since, so the consumer had counted it
		 * (its commit and the release came between its verify and the
		 * next recv clearing the inbox: stress:io-uring's udp once
		 * counted "duplicated 1" under load).  Only a second delivery
		 * of it to someone else would be missed here. */
	case LC_SAME:
		if (flags & VF_RECOVERY)
			return 0; /* the dead consumer had counted it */
				  /* fall through */
	case LC_DUP:
		ctr_add(&cs->duplicated, 1);
		return 0;
	case LC_DOUBT:
		ctr_add(&cs->doubt_received, 1);
		/* fall through */
	case LC_NEW:
		break;
	}
	ctr_add(&cs->received, 1);
	ctr_add(&cs->bytes, h.len);
	uint64_t *last = area_last(&x->area, c) + h.producer;
	if (h.seq < *last)
		ctr_add(&cs->reordered, 1);
	else
		*last = h.seq + 1;
	if (flags & VF_TIMED)
		hist_add(&cs->lat, frame_now_ns() - h.t_ns);
	return 1;
}

/* Zero entries between two received frames of one stream producer: lost to
 * a kill when a consumer restart lies between them (see above). */
struct gap {
	uint8_t prev; /* tag of the last frame received before the gap */
	uint64_t zeros;
};

static void gap_close(struct gap *g, uint8_t next, struct stress_result *r)
{
	if (next != g->prev)
		r->lost_to_kill += g->zeros;
	else
		r->lost += g->zeros;
	g->zeros = 0;
	g->prev = next;
}

/* Walks producer p's sequence numbers; returns the frames missing with no
 * stream rule to judge them (the caller applies the queue rule). */
static uint64_t tally_producer(struct stress_ctx *x, unsigned p, uint64_t next,
			       struct stress_result *r)
{
	const struct ledger *l = &x->ledger;
	int stream = x->prof->kind == STRESS_STREAM || x->prof->consumer_creates;
	const struct cons_slot *owner = &x->area.cons[role_channel(x, ROLE_PRODUCER, p)];
	struct gap g = {.prev = owner->first_tag};
	uint64_t missing = 0;

	for (uint64_t s = 0; s < next;) {
		uint16_t page = ledger_page_state(l, p, s / LEDGER_PAGE);
		if (page && s % LEDGER_PAGE == 0) {
			/* Released: every frame arrived; its edge tags remain. */
			if (stream && g.zeros)
				gap_close(&g, (uint8_t)page, r);
			g.prev = (uint8_t)(page >> 8);
			r->received += LEDGER_PAGE;
			s += LEDGER_PAGE;
			continue;
		}
		uint8_t e = ledger_entry(l, p, s++);
		if (e == TAG_NONE) {
			if (stream)
				g.zeros++;
			else
				missing++;
		} else if (e == TAG_DOUBT) {
			r->in_doubt++; /* counted back below */
		} else if (e != TAG_BAD) {
			r->received++;
			if (stream && g.zeros)
				gap_close(&g, e, r);
			g.prev = e;
		}
	}
	if (stream && g.zeros)
		gap_close(&g, owner->tag, r);
	return missing;
}

void verify_tally(struct stress_ctx *x, struct stress_result *r)
{
	struct area *a = &x->area;
	struct hist lat = {0};
	uint64_t missing = 0, deaths = 0, doubts = 0;

	r->nprod = a->nprod;
	r->ncons = a->ncons;
	r->received = r->in_doubt = 0;
	for (unsigned p = 0; p < a->nprod; p++) {
		uint64_t next = prod_next(atomic_load(&a->prod[p].state));
		r->ledger_full |= !x->opt->messages && next >= a->prod[p].quota;
		r->sent += next;
		r->prod[p].count = next;
		r->prod[p].kills = a->prod[p].kills;
		r->kills += a->prod[p].kills;
		doubts += a->prod[p].doubts;
		missing += tally_producer(x, p, next, r);
	}
	for (unsigned c = 0; c < a->ncons; c++) {
		struct cons_slot *cs = &a->cons[c];
		r->cons[c].count = ctr(&cs->received);
		r->cons[c].kills = cs->kills;
		r->kills += cs->kills;
		r->bytes += ctr(&cs->bytes);
		r->duplicated += ctr(&cs->duplicated);
		r->corrupted += ctr(&cs->corrupted);
		r->truncated += ctr(&cs->truncated);
		r->reordered += ctr(&cs->reordered);
		deaths += cs->recv_deaths;
		r->recovered += cs->recovered;
		hist_merge(&lat, &cs->lat);
	}
	/* Entries still in doubt never arrived; the rest of the doubts did. */
	uint64_t doubt_missing = r->in_doubt;
	r->in_doubt = doubts;
	r->doubt_received = doubts > doubt_missing ? doubts - doubt_missing : 0;
	uint64_t excused = missing < deaths ? missing : deaths;
	r->lost_to_kill += excused;
	r->lost += missing - excused;
	r->may_drop = x->prof->may_drop;
	if (r->may_drop) {
		r->dropped = r->lost;
		r->lost = 0;
	}
	if (area_phase(a) == PHASE_ABORT) {
		/* Cut short: what had not arrived yet was not lost (the run
		 * fails for its own reason). */
		r->unsettled = r->lost + r->lost_to_kill;
		r->lost = r->lost_to_kill = 0;
	}
	r->lat_p50 = hist_quantile(&lat, 0.50);
	r->lat_p99 = hist_quantile(&lat, 0.99);
	r->lat_max = lat.max;
	r->lat_measured = lat.n > 0 || !x->prof->frame_recv;
}
