#include "trace.h"

#include "../util/payload.h"

#include <stdio.h>

void trace_clear(struct trace *t)
{
	t->n = 0;
}

static uint32_t digest(const struct expect *ex, const struct op *op)
{
	struct {
		int64_t ret, alt_ret;
		int32_t err, err_alt, alt_err;
		uint32_t len, data, how;
	} w = {0};

	if (ex) {
		w.ret = ex->ret;
		w.err = ex->err;
		w.err_alt = ex->err_alt;
		w.alt_ret = ex->has_alt ? ex->alt_ret : 0;
		w.alt_err = ex->has_alt ? ex->alt_err : 0;
		w.len = ex->unsure ? 0 : ex->len;
		w.data = ex->unsure || !ex->len || !ex->data ? 0 : crc32c(0, ex->data, ex->len);
		w.how = (ex->unsure ? 1u : 0) | (ex->has_alt ? 2u : 0) | (ex->varies ? 16u : 0);
	} else {
		w.how = 4; /* left pending */
	}
	w.how |= (op->flags & OPF_NOWAIT) ? 8u : 0;
	return crc32c(0, &w, sizeof w);
}

void trace_add(struct trace *t, int index, const struct op *op, const struct expect *ex,
	       const struct outcome *out, const uint8_t *data)
{
	if (t->n >= (int)(sizeof t->e / sizeof t->e[0]))
		return;
	struct trace_ent *e = &t->e[t->n++];
	e->index = index;
	e->op = *op;
	e->ret = out->ret;
	e->err = out->err;
	e->mtype = out->mtype;
	e->len = out->len;
	e->crc = out->len ? crc32c(0, data, out->len) : 0;
	e->want = digest(ex, op);
	e->alt = ex && (ex->has_alt || ex->varies);
}

void trace_pend(struct trace *t, int index, const struct op *op)
{
	struct outcome none = {0};
	trace_add(t, index, op, NULL, &none, NULL);
}

/* The same op of the program (the step, and the op judged there). */
static int same_op(const struct trace_ent *a, const struct trace_ent *b)
{
	const struct op *x = &a->op, *y = &b->op;
	return a->index == b->index && x->kind == y->kind && x->actor == y->actor &&
	       x->obj == y->obj;
}

/* The backend is what differs on purpose; everything else must not. */
static int same(const struct trace_ent *a, const struct trace_ent *b)
{
	const struct op *x = &a->op, *y = &b->op;
	/* ... and so is a receive's io_uring route (its seed). */
	int seeds = x->kind == OP_RECV || x->seed == y->seed;
	return ((x->flags ^ y->flags) & ~OPF_URING) == 0 && seeds && x->len == y->len &&
	       x->arg == y->arg && a->ret == b->ret && a->err == b->err && a->mtype == b->mtype &&
	       a->len == b->len && a->crc == b->crc;
}

int trace_diff(const struct trace *a, const struct trace *b)
{
	int n = a->n < b->n ? a->n : b->n;
	for (int i = 0; i < n; i++) {
		if (!same_op(&a->e[i], &b->e[i]))
			return i;
		if (a->e[i].want != b->e[i].want)
			return -1; /* the model said they differ: each its own way */
		if (!same(&a->e[i], &b->e[i]))
			return a->e[i].alt ? -1 : i;
	}
	return a->n == b->n ? -1 : n;
}

size_t trace_format(const struct trace *t, int mark, char *buf, size_t cap)
{
	size_t len = 0;

	if (cap)
		buf[0] = 0;
	for (int i = 0; i < t->n; i++) {
		const struct trace_ent *e = &t->e[i];
		char line[200];
		op_format(&e->op, line, sizeof line);
		int k = snprintf(len < cap ? buf + len : NULL, len < cap ? cap - len : 0,
				 "%s %2d  %-44s ret=%lld errno=%d len=%u crc=%08x\n",
				 i == mark ? ">>" : "  ", e->index, line, (long long)e->ret, e->err,
				 e->len, e->crc);
		if (k > 0)
			len += (size_t)k;
	}
	if (mark == t->n)
		len += (size_t)snprintf(len < cap ? buf + len : NULL, len < cap ? cap - len : 0,
					">>     (the run ended here)\n");
	return len;
}
