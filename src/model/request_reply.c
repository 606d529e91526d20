/* Request/reply model (Binder): one device per slot, claimed by a context
 * manager (the server); every other handle is a client that sends
 * transactions to it (handle 0) and reads its replies.
 *
 * What the kernel promises and this model predicts:
 * - a client's send always writes (ret = len); its result comes back as an
 *   event the client reads with recv, in order: the reply, BR_DEAD_REPLY
 *   (EPIPE: no context manager, or it died holding the request) or
 *   BR_FAILED_REPLY (EPROTO: a second two-way request before the first was
 *   answered).  While such an error is unread, the thread's writes are not
 *   consumed (EAGAIN).
 * - two-way requests queue on the server in order; one-way ones (send
 *   nowait) go one at a time per node: the next waits in the node's async
 *   queue until the previous one's buffer is freed (binder_free_buf).
 * - the server takes requests in that order, but no more after a two-way
 *   one until it has replied (its transaction stack is not empty); a reply
 *   with nothing to answer is EPROTO.  A reply to a client that has gone is
 *   still "complete" for the server.
 * - when the server's handle goes, every two-way request it held gets
 *   BR_DEAD_REPLY at its (still open) client; one-way ones are dropped.
 * Data: recv returns min(len, buffer) bytes and the transaction code as
 * mtype (a send's arg, made positive: a negative arg also carries an fd). */
#include "model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RR_MSGS IPCF_MAX_OPS /* each send makes at most one message */
#define RR_FIFO (2 * IPCF_MAX_OPS)

struct rr_msg {
	int from;     /* sending actor */
	unsigned gen; /* the sender's handle generation when it sent */
	bool oneway;
	int64_t code;
	uint32_t len;
};

struct fifo {
	int n;
	int item[RR_FIFO];
};

/* What a client reads next: a reply (msg index) or an error. */
struct event {
	int msg; /* -1 for an error */
	int err;
	bool blocks_writes; /* BR_*_REPLY from its own send: writes wait for it */
};

struct rr_client {
	unsigned gen; /* bumped when the handle goes: late replies are lost */
	int awaiting; /* message of the outstanding two-way request, or -1 */
	bool write_blocked;
	int nev;
	struct event ev[RR_FIFO];
};

struct rr_state {
	int server;	   /* actor holding the context manager, or -1 */
	int current;	   /* two-way request the server read and has not answered */
	struct fifo inbox; /* the server's todo, in delivery order */
	struct fifo async; /* the node's async queue */
	bool async_busy;   /* a one-way request is delivered and not yet freed */
	struct rr_client client[IPCF_ACTORS];
	int nmsg;
	struct rr_msg msg[RR_MSGS];
	uint8_t *data; /* RR_MSGS payloads of IPCF_MAX_LEN + 1 bytes */
};

static void push(struct fifo *f, int v)
{
	if (f->n < RR_FIFO)
		f->item[f->n++] = v;
}

static int pop(struct fifo *f)
{
	int v = f->item[0];
	memmove(f->item, f->item + 1, (size_t)--f->n * sizeof f->item[0]);
	return v;
}

static void client_reset(struct rr_client *c)
{
	c->gen++;
	c->awaiting = -1;
	c->write_blocked = false;
	c->nev = 0;
}

static void *rr_new(const struct model *m, const struct op *create, void *reuse)
{
	struct rr_state *s = reuse;
	(void)m;
	(void)create;
	if (!s) {
		s = calloc(1, sizeof *s);
		s->data = malloc((size_t)RR_MSGS * (IPCF_MAX_LEN + 1));
	}
	s->server = -1;
	s->current = -1;
	s->inbox.n = s->async.n = 0;
	s->async_busy = false;
	s->nmsg = 0;
	for (int a = 0; a < IPCF_ACTORS; a++)
		client_reset(&s->client[a]);
	return s;
}

static void rr_free(void *p)
{
	struct rr_state *s = p;
	if (!s)
		return;
	free(s->data);
	free(s);
}

static uint8_t *msg_data(struct rr_state *s, int i)
{
	return s->data + (size_t)i * (IPCF_MAX_LEN + 1);
}

static int new_msg(struct rr_state *s, const struct op *op, const uint8_t *payload)
{
	int i = s->nmsg < RR_MSGS ? s->nmsg++ : RR_MSGS - 1;
	struct rr_msg *g = &s->msg[i];

	g->from = op->actor;
	g->gen = s->client[op->actor].gen;
	g->oneway = op->flags & OPF_NOWAIT;
	g->code = op->arg < 0 ? -(int64_t)op->arg : op->arg;
	g->len = op->len;
	memcpy(msg_data(s, i), payload, op->len);
	return i;
}

static void add_event(struct rr_client *c, int msg, int err, bool blocks_writes)
{
	if (c->nev < RR_FIFO)
		c->ev[c->nev++] = (struct event){msg, err, blocks_writes};
	if (blocks_writes)
		c->write_blocked = true;
}

/* The sender of request i, if the handle that sent it is still open. */
static struct rr_client *live_sender(struct rr_state *s, int i)
{
	struct rr_client *c = &s->client[s->msg[i].from];
	return c->gen == s->msg[i].gen ? c : NULL;
}

