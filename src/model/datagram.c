/* Datagram model (unix-dgram, unix-seqpacket, udp): one message per send and
 * per receive, edges kept; a buffer shorter than the message takes its head
 * and the rest is gone (MSG_TRUNC); MSG_PEEK leaves it queued.  A message
 * carries its sender (SCM_CREDENTIALS: the receiver has SO_PASSCRED) and
 * maybe a passed descriptor (SCM_RIGHTS) whose tag the receiver reads back;
 * a control buffer without room for it drops it (MSG_CTRUNC).  What a
 * receive reports besides the data is outcome.mtype (targets/common/socket.h).
 *
 * Also here: the socket room (struct sock_room) the stream-socket class
 * shares, so capacity and shutdown are modelled once for every socket. */
#include "model.h"

#include "../../targets/common/socket.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MSGS	  (2 * IPCF_MAX_OPS)
#define CAP_NET_ADMIN_BIT 12

/* How the sockets of a mechanism behave when their peer goes. */
enum dgram_kind {
	DG_CONNECTED, /* seqpacket: EOF, ECONNRESET once (unread data), then EPIPE */
	DG_UNIX,      /* unix dgram: ECONNREFUSED once, then ENOTCONN; no EOF */
	DG_UDP,	      /* udp: no EOF; a send to a closed port is taken, the ICMP
		       * error comes back as the next send's ECONNREFUSED */
};

static const struct {
	const char *id;
	enum dgram_kind kind;
} kinds[] = {
	{"unix-seqpacket", DG_CONNECTED},
	{"unix-dgram", DG_UNIX},
	{"udp", DG_UDP},
};

/* The largest datagram of each kind (udp over IPv4: 65535 - 8 - 20). */
static const uint32_t max_len[] = {
	[DG_CONNECTED] = UINT32_MAX,
	[DG_UNIX] = UINT32_MAX,
	[DG_UDP] = 65507,
};

/* Sockets of the internet families: their receiver's buffer counts too. */
static bool is_inet(const struct model *m)
{
	return !strcmp(m->mech->id, "tcp") || !strcmp(m->mech->id, "udp");
}

/* A datagram send with a negative arg adds -arg zero bytes after its
 * payload, so sizes beyond the len field (udp's 65507) can be tried. */
#define MAX_DGRAM (IPCF_MAX_LEN + 1 + 32768)

struct dmsg {
	uint32_t off, len;
	int8_t sender; /* actor */
	uint8_t gen;   /* the sender's generation (a restarted peer is another) */
	bool fd;       /* a descriptor travels with it */
	uint8_t tag;
	int64_t ids; /* SCM_CREDENTIALS: the sender's uid and gid (socket.h) */
};

struct dgram_state {
	enum dgram_kind kind;
	unsigned qmax; /* messages the receiver queues (0 = no limit) */
	unsigned n;
	struct dmsg msg[MAX_MSGS];
	size_t nbytes;
	uint8_t *bytes;
	struct sock_room room;
};

struct dgram_ctx {
	uint8_t gen[IPCF_ACTORS];
};

/* ---- the socket room, shared with the stream-socket class ---- */

void sock_room_init(const struct model *m, int actor, struct sock_room *r)
{
	long want = SOCK_SNDBUF_WANT;
	bool force = (m->cred[actor].caps >> CAP_NET_ADMIN_BIT) & 1;

	memset(r, 0, sizeof *r);
	r->sock = true;
	r->inet = is_inet(m);
	/* SO_SNDBUFFORCE with CAP_NET_ADMIN, else SO_SNDBUF up to wmem_max;
	 * the kernel doubles either.  The same for an inet receiver's
	 * SO_RCVBUF, of which half is payload at worst. */
	r->cap = 2 * (size_t)(force || want < m->lim.wmem_max ? want : m->lim.wmem_max);
	size_t rcv = (size_t)(force || want < m->lim.rmem_max ? want : m->lim.rmem_max);
	if (r->inet && rcv < r->cap)
		r->cap = rcv;
}

bool sock_room_unsure(struct model *m, struct sock_room *r, struct expect *ex)
{
	if (!r->unsure)
		return false;
	ex->unsure = true;
	m->cur->force_nowait = true;
	return true;
}

