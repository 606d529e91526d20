/* Byte streams: frames re-assembled from whatever the reads return.  A
 * stream has no edges, so a frame's header is what finds them: where one
 * does not parse, the reader counts the damage once and slides to the next
 * well-formed header.  A frame whose checksum fails was cut short when the
 * next header starts inside it, else corrupted. */
#define _GNU_SOURCE
#include "ctx.h"
#include "frame.h"
#include "verify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_CHUNK (64u * 1024u) /* one read takes up to this much */
#define NONE	     ((size_t)-1)

struct reader {
	struct part *me;
	uint8_t *buf;
	size_t cap, start, end; /* unparsed bytes: buf[start, end) */
	uint32_t max;
	/* A restarted consumer starts wherever the dead one stopped reading,
	 * maybe inside a frame: skipping to the first edge is not damage. */
	int fresh;
	int lost_edge;	 /* sliding to the next header */
	int edge_damage; /* the slide is damage, unless the next header excuses it */
};

/* The first offset in [from, limit) where a complete well-formed header
 * starts, or NONE. */
static size_t find_header(const struct reader *rd, size_t from, size_t limit)
{
	struct frame_hdr h;

	if (rd->end < FRAME_HDR)
		return NONE;
	if (limit > rd->end - FRAME_HDR + 1)
		limit = rd->end - FRAME_HDR + 1;
	for (size_t i = from; i < limit; i++)
		if (frame_header_ok(rd->buf + i, rd->max, &h))
			return i;
	return NONE;
}

/* Takes every complete frame; `final` when no more bytes will come. */
static void parse(struct reader *rd, int final)
{
	struct stress_ctx *x = rd->me->x;
	unsigned c = rd->me->index;
	struct frame_hdr h;

	while (rd->end - rd->start >= FRAME_HDR) {
		const uint8_t *p = rd->buf + rd->start;
		if (!frame_header_ok(p, rd->max, &h)) {
			if (!rd->fresh && !rd->lost_edge)
				rd->edge_damage = 1;
			rd->lost_edge = 1;
			size_t y = find_header(rd, rd->start + 1, rd->end);
			rd->start = y != NONE ? y : rd->end - (FRAME_HDR - 1);
			continue;
		}
		if (rd->edge_damage)
			verify_lost_edge(x, c, &h);
		rd->edge_damage = 0;
		if (rd->end - rd->start < h.len)
			break;
		rd->fresh = rd->lost_edge = 0;
		if (frame_payload_ok(p, &h)) {
			verify_frame(x, c, rd->me->tag, p, h.len, VF_TIMED);
			rd->start += h.len;
			continue;
		}
		/* Cut short or corrupted?  A next header inside the frame says
		 * cut short; looking for one needs the bytes it would span. */
		if (!final && rd->end - rd->start < h.len + FRAME_HDR)
			break;
		size_t y = find_header(rd, rd->start + 1, rd->start + h.len);
		if (y != NONE)
			verify_cut_short(x, c, &h);
		else
			verify_damage(x, c, &h, DAMAGE_CORRUPT);
		rd->start = y != NONE ? y : rd->start + h.len;
	}
}

/* The stream has ended: what is left over is a frame cut short. */
static void finish(struct reader *rd)
{
	struct frame_hdr h;

	parse(rd, 1);
	if (rd->edge_damage)
		verify_damage(rd->me->x, rd->me->index, NULL, DAMAGE_CORRUPT);
	size_t left = rd->end - rd->start;
	if (!left)
		return;
	if (left >= FRAME_HDR && frame_header_ok(rd->buf + rd->start, rd->max, &h))
		verify_cut_short(rd->me->x, rd->me->index, &h);
	else if (!rd->fresh && !rd->lost_edge)
		verify_damage(rd->me->x, rd->me->index, NULL, DAMAGE_TRUNCATE);
}

int consume_stream(struct part *me)
{
	struct stress_ctx *x = me->x;
	struct cons_slot *cs = &x->area.cons[me->index];
	struct reader rd = {.me = me, .max = x->opt->size_max, .fresh = cs->tag != cs->first_tag};
	struct op op = {.kind = OP_RECV};
	int rc = 0;

	rd.cap = STREAM_CHUNK + 2 * (size_t)rd.max;
	if (!(rd.buf = malloc(rd.cap)))
		return part_fail(me, "malloc", ENOMEM);
	for (;;) {
		enum phase ph = area_phase(&x->area);
		if (ph == PHASE_ABORT)
			break;
		op.flags = (ph >= PHASE_DRAIN ? OPF_NOWAIT : 0) | stress_backend(x);
		if (rd.start == rd.end) {
			rd.start = rd.end = 0;
		} else if (rd.cap - rd.end < rd.max + FRAME_HDR) {
			memmove(rd.buf, rd.buf + rd.start, rd.end - rd.start);
			rd.end -= rd.start;
			rd.start = 0;
		}
		int64_t mtype = 0;
		ssize_t n = x->mech->recv(&me->h, &op, rd.buf + rd.end, rd.cap - rd.end, &mtype);
		if (n == -EINTR)
			continue;
		if (n == -EAGAIN || n == 0) {
			if (ph >= PHASE_DRAIN) {
				finish(&rd);
				break;
			}
			if (n == 0) {
				rc = part_fail(me, "end of stream while producers still run", 0);
				break;
			}
			continue;
		}
		if (n < 0) {
			rc = part_fail(me, "recv", n);
			break;
		}
		rd.end += (size_t)n;
		parse(&rd, 0);
	}
	free(rd.buf);
	return rc;
}
