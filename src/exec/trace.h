/* The trace of a run: what every op that ran returned, in the order the
 * executor judged them.  Two runs of one program under different use
 * backends must leave the same trace (the differential oracle). */
#ifndef IPCFUZZ_TRACE_H
#define IPCFUZZ_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "../../targets/mechanism.h"
#include "../model/model.h"

struct trace_ent {
	int index; /* the op judged at (a woken op: the op that woke it) */
	struct op op;
	int64_t ret, mtype;
	int32_t err;
	uint32_t len, crc; /* received bytes and their CRC-32C */
	/* What the model said of it (a digest: result, data, alternatives,
	 * unsure, run non-blocking or left pending), and whether it allowed
	 * more than one result (two, or any where runs may vary). */
	uint32_t want;
	bool alt;
};

struct trace {
	int n;
	/* Each op is judged once, plus at most one woken op per step. */
	struct trace_ent e[IPCF_MAX_OPS * 2];
};

void trace_clear(struct trace *t);
void trace_add(struct trace *t, int index, const struct op *op, const struct expect *ex,
	       const struct outcome *out, const uint8_t *data);
/* An op left blocked in a peer (its result comes with a later op). */
void trace_pend(struct trace *t, int index, const struct op *op);
/* The first entry where a and b differ (backend flags aside), or -1.  The
 * model may predict the backends differently (a tty read through io_uring
 * polls first, so it may wait where read(2) returns at once), or allow
 * several results (two, or any where runs may vary: expect.varies): from
 * the first entry where it did so, or where the runs took different ones
 * of the results allowed, the runs go separate ways and
 * each answers to its model alone (-1 if they agreed until then). */
int trace_diff(const struct trace *a, const struct trace *b);
/* One line per entry, the entry `mark` flagged; returns what it needed. */
size_t trace_format(const struct trace *t, int mark, char *buf, size_t cap);

#endif