bool sock_room_charge(struct model *m, struct sock_room *r, size_t len, struct expect *ex)
{
	size_t page = (size_t)m->lim.page_size;
	/* At most: the data in whole pages, and a page of skb and head. */
	size_t charge = (len + page - 1) / page * page + page;

	if (r->charged + charge <= r->cap) {
		r->charged += charge;
		return true;
	}
	r->unsure = true;
	return !sock_room_unsure(m, r, ex);
}

void sock_room_shutdown(struct model *m, struct sock_room *r, const struct op *op, bool propagate,
			struct expect *ex)
{
	unsigned have = m->h[op->actor][op->obj].ends;
	unsigned how = op->len % 3u;

	ex->ret = 0;
	if (op->arg != OPT_SHUTDOWN) {
		ex->ret = -1;
		ex->err = ENOTSUP;
		return;
	}
	if ((how == 0 && !(have & OPF_READ)) || (how == 1 && !(have & OPF_WRITE))) {
		ex->ret = -1;
		ex->err = EBADF;
		return;
	}
	r->shut = true;
	/* SHUT_RDWR of a handle without its receiving socket shuts only its
	 * sender (sock_control): a joiner's blocked receive stays blocked
	 * (found by fuzz-unix-dgram; seed shut_both_sender_only.txt). */
	r->shut_rd |= (how != 1 && (have & OPF_READ)) || propagate;
}

/* ---- datagrams ---- */

static void *dgram_ctx_new(const struct model *m)
{
	struct dgram_ctx *c = calloc(1, sizeof *c);
	(void)m;
	return c;
}

static void dgram_ctx_reset(struct model *m)
{
	struct dgram_ctx *c = m->ctx;
	memset(c->gen, 0, sizeof c->gen);
}

static void dgram_actor_gone(struct model *m, int actor)
{
	struct dgram_ctx *c = m->ctx;
	c->gen[actor]++;
}

static void *dgram_new(const struct model *m, const struct op *create, void *reuse)
{
	struct dgram_state *s = reuse;
	unsigned form = op_create_form(create);

	if (!s) {
		s = calloc(1, sizeof *s);
		s->bytes = malloc(IPCF_MAX_OPS * (size_t)MAX_DGRAM);
	}
	s->kind = DG_CONNECTED;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strcmp(kinds[i].id, m->mech->id))
			s->kind = kinds[i].kind;
	/* A unix datagram receiver that is not connected back to its sender
	 * (bound to an address) queues at most max_dgram_qlen + 1 messages. */
	s->qmax = s->kind == DG_UNIX && (form == NAME_SLOT || form == NAME_PRIVATE)
			  ? (unsigned)m->lim.max_dgram_qlen + 1
			  : 0;
	s->n = 0;
	s->nbytes = 0;
	sock_room_init(m, create->actor, &s->room);
	return s;
}

static void dgram_free(void *p)
{
	struct dgram_state *s = p;
	if (s)
		free(s->bytes);
	free(s);
}

static void fail(struct expect *ex, int err)
{
	ex->ret = -1;
	ex->err = err;
}

static void drop_all(struct dgram_state *s)
{
	s->n = 0;
	s->nbytes = 0;
	s->room.charged = 0;
}

/* The receiver is gone: what a send learns.  Each sending socket learns
 * it once; when others connected sockets of their own (joined), which one
 * learnt it already is not followed: either errno. */
static void peer_gone(struct dgram_state *s, bool joined, struct expect *ex)
{
	if (s->kind == DG_UNIX) {
		fail(ex, s->room.warned ? ENOTCONN : ECONNREFUSED);
		if (joined)
			ex->err_alt = s->room.warned ? ECONNREFUSED : ENOTCONN;
		s->room.warned = true;
		return;
	}
	/* Messages unread when the receiver closed: ECONNRESET, once.  The
	 * kernel passes over a first message of no bytes (the check is meant
	 * for a consumed out-of-band skb), so an empty one alone is nothing
	 * unread, an empty one and any other is (found by
	 * fuzz-unix-seqpacket; seed unread_empty_messages.txt); kernels
	 * before that check said ECONNRESET for it too. */
	bool lone_empty = s->n == 1 && !s->msg[0].len;
	fail(ex, s->n && !lone_empty ? ECONNRESET : EPIPE);
	if (lone_empty)
		ex->err_alt = ECONNRESET;
	drop_all(s);
}

