/* The trace of a run: what every op that ran returned, in the order the
 * executor judged them.  Two runs of one program under different use
 * backends must leave the same trace (the differential oracle). */
#ifndef IPCFUZZ_TRACE_H
#define IPCFUZZ_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "../../targets/mechanism.h"

struct trace_ent {
	int index; /* the op judged at (a woken op: the op that woke it) */
	struct op op;
	int64_t ret, mtype;
	int32_t err;
	uint32_t len, crc; /* received bytes and their CRC-32C */
};

struct trace {
	int n;
	/* Each op is judged once, plus at most one woken op per step. */
	struct trace_ent e[IPCF_MAX_OPS * 2];
};

void trace_clear(struct trace *t);
void trace_add(struct trace *t, int index, const struct op *op, const struct outcome *out,
	       const uint8_t *data);
/* The first entry where a and b differ (backend flags aside), or -1. */
int trace_diff(const struct trace *a, const struct trace *b);
/* One line per entry, the entry `mark` flagged; returns what it needed. */
size_t trace_format(const struct trace *t, int mark, char *buf, size_t cap);

#endif