static void deliver(struct rr_state *s, int i, const struct op *op, struct expect *ex)
{
	uint32_t n = s->msg[i].len < op->len ? s->msg[i].len : op->len;
	memcpy(ex->data, msg_data(s, i), n);
	ex->ret = n;
	ex->len = n;
	ex->mtype = s->msg[i].code;
	ex->has_mtype = true;
}

static void rr_send(struct model *m, struct kobj *o, const struct op *op, const uint8_t *payload,
		    struct expect *ex, bool *blocks)
{
	struct rr_state *s = o->state;
	struct rr_client *me = &s->client[op->actor];
	(void)m;
	(void)blocks; /* a send never waits: results come back as events */

	if (op->actor == s->server) { /* BC_REPLY */
		if (s->current < 0) {
			ex->ret = -1;
			ex->err = EPROTO;
			return;
		}
		struct rr_client *to = live_sender(s, s->current);
		if (to) {
			add_event(to, new_msg(s, op, payload), 0, false);
			to->awaiting = -1;
		}
		s->current = -1;
		ex->ret = op->len;
		return;
	}
	if (me->write_blocked) { /* an error it has not read yet stops its writes */
		ex->ret = -1;
		ex->err = EAGAIN;
		return;
	}
	ex->ret = op->len;
	bool oneway = op->flags & OPF_NOWAIT;
	if (s->server < 0) {
		add_event(me, -1, EPIPE, true);
		return;
	}
	if (!oneway && me->awaiting >= 0) {
		add_event(me, -1, EPROTO, true);
		return;
	}
	int i = new_msg(s, op, payload);
	if (!oneway) {
		push(&s->inbox, i);
		me->awaiting = i;
	} else if (s->async_busy) {
		push(&s->async, i);
	} else {
		s->async_busy = true;
		push(&s->inbox, i);
	}
}

/* The server takes its next request, or returns false if it would wait. */
static bool server_take(struct rr_state *s, const struct op *op, struct expect *ex)
{
	if (s->current >= 0 || !s->inbox.n)
		return false;
	int i = pop(&s->inbox);
	deliver(s, i, op, ex);
	if (!s->msg[i].oneway) {
		s->current = i;
	} else if (s->async.n) { /* freeing its buffer lets the next one through */
		push(&s->inbox, pop(&s->async));
	} else {
		s->async_busy = false;
	}
	return true;
}

static bool client_take(struct rr_state *s, struct rr_client *c, const struct op *op,
			struct expect *ex)
{
	if (!c->nev)
		return false;
	struct event e = c->ev[0];
	memmove(c->ev, c->ev + 1, (size_t)--c->nev * sizeof c->ev[0]);
	if (e.blocks_writes)
		c->write_blocked = false;
	if (e.msg < 0) {
		ex->ret = -1;
		ex->err = e.err;
		return true;
	}
	deliver(s, e.msg, op, ex);
	return true;
}

static bool take(struct rr_state *s, const struct op *op, struct expect *ex)
{
	if (op->actor == s->server)
		return server_take(s, op, ex);
	return client_take(s, &s->client[op->actor], op, ex);
}

static void rr_recv(struct model *m, struct kobj *o, const struct op *op, struct expect *ex,
		    bool *blocks)
{
	(void)m;
	if (take(o->state, op, ex))
		return;
	if (op->flags & OPF_NOWAIT) {
		ex->ret = -1;
		ex->err = EAGAIN;
	} else {
		*blocks = true;
	}
}

static bool rr_may_pend(const struct op *op)
{
	return op->kind == OP_RECV; /* woken whole by one request or reply */
}

static bool rr_try_finish(struct model *m, struct kobj *o, const struct op *op, bool removed,
			  struct expect *ex)
{
	(void)m;
	(void)removed;
	return take(o->state, op, ex);
}

static int rr_claim(struct model *m, struct kobj *o, const struct op *create)
{
	struct rr_state *s = o->state;
	(void)m;
	if (s->server >= 0)
		return EBUSY;
	s->server = create->actor;
	return 0;
}

/* The server's requests die with it: two-way senders learn it. */
static void server_gone(struct rr_state *s)
{
	if (s->current >= 0)
		push(&s->inbox, s->current); /* order does not matter: one per client */
	while (s->inbox.n) {
		int i = pop(&s->inbox);
		struct rr_client *c = live_sender(s, i);
		if (!s->msg[i].oneway && c) {
			add_event(c, -1, EPIPE, false);
			c->awaiting = -1;
		}
	}
	s->async.n = 0;
	s->async_busy = false;
	s->current = -1;
	s->server = -1;
}

static void rr_release(struct model *m, struct kobj *o, int actor)
{
	struct rr_state *s = o->state;
	(void)m;
	if (actor == s->server)
		server_gone(s);
	else
		client_reset(&s->client[actor]);
}

const struct class_model model_request_reply = {
	.new_state = rr_new,
	.free_state = rr_free,
	.send = rr_send,
	.recv = rr_recv,
	.setopt = NULL,
	.may_pend = rr_may_pend,
	.try_finish = rr_try_finish,
	.claim = rr_claim,
	.release = rr_release,
};
