/* Priority queue model (POSIX message queues): one message per call, the
 * highest priority first and FIFO within a priority; mq_msgsize bounds a
 * send (EMSGSIZE) and is the least a receive buffer may be (EMSGSIZE even
 * on an empty queue); mq_maxmsg messages make it full.  A call that would
 * wait fails with EAGAIN on an O_NONBLOCK descriptor (per open description:
 * mq_setattr), with ETIMEDOUT when the op says nowait (the target then
 * calls mq_timed* with an expired timeout), else it blocks.  mq_notify:
 * one registration (EBUSY for any second one), removed when its process
 * closes a descriptor of the queue, and used up by a send that makes the
 * queue non-empty while no receiver waits.
 *
 * A create's size says the attributes: 0 = none (msg_default, msgsize_
 * default), else mq_maxmsg = size >> 10, mq_msgsize = (size & 1023) * 16,
 * checked against fs.mqueue.msg_max and msgsize_max (EINVAL; zero too). */
#include "model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MQ_PRIO_MAX_ 32768
#define MAX_MSGS     (IPCF_MAX_OPS + 1)
#define SLOT_BYTES   ((size_t)IPCF_MAX_LEN + 1)
/* What the model reserves of RLIMIT_MSGQUEUE per queue beyond its messages
 * (the kernel's tree nodes and headers, generously): creates past a quarter of
 * the limit are not run (the limit is per user, and parallel runs share it),
 * so EMFILE never has to be predicted. */
#define MQ_OVERHEAD(maxmsg) ((maxmsg)*256 + 4096)

struct pq_state {
	long maxmsg, msgsize;
	unsigned n;
	int notify; /* the actor registered with mq_notify, -1 none */
	bool nonblock[IPCF_ACTORS];
	struct {
		unsigned prio;
		uint32_t len;
		uint8_t *data;
	} msg[MAX_MSGS];
	uint8_t *arena; /* MAX_MSGS slots of SLOT_BYTES; msg[i].data points in */
	/* A blocked sender's message, by actor: a later send that would block
	 * too (and is run non-blocking) must not overwrite it. */
	uint8_t pending_payload[IPCF_ACTORS][SLOT_BYTES];
};

void mq_attr_of(const struct limits *lim, unsigned size, long *maxmsg, long *msgsize)
{
	if (!size) {
		*maxmsg = lim->mq_msg_default < lim->mq_msg_max ? lim->mq_msg_default
								: lim->mq_msg_max;
		*msgsize = lim->mq_msgsize_default < lim->mq_msgsize_max ? lim->mq_msgsize_default
									 : lim->mq_msgsize_max;
		return;
	}
	*maxmsg = (long)(size >> 10);
	*msgsize = (long)(size & 1023u) * 16;
}

#define CAP_SYS_RESOURCE_ 24
#define HARD_MSGMAX	  65536
#define HARD_MSGSIZEMAX	  (16 * 1024 * 1024)

static int pq_create_err(const struct model *m, const struct op *create)
{
	long maxmsg, msgsize;
	/* capable(): a capability counts only in the initial user namespace */
	bool cap = m->lim.init_userns && access_cap(m, create->actor, CAP_SYS_RESOURCE_);

	if (!create->len)
		return 0;
	mq_attr_of(&m->lim, create->len, &maxmsg, &msgsize);
	if (maxmsg <= 0 || msgsize <= 0)
		return EINVAL;
	if (cap ? maxmsg > HARD_MSGMAX || msgsize > HARD_MSGSIZEMAX
		: maxmsg > m->lim.mq_msg_max || msgsize > m->lim.mq_msgsize_max)
		return EINVAL;
	return 0;
}

static long queue_bytes(const struct pq_state *q)
{
	return q->maxmsg * q->msgsize + MQ_OVERHEAD(q->maxmsg);
}

/* Queues still alive (named, or open) keep their bytes charged. */
static bool pq_may_create(const struct model *m, const struct op *op)
{
	long maxmsg, msgsize, total;

	mq_attr_of(&m->lim, op->len, &maxmsg, &msgsize);
	if (maxmsg <= 0 || msgsize <= 0 || maxmsg > HARD_MSGMAX || msgsize > HARD_MSGSIZEMAX)
		return true; /* EINVAL, or an existing queue: charges nothing */
	total = maxmsg * msgsize + MQ_OVERHEAD(maxmsg);
	for (int k = 0; k < MODEL_MAX_KOBJ; k++) {
		const struct kobj *o = &m->objs[k];
		bool pend = false;
		for (int a = 0; a < IPCF_ACTORS; a++)
			pend |= m->pend[a].active && m->pend[a].kobj == k;
		if (o->used && o->state &&
		    (o->named || pend || model_count_ends(m, k, OPF_READ | OPF_WRITE)))
			total += queue_bytes(o->state);
	}
	return total <= m->lim.msgqueue_rlimit / 4;
}

static void *pq_new(const struct model *m, const struct op *create, void *reuse)
{
	struct pq_state *q = reuse;
	if (!q) {
		q = calloc(1, sizeof *q);
		q->arena = malloc(MAX_MSGS * SLOT_BYTES);
	}
	mq_attr_of(&m->lim, create ? create->len : 0, &q->maxmsg, &q->msgsize);
	q->n = 0;
	q->notify = -1;
	memset(q->nonblock, 0, sizeof q->nonblock);
	return q;
}

static void pq_free(void *p)
{
	struct pq_state *q = p;
	if (!q)
		return;
	free(q->arena);
	free(q);
}

static void fail(struct expect *ex, int err)
{
	ex->ret = -1;
	ex->err = err;
}

