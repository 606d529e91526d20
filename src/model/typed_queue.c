/* Typed bounded queue model (SysV msg): one message per call, selection by
 * msgtyp (0 = first, >0 = first of type or, with MSG_EXCEPT, first not of
 * it, <0 = first of the lowest type <= |msgtyp|), E2BIG unless MSG_NOERROR,
 * full when bytes or count exceed msg_qbytes, EIDRM for waiters on RMID. */
#include "model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MSGS (IPCF_MAX_OPS * 2)

/* Message texts live back to back in one arena, oldest first, so the model
 * allocates nothing per message. */
#define ARENA_BYTES ((size_t)IPCF_MAX_OPS * (IPCF_MAX_LEN + 1)) /* every send of a program */

struct queue_state {
	unsigned n;
	size_t cbytes;
	long qbytes;
	struct {
		int64_t type;
		uint32_t len;
		uint32_t off; /* in arena */
	} msg[MAX_MSGS];
	uint8_t *arena;
	/* Each blocked sender's message: a later send that would block (a
	 * second peer's, or one the executor runs non-blocking) must not
	 * overwrite the first one's. */
	uint8_t pending_payload[IPCF_ACTORS][IPCF_MAX_LEN + 1];
};

static void *queue_new(const struct model *m, const struct op *create, void *reuse)
{
	struct queue_state *q = reuse;
	(void)create;
	if (!q) {
		q = calloc(1, sizeof *q);
		q->arena = malloc(ARENA_BYTES);
	}
	q->n = 0;
	q->cbytes = 0;
	q->qbytes = m->lim.msgmnb;
	return q;
}

static void queue_free(void *p)
{
	struct queue_state *q = p;
	if (!q)
		return;
	free(q->arena);
	free(q);
}

static bool fits(const struct queue_state *q, size_t len)
{
	return (long)(len + q->cbytes) <= q->qbytes && (long)(1 + q->n) <= q->qbytes &&
	       q->n < MAX_MSGS;
}

static void enqueue(struct queue_state *q, int64_t type, const uint8_t *data, size_t len)
{
	uint32_t off = q->n ? q->msg[q->n - 1].off + q->msg[q->n - 1].len : 0;
	q->msg[q->n].type = type;
	q->msg[q->n].len = (uint32_t)len;
	q->msg[q->n].off = off;
	memcpy(q->arena + off, data, len);
	q->n++;
	q->cbytes += len;
}

#define CAP_SYS_RESOURCE_ 24

/* msgsnd checks its size and mtype before it looks at the queue. */
static int queue_arg_err(const struct model *m, const struct op *op)
{
	return op->kind == OP_SEND && (op->len > m->lim.msgmax || op->arg < 1) ? EINVAL : 0;
}

/* IPC_SET keeps msg_qbytes, and a size past msgmnb is CAP_SYS_RESOURCE's. */
static int queue_set_err(const struct model *m, int actor, const struct kobj *o)
{
	const struct queue_state *q = o->state;
	return q->qbytes > m->lim.msgmnb && !access_cap(m, actor, CAP_SYS_RESOURCE_) ? EPERM : 0;
}

static void queue_send(struct model *m, struct kobj *o, const struct op *op, const uint8_t *payload,
		       struct expect *ex, bool *blocks)
{
	struct queue_state *q = o->state;

	if (queue_arg_err(m, op)) {
		ex->ret = -1;
		ex->err = EINVAL;
		return;
	}
	if (!fits(q, op->len)) {
		if (op->flags & OPF_NOWAIT) {
			ex->ret = -1;
			ex->err = EAGAIN;
		} else {
			memcpy(q->pending_payload[op->actor], payload, op->len);
			*blocks = true;
		}
		return;
	}
	enqueue(q, op->arg, payload, op->len);
	ex->ret = op->len;
}

/* find_msg(): index of the message msgrcv would pick, or -1. */
static int find(const struct queue_state *q, const struct op *op)
{
	int64_t t = op->arg;
	int best = -1;

	for (unsigned i = 0; i < q->n; i++) {
		int64_t mt = q->msg[i].type;
		if (t == 0)
			return (int)i;
		if (t > 0 && ((op->flags & OPF_EXCEPT) ? mt != t : mt == t))
			return (int)i;
		if (t < 0 && mt <= -t && (best < 0 || mt < q->msg[best].type))
			best = (int)i;
	}
	return best;
}

/* Returns false when the receive would wait. */
static bool queue_take(struct queue_state *q, const struct op *op, struct expect *ex)
{
	int i = find(q, op);

	if (i < 0) {
		if (!(op->flags & OPF_NOWAIT))
			return false;
		ex->ret = -1;
		ex->err = ENOMSG;
		return true;
	}
	uint32_t len = q->msg[i].len;
	if (len > op->len && !(op->flags & OPF_NOERROR)) {
		ex->ret = -1;
		ex->err = E2BIG; /* the message stays queued */
		return true;
	}
	uint32_t n = len < op->len ? len : op->len;
	uint32_t off = q->msg[i].off, end = off + len;
	uint32_t tail = q->msg[q->n - 1].off + q->msg[q->n - 1].len;
	memcpy(ex->data, q->arena + off, n);
	ex->len = n;
	ex->ret = n;
	ex->mtype = q->msg[i].type;
	ex->has_mtype = true;
	q->cbytes -= len;
	memmove(q->arena + off, q->arena + end, tail - end);
	memmove(&q->msg[i], &q->msg[i + 1], (q->n - (unsigned)i - 1) * sizeof q->msg[0]);
	q->n--;
	for (unsigned j = (unsigned)i; j < q->n; j++)
		q->msg[j].off -= len;
	return true;
}

static void queue_recv(struct model *m, struct kobj *o, const struct op *op, struct expect *ex,
		       bool *blocks)
{
	(void)m;
	*blocks = !queue_take(o->state, op, ex);
}

static void queue_setopt(struct model *m, struct kobj *o, const struct op *op, struct expect *ex)
{
	struct queue_state *q = o->state;
	if (op->len > m->lim.msgmnb && !access_cap(m, op->actor, CAP_SYS_RESOURCE_)) {
		ex->ret = -1;
		ex->err = EPERM;
		return;
	}
	q->qbytes = op->len;
	ex->ret = 0;
}

static bool queue_may_pend(const struct op *op)
{
	(void)op;
	return true; /* both a blocked sender and a blocked receiver wake whole */
}

static bool queue_try_finish(struct model *m, struct kobj *o, const struct op *op, bool removed,
			     struct expect *ex)
{
	struct queue_state *q = o->state;
	(void)m;
	if (removed) {
		ex->ret = -1;
		ex->err = EIDRM;
		return true;
	}
	if (op->kind == OP_RECV)
		return queue_take(q, op, ex);
	if (!fits(q, op->len))
		return false;
	enqueue(q, op->arg, q->pending_payload[op->actor], op->len);
	ex->ret = op->len;
	return true;
}

const struct class_model model_typed_queue = {
	.new_state = queue_new,
	.free_state = queue_free,
	.send = queue_send,
	.recv = queue_recv,
	.setopt = queue_setopt,
	.arg_err = queue_arg_err,
	.set_err = queue_set_err,
	.may_pend = queue_may_pend,
	.try_finish = queue_try_finish,
};