static void dgram_send(struct model *m, struct kobj *o, const struct op *op, const uint8_t *payload,
		       struct expect *ex, bool *blocks)
{
	struct dgram_state *s = o->state;
	const struct dgram_ctx *c = m->ctx;

	uint32_t len = op->len + (op->arg < 0 ? (uint32_t)-op->arg : 0);
	bool readers = model_count_ends(m, model_kobj_index(m, o), OPF_READ) > 0;

	ex->ret = 0;
	/* A sender's own shutdown (SHUT_WR) is its socket's: with sockets of
	 * joiners sending too, which one is shut is not followed, nor so
	 * whether this send wakes a blocked receive: that is interrupted first
	 * (found by fuzz-unix-dgram; seed shut_sender_receiver_waits.txt). */
	if (s->kind == DG_UNIX && m->sa.joined[model_kobj_index(m, o)] && s->room.shut &&
	    !s->room.shut_rd) {
		s->room.unsure = true;
		model_cancel_first_on(m, model_kobj_index(m, o), -1);
	}
	if (sock_room_unsure(m, &s->room, ex))
		return;
	if (len > max_len[s->kind]) {
		fail(ex, EMSGSIZE);
		return;
	}
	if (s->kind == DG_UDP && s->room.warned) {
		fail(ex, ECONNREFUSED); /* the ICMP error of the last send */
		s->room.warned = false;
		return;
	}
	if (s->kind == DG_UDP && s->room.shut) {
		fail(ex, EPIPE);
		return;
	}
	if (s->kind == DG_UDP && !readers) {
		ex->ret = len; /* sent to a closed port: lost, and an ICMP error */
		s->room.warned = true;
		return;
	}
	if (!readers) {
		bool joined = m->sa.joined[model_kobj_index(m, o)];
		/* A shutdown makes it three answers with joiners' sockets about:
		 * the sender's own SHUT_WR (EPIPE) is checked before the dead
		 * receiver, a receiver's SHUT_RD after it, and which socket
		 * learnt of the death first is not followed (found by
		 * fuzz-unix-dgram; seed shutdown_receiver_gone.txt). */
		if (s->kind == DG_UNIX && s->room.shut && joined) {
			s->room.unsure = true;
			sock_room_unsure(m, &s->room, ex);
			return;
		}
		peer_gone(s, joined, ex);
		if (s->room.shut && s->kind == DG_UNIX)
			ex->err_alt = EPIPE; /* which check comes first is not ours */
		return;
	}
	if (s->room.shut) {
		fail(ex, EPIPE);
		return;
	}
	if ((s->qmax && s->n >= s->qmax) || s->n >= MAX_MSGS) {
		if (op->flags & OPF_NOWAIT)
			fail(ex, EAGAIN);
		else
			*blocks = true;
		return;
	}
	if (!sock_room_charge(m, &s->room, len, ex))
		return;
	struct dmsg *d = &s->msg[s->n++];
	d->off = (uint32_t)s->nbytes;
	d->len = len;
	d->sender = (int8_t)op->actor;
	d->gen = c->gen[op->actor];
	d->fd = s->kind != DG_UDP && (op->flags & OPF_RIGHTS);
	d->tag = op->seed;
	d->ids = s->kind == DG_UDP ? 0 : sock_join_cred_ids(m, op->actor);
	memcpy(s->bytes + s->nbytes, payload, op->len);
	memset(s->bytes + s->nbytes + op->len, 0, len - op->len);
	s->nbytes += len;
	ex->ret = len;
}

/* Takes (or peeks at) the first message; false when the receive waits. */
static bool dgram_take(struct model *m, struct kobj *o, const struct op *op, bool nowait,
		       struct expect *ex)
{
	struct dgram_state *s = o->state;
	const struct dgram_ctx *c = m->ctx;