/* After every message of a higher or the same priority. */
static void insert(struct pq_state *q, unsigned prio, const uint8_t *data, uint32_t len)
{
	unsigned i = 0;
	bool used[MAX_MSGS] = {false};

	while (i < q->n && q->msg[i].prio >= prio)
		i++;
	for (unsigned j = 0; j < q->n; j++)
		used[(size_t)(q->msg[j].data - q->arena) / SLOT_BYTES] = true;
	unsigned slot = 0;
	while (used[slot])
		slot++;
	memmove(&q->msg[i + 1], &q->msg[i], (q->n - i) * sizeof q->msg[0]);
	q->msg[i].prio = prio;
	q->msg[i].len = len;
	q->msg[i].data = q->arena + slot * SLOT_BYTES;
	memcpy(q->msg[i].data, data, len);
	q->n++;
}

static bool receiver_waits(const struct model *m, int k)
{
	for (int a = 0; a < IPCF_ACTORS; a++)
		if (m->pend[a].active && m->pend[a].kobj == k && m->pend[a].op.kind == OP_RECV)
			return true;
	return false;
}

/* The call would wait: EAGAIN, ETIMEDOUT, or it blocks. */
static void would_wait(const struct pq_state *q, const struct op *op, struct expect *ex,
		       bool *blocks)
{
	if (q->nonblock[op->actor])
		fail(ex, EAGAIN);
	else if (op->flags & OPF_NOWAIT)
		fail(ex, ETIMEDOUT);
	else
		*blocks = true;
}

static void pq_send(struct model *m, struct kobj *o, const struct op *op, const uint8_t *payload,
		    struct expect *ex, bool *blocks)
{
	struct pq_state *q = o->state;
	unsigned prio = (uint16_t)op->arg;

	if (prio >= MQ_PRIO_MAX_)
		return fail(ex, EINVAL);
	if (op->len > q->msgsize)
		return fail(ex, EMSGSIZE);
	if (q->n >= (unsigned)q->maxmsg || q->n >= MAX_MSGS - 1) {
		would_wait(q, op, ex, blocks);
		if (*blocks)
			memcpy(q->pending_payload[op->actor], payload, op->len);
		return;
	}
	bool direct = receiver_waits(m, model_kobj_index(m, o)); /* pipelined_send */
	insert(q, prio, payload, op->len);
	if (!direct && q->n == 1)
		q->notify = -1; /* __do_notify: the registration is used up */
	ex->ret = op->len;
}

static bool take(struct pq_state *q, struct expect *ex)
{
	if (!q->n)
		return false;
	ex->ret = q->msg[0].len;
	ex->len = q->msg[0].len;
	memcpy(ex->data, q->msg[0].data, q->msg[0].len);
	ex->mtype = q->msg[0].prio;
	ex->has_mtype = true;
	q->n--;
	memmove(&q->msg[0], &q->msg[1], q->n * sizeof q->msg[0]);
	return true;
}

static void pq_recv(struct model *m, struct kobj *o, const struct op *op, struct expect *ex,
		    bool *blocks)
{
	struct pq_state *q = o->state;
	(void)m;

	if (op->len < q->msgsize)
		return fail(ex, EMSGSIZE);
	if (!take(q, ex))
		would_wait(q, op, ex, blocks);
}

/* The value OPT_NONBLOCK returns: mq_getattr after mq_setattr, packed
 * (targets/posix_mq.c builds the same). */
int64_t mq_attr_word(long msgsize, long maxmsg, int old_nonblock, long curmsgs)
{
	return (int64_t)msgsize << 40 | (int64_t)maxmsg << 16 |
	       (int64_t)(old_nonblock ? 1 : 0) << 15 | (int64_t)curmsgs;
}

static void pq_setopt(struct model *m, struct kobj *o, const struct op *op, struct expect *ex)
{
	struct pq_state *q = o->state;
	(void)m;

	switch (op->arg) {
	case OPT_NONBLOCK:
		ex->ret = mq_attr_word(q->msgsize, q->maxmsg, q->nonblock[op->actor], q->n);
		q->nonblock[op->actor] = op->len & 1;
		return;
	case OPT_NOTIFY:
		ex->ret = 0;
		if (!(op->len & 1)) {
			if (q->notify == op->actor)
				q->notify = -1;
		} else if (q->notify >= 0) {
			fail(ex, EBUSY);
		} else {
			q->notify = op->actor;
		}
		return;
	default:
		fail(ex, ENOTSUP);
	}
}

static bool pq_may_pend(const struct op *op)
{
	(void)op;
	return true; /* a blocked sender or receiver wakes whole */
}

static bool pq_try_finish(struct model *m, struct kobj *o, const struct op *op, bool removed,
			  struct expect *ex)
{
	struct pq_state *q = o->state;
	(void)m;
	(void)removed;
	if (op->kind == OP_RECV)
		return take(q, ex);
	if (q->n >= (unsigned)q->maxmsg)
		return false;
	insert(q, (uint16_t)op->arg, q->pending_payload[op->actor],
	       op->len); /* pipelined_receive */
	ex->ret = op->len;
	return true;
}

/* mqueue_flush_file: the owner's close of any descriptor of the queue
 * removes its registration; its descriptor's O_NONBLOCK goes with it. */
static void pq_closed(struct model *m, int k, int actor, uint8_t role)
{
	struct pq_state *q = m->objs[k].state;
	(void)role;
	if (q->notify == actor)
		q->notify = -1;
	q->nonblock[actor] = false;
}

const struct class_model model_priority_queue = {
	.new_state = pq_new,
	.free_state = pq_free,
	.send = pq_send,
	.recv = pq_recv,
	.setopt = pq_setopt,
	.may_pend = pq_may_pend,
	.try_finish = pq_try_finish,
	.may_create = pq_may_create,
	.closed = pq_closed,
	.create_err = pq_create_err,
};
