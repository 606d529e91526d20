/* Verification: every frame a consumer takes is checked and accounted for
 * here, and the tally at the end says what was lost. */
#ifndef IPCFUZZ_STRESS_VERIFY_H
#define IPCFUZZ_STRESS_VERIFY_H

#include "ctx.h"
#include "frame.h"

enum verify_flags {
	VF_TIMED = 1u,	  /* measure latency */
	VF_RECOVERY = 2u, /* the supervisor, for a consumer that was killed */
};

/* A frame (or message) of n bytes that consumer c, incarnation tag, took:
 * corrupted, truncated, duplicated, reordered or received.  Returns 1 when
 * it counted as received just now. */
int verify_frame(struct stress_ctx *x, unsigned c, uint8_t tag, const uint8_t *buf, size_t n,
		 unsigned flags);

enum damage { DAMAGE_CORRUPT, DAMAGE_TRUNCATE };
/* Damage a stream consumer found between frames; h names the frame when
 * its header was intact (NULL otherwise). */
void verify_damage(struct stress_ctx *x, unsigned c, const struct frame_hdr *h, enum damage d);
/* A stream frame the next header cut short: truncated, unless its producer
 * was killed while writing it (a write that was not atomic, a tcp send
 * that waited for room): then it stays in doubt, as the kill left it. */
void verify_cut_short(struct stress_ctx *x, unsigned c, const struct frame_hdr *h);
/* Bytes that were no frame, up to the well-formed header h: corrupted,
 * unless the frame before h is in doubt (its producer was killed while
 * writing it, and these bytes are what it wrote). */
void verify_lost_edge(struct stress_ctx *x, unsigned c, const struct frame_hdr *h);

/* After the run: lost frames per the rules in verify.c, totals, latency. */
void verify_tally(struct stress_ctx *x, struct stress_result *r);

#endif