	ex->ret = 0;
	ex->len = 0;
	ex->has_mtype = true;
	ex->mtype = 0;
	if (!s->n) {
		bool writers = model_count_ends(m, model_kobj_index(m, o), OPF_WRITE) > 0;
		if (s->kind == DG_CONNECTED && (!writers || s->room.shut_rd))
			return true; /* EOF */
		if (nowait) {
			fail(ex, EAGAIN);
			return true;
		}
		return s->room.shut_rd; /* a blocking wait on a shut socket: 0 */
	}
	struct dmsg d = s->msg[0];
	uint32_t n = d.len < op->len ? d.len : op->len;
	/* SCM_CREDENTIALS (unix only): who sent it, if it still runs. */
	unsigned who = c->gen[d.sender] == d.gen ? (unsigned)d.sender + 1 : SOCK_ANC_CRED_OTHER;
	int64_t anc = s->kind == DG_UDP ? 0 : (int64_t)who << SOCK_ANC_CRED_SHIFT | d.ids;
	if (d.len > op->len)
		anc |= SOCK_ANC_TRUNC;
	if (d.fd)
		anc |= op->flags & OPF_NOERROR ? SOCK_ANC_CTRUNC : SOCK_ANC_FD | d.tag;
	memcpy(ex->data, s->bytes + d.off, n);
	ex->ret = n;
	ex->len = n;
	ex->mtype = anc;
	if (op->flags & OPF_PEEK)
		return true;
	/* Gone, whether it fitted or not; a descriptor it carried went too. */
	memmove(s->bytes, s->bytes + d.len, s->nbytes - d.len);
	s->nbytes -= d.len;
	memmove(s->msg, s->msg + 1, (s->n - 1) * sizeof s->msg[0]);
	s->n--;
	for (unsigned i = 0; i < s->n; i++)
		s->msg[i].off -= d.len;
	if (!s->n)
		s->room.charged = 0;
	return true;
}

static void dgram_recv(struct model *m, struct kobj *o, const struct op *op, struct expect *ex,
		       bool *blocks)
{
	struct dgram_state *s = o->state;

	if (sock_room_unsure(m, &s->room, ex))
		return;
	*blocks = !dgram_take(m, o, op, op->flags & OPF_NOWAIT, ex);
}

static void dgram_setopt(struct model *m, struct kobj *o, const struct op *op, struct expect *ex)
{
	struct dgram_state *s = o->state;
	if (sock_join_peercred(m, o, op, ex))
		return;
	/* udp: the receiver is bound, not connected: SHUT_RD is ENOTCONN, and
	 * done all the same (inet_shutdown's "hack to wake up other
	 * listeners"): a blocked receive returns 0, and so does every blocking
	 * one that finds the queue empty after it (found by fuzz-udp). */
	if (s->kind == DG_UDP && op->arg == OPT_SHUTDOWN && op->len % 3u != 1 &&
	    (m->h[op->actor][op->obj].ends & OPF_READ)) {
		fail(ex, ENOTCONN);
		s->room.shut_rd = true;
		return;
	}
	bool receiver_shut = s->room.shut_rd;
	sock_room_shutdown(m, &s->room, op, s->kind == DG_CONNECTED, ex);
	if (s->kind == DG_UDP) /* a sender's SHUT_RD never reaches a udp receiver */
		s->room.shut_rd = receiver_shut;
}

static bool dgram_may_pend(const struct op *op)
{
	return op->kind == OP_RECV;
}

static bool dgram_can_pend(const struct model *m, const struct kobj *o, const struct op *op)
{
	const struct dgram_state *s = o->state;
	(void)m;
	(void)op;
	return !s->room.unsure;
}

static bool dgram_try_finish(struct model *m, struct kobj *o, const struct op *op, bool removed,
			     struct expect *ex)
{
	(void)removed;
	return dgram_take(m, o, op, false, ex);
}

const struct class_model model_datagram = {
	.new_state = dgram_new,
	.free_state = dgram_free,
	.send = dgram_send,
	.recv = dgram_recv,
	.setopt = dgram_setopt,
	.may_pend = dgram_may_pend,
	.try_finish = dgram_try_finish,
	.can_pend = dgram_can_pend,
	.ctx_new = dgram_ctx_new,
	.ctx_free = free,
	.ctx_reset = dgram_ctx_reset,
	.actor_gone = dgram_actor_gone,
	.no_ident = true, /* but for unix-*: their access rule */
	.two_ends = true,
};
