/* FIFO open rules (fs/pipe.c fifo_open), for mechanisms whose join opens a
 * name with OPEN_FIFO: a join opens the ends its flags name (none: both, as
 * O_RDWR, which never waits).  A lone reader waits until a writer opens, a
 * lone writer until a reader does; with O_NONBLOCK the reader opens at once
 * and the writer fails with ENXIO.  One that waits already counts as a
 * reader or writer, so it is counted here from the pending table.  Data is
 * the byte-stream model's; when the last opener is gone the kernel frees
 * the pipe, so an open that finds nobody starts from an empty one. */
#include "model.h"

#include <errno.h>

unsigned fifo_join_ends(const struct op *op)
{
	unsigned ends = op->flags & (OPF_READ | OPF_WRITE);
	return ends ? ends : OPF_READ | OPF_WRITE;
}

/* Openers of object k with this end: handles, and joins waiting in open. */
static int openers(const struct model *m, int k, unsigned end)
{
	int n = model_count_ends(m, k, end);
	for (int a = 0; a < IPCF_ACTORS; a++)
		n += m->pend[a].active && m->pend[a].kobj == k && m->pend[a].op.kind == OP_JOIN &&
		     (fifo_join_ends(&m->pend[a].op) & end);
	return n;
}

void fifo_fresh(struct model *m, int k)
{
	struct kobj *o = &m->objs[k];
	if (!openers(m, k, OPF_READ | OPF_WRITE))
		o->state = m->cls->new_state(m, NULL, o->state);
}

int fifo_open_predict(const struct model *m, const struct op *op, int k, bool nowait)
{
	unsigned ends = fifo_join_ends(op);

	if (ends == OPF_WRITE && !openers(m, k, OPF_READ))
		return nowait ? ENXIO : -1;
	if (ends == OPF_READ && !openers(m, k, OPF_WRITE) && !nowait)
		return -1;
	return 0;
}

bool fifo_try_open(struct model *m, int actor, const struct op *op, int k, struct expect *ex)
{
	unsigned ends = fifo_join_ends(op), other = ends == OPF_READ ? OPF_WRITE : OPF_READ;

	if (!model_count_ends(m, k, other))
		return false;
	m->h[actor][op->obj] = (struct handle){.kobj = k, .ends = ends, .role = ROLE_JOINER};
	ex->ret = 0;
	return true;
}
