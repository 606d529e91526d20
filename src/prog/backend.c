/* A program's use backend: which of its sends and receives go through
 * io_uring, and the rewrite that puts all of them on one backend, so the
 * same program can be run once per backend and the runs compared. */
#include "prog.h"

#include <string.h>

static const char *const names[BACKEND_COUNT] = {
	[BACKEND_PROG] = "prog",
	[BACKEND_SYSCALL] = "syscall",
	[BACKEND_URING] = "uring",
	[BACKEND_BOTH] = "both",
};

const char *backend_name(enum backend_mode m)
{
	return (unsigned)m < BACKEND_COUNT ? names[m] : "?";
}

int backend_parse(const char *name)
{
	for (int m = 0; m < BACKEND_COUNT; m++)
		if (name && !strcmp(name, names[m]))
			return m;
	return -1;
}

static int moves_data(const struct op *op)
{
	return op->kind == OP_SEND || op->kind == OP_RECV;
}

void prog_with_backend(const struct prog *p, int uring, struct prog *out)
{
	*out = *p;
	for (size_t i = 0; i < out->n; i++) {
		struct op *op = &out->ops[i];
		if (!moves_data(op))
			continue;
		if (uring && !(op->flags & OPF_URING) && op->kind == OP_RECV)
			op->seed = (uint8_t)(i % VIA_COUNT); /* every route gets its turn */
		if (uring)
			op->flags |= OPF_URING;
		else
			op->flags &= (uint8_t)~OPF_URING;
		op_normalize(op); /* a receive's route goes with the flag */
	}
}

int prog_uses_uring(const struct prog *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (moves_data(&p->ops[i]) && (p->ops[i].flags & OPF_URING))
			return 1;
	return 0;
}
