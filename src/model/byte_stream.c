/* Byte-stream model: no message edges, in order, EOF when the last writer
 * is gone, EPIPE when the last reader is.  Capacity is accounted the way the
 * kernel's pipe ring does it (pages; a small write merges into the last page
 * only if it fits there), so "would block" and partial writes are exact. */
#include "model.h"

#include "../../targets/common/socket.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SLOTS 256

struct stream_state {
	unsigned max_slots; /* pipe capacity in pages */
	unsigned nslots, head;
	struct {
		uint32_t off, len;
		bool fd;     /* unix-stream: a descriptor rides on this send */
		uint8_t tag; /* ... and the tag it carries */
	} slot[MAX_SLOTS];
	size_t nbytes;
	uint8_t *bytes;	       /* FIFO of the bytes in the pipe, oldest first */
	struct sock_room room; /* sockets: what the sender's buffer holds */
	bool fin_sent;	       /* tcp: the sender's shutdown sent its FIN */
};

static void *stream_new(const struct model *m, const struct op *create, void *reuse)
{
	struct stream_state *s = reuse;
	unsigned slots = (unsigned)(m->lim.pipe_default_size / m->lim.page_size);
	(void)create;
	if (!s) {
		s = calloc(1, sizeof *s);
		/* Room for the default size or the largest OP_SETOPT can ask for. */
		size_t room = (size_t)slots * (size_t)m->lim.page_size;
		s->bytes = malloc(room > IPCF_MAX_LEN + 1 ? room : IPCF_MAX_LEN + 1);
	}
	s->max_slots = slots > MAX_SLOTS ? MAX_SLOTS : slots;
	s->nslots = s->head = 0;
	s->nbytes = 0;
	return s;
}

static void stream_free(void *p)
{
	struct stream_state *s = p;
	if (s)
		free(s->bytes);
	free(s);
}

#define SLOT(s, i) ((s)->slot[((s)->head + (i)) % MAX_SLOTS])

/* fifo through io_uring (targets/fifo.c): a FIFO opened by path has no
 * FMODE_NOWAIT, so the ring polls it before a blocking READ or WRITE and
 * makes the call once poll says ready (measured, 6.18).  So the ring waits
 * where read(2) or write(2) would not: a read of 0 bytes from an empty FIFO
 * (read(2): 0 at once); a READ of an empty FIFO without writers (EOF), if
 * the reader opened non-blocking with no writer and none opened since
 * (pipe_poll holds EPOLLHUP back; which readers those are is not followed
 * here, so the ring may wait); a write, even of 0 bytes, while every page
 * of the FIFO is in use (write(2) merges a small write into the last
 * page).  SPLICE and TEE wait in the pipe code, as read(2) does.  Such an
 * op is predicted to block and may not be left pending: it runs
 * non-blocking, which on a FIFO is the system call. */
static bool fifo_ring_waits(const struct model *m, const struct kobj *o, const struct op *op)
{
	const struct stream_state *s = o->state;
	int k = model_kobj_index(m, o);

	if (m->mech->open_rule != OPEN_FIFO || !(op->flags & OPF_URING) || (op->flags & OPF_NOWAIT))
		return false;
	if (op->kind == OP_SEND)
		return s->nslots >= s->max_slots && model_count_ends(m, k, OPF_READ);
	if (s->nbytes)
		return false;
	return !op->len || (op->seed == VIA_READ && !model_count_ends(m, k, OPF_WRITE));
}

static void stream_send(struct model *m, struct kobj *o, const struct op *op,
			const uint8_t *payload, struct expect *ex, bool *blocks)
{
	struct stream_state *s = o->state;
	size_t page = (size_t)m->lim.page_size, len = op->len, done = 0;

	ex->ret = 0;
	if (fifo_ring_waits(m, o, op)) {
		*blocks = true;
		return;
	}
	if (len == 0)
		return; /* a null write succeeds before anything is checked */
	if (!model_count_ends(m, model_kobj_index(m, o), OPF_READ)) {
		ex->ret = -1;
		ex->err = EPIPE;
		return;
	}
	/* Would it fit without waiting?  A blocking write that would wait is not
	 * run as such (its partial progress is not deterministic). */
	size_t chars = len & (page - 1);
	bool merge = chars && s->nslots &&
		     SLOT(s, s->nslots - 1).off + SLOT(s, s->nslots - 1).len + chars <= page;
	size_t need = (len - (merge ? chars : 0) + page - 1) / page;
	if (!(op->flags & OPF_NOWAIT) && s->nslots + need > s->max_slots) {
		*blocks = true;
		return;
	}
	if (merge) {
		SLOT(s, s->nslots - 1).len += (uint32_t)chars;
		done = chars;
	}
	while (done < len && s->nslots < s->max_slots) {
		size_t take = len - done < page ? len - done : page;
		SLOT(s, s->nslots).off = 0;
		SLOT(s, s->nslots).len = (uint32_t)take;
		SLOT(s, s->nslots).fd = false;
		s->nslots++;
		done += take;
	}
	memcpy(s->bytes + s->nbytes, payload, done);
	s->nbytes += done;
	if (!done) {
		ex->ret = -1;
		ex->err = EAGAIN;
		return;
	}
	ex->ret = (int64_t)done;
}

/* A stream socket's read (unix_stream_read_generic): one send is one skb;
 * the bytes of several run together, but a read stops after the first skb
 * that carried descriptors (SCM_RIGHTS), which it delivers once, even when
 * it takes 0 bytes of it.  MSG_PEEK leaves everything, walks on past a full
 * buffer and passes copies of the first descriptors it meets. */
static bool sock_take(struct stream_state *s, size_t cap, unsigned flags, struct expect *ex)
{
	size_t n = 0;
	unsigned i = 0;
	bool peek = flags & OPF_PEEK;

	ex->has_mtype = true;
	ex->mtype = 0;
	do {
		if (i >= s->nslots)
			break;
		uint32_t len = SLOT(s, i).len, take = len;
		bool fd = SLOT(s, i).fd;
		if (take > cap - n)
			take = (uint32_t)(cap - n);
		if (fd)
			ex->mtype = flags & OPF_NOERROR ? SOCK_ANC_CTRUNC
							: SOCK_ANC_FD | SLOT(s, i).tag;
		n += take;
		if (peek) {
			if (fd)
				break;
			i++;
			continue;
		}
		SLOT(s, i).fd = false;
		SLOT(s, i).off += take;
		SLOT(s, i).len -= take;
		if (SLOT(s, i).len)
			break;
		s->head = (s->head + 1) % MAX_SLOTS;
		s->nslots--;
		if (fd)
			break;
	} while (peek || n < cap);
	memcpy(ex->data, s->bytes, n);
	ex->ret = (int64_t)n;
	ex->len = (uint32_t)n;
	if (peek)
		return true;
	memmove(s->bytes, s->bytes + n, s->nbytes - n);
	s->nbytes -= n;
	if (!s->nbytes)
		s->room.charged = 0;
	return true;
}

/* Takes up to cap bytes; returns false when the read would wait.  flags:
 * the receive's (sockets: peek, noerror). */
static bool stream_take(struct model *m, struct kobj *o, size_t cap, bool nowait, unsigned flags,
			struct expect *ex)
{
	struct stream_state *s = o->state;
	size_t n = 0;

	ex->ret = 0;
	ex->len = 0;
	if (cap == 0 && !s->room.sock)
		return true;
	if (!s->nbytes) {
		if (!model_count_ends(m, model_kobj_index(m, o), OPF_WRITE) || s->room.shut)
			return true; /* EOF */
		if (!nowait)
			return false;
		ex->ret = -1;
		ex->err = EAGAIN;
		return true;
	}
	if (s->room.sock)
		return sock_take(s, cap, flags, ex);
	while (n < cap && s->nslots) {
		uint32_t take = SLOT(s, 0).len;
		if (take > cap - n)
			take = (uint32_t)(cap - n);
		SLOT(s, 0).off += take;
		SLOT(s, 0).len -= take;
		n += take;
		if (!SLOT(s, 0).len) {
			s->head = (s->head + 1) % MAX_SLOTS;
			s->nslots--;
		}
	}
	memcpy(ex->data, s->bytes, n);
	memmove(s->bytes, s->bytes + n, s->nbytes - n);
	s->nbytes -= n;
	if (!s->nbytes)
		s->room.charged = 0;
	ex->ret = (int64_t)n;
	ex->len = (uint32_t)n;
	return true;
}

static void stream_recv(struct model *m, struct kobj *o, const struct op *op, struct expect *ex,
			bool *blocks)
{
	*blocks = fifo_ring_waits(m, o, op) ||
		  !stream_take(m, o, op->len, op->flags & OPF_NOWAIT, 0, ex);
}

static void stream_setopt(struct model *m, struct kobj *o, const struct op *op, struct expect *ex)
{
	struct stream_state *s = o->state;
	size_t page = (size_t)m->lim.page_size, size = page;

	while (size < op->len)
		size <<= 1; /* round_pipe_size: at least a page, a power of two */
	unsigned slots = (unsigned)(size / page);
	if (slots < s->nslots) {
		ex->ret = -1;
		ex->err = EBUSY;
		return;
	}
	s->max_slots = slots;
	ex->ret = (int64_t)size;
}

static bool stream_may_pend(const struct op *op)
{
	return op->kind == OP_RECV; /* a blocked reader wakes once, whole */
}

static bool stream_can_pend(const struct model *m, const struct kobj *o, const struct op *op)
{
	return !fifo_ring_waits(m, o, op);
}

static bool stream_try_finish(struct model *m, struct kobj *o, const struct op *op, bool removed,
			      struct expect *ex)
{
	(void)removed;
	return stream_take(m, o, op->len, false, op->flags, ex);
}

const struct class_model model_byte_stream = {
	.new_state = stream_new,
	.free_state = stream_free,
	.send = stream_send,
	.recv = stream_recv,
	.setopt = stream_setopt,
	.may_pend = stream_may_pend,
	.can_pend = stream_can_pend,
	.try_finish = stream_try_finish,
};

/* A stream socket (unix-stream, tcp): the same bytes in order, no edges,
 * EOF once every sender is gone or the stream is shut down.  Capacity is
 * the sender's buffer, counted as the most the kernel can charge for what
 * is queued (sock_room); beyond what surely fits, the model stops following
 * the object (ex.unsure) rather than guess. */
static void *sock_stream_new(const struct model *m, const struct op *create, void *reuse)
{
	struct stream_state *s = reuse;

	if (!s) {
		s = calloc(1, sizeof *s);
		s->bytes = malloc(IPCF_MAX_OPS * (size_t)(IPCF_MAX_LEN + 1));
	}
	s->max_slots = MAX_SLOTS;
	s->nslots = s->head = 0;
	s->nbytes = 0;
	s->fin_sent = false;
	sock_room_init(m, create->actor, &s->room);
	return s;
}

static void sock_stream_send(struct model *m, struct kobj *o, const struct op *op,
			     const uint8_t *payload, struct expect *ex, bool *blocks)
{
	struct stream_state *s = o->state;
	size_t len = op->len;

	(void)blocks;
	ex->ret = 0;
	if (sock_room_unsure(m, &s->room, ex))
		return;
	bool readers = model_count_ends(m, model_kobj_index(m, o), OPF_READ) > 0;
	if (s->room.inet && !readers && s->nbytes) {
		/* tcp: the receiver closed with bytes unread, so it sent a RST:
		 * ECONNRESET once, then EPIPE. */
		ex->ret = -1;
		ex->err = ECONNRESET;
		s->nbytes = 0;
		s->nslots = 0;
		s->room.warned = true;
		return;
	}
	if (s->room.inet && !readers && !s->room.shut && !s->room.warned) {
		/* tcp: after its FIN the peer is only half closed: the first
		 * bytes are taken (and answered by a RST), then EPIPE. */
		s->room.warned = len > 0;
		ex->ret = (int64_t)len;
		return;
	}
	if (s->room.shut || !readers) {
		ex->ret = -1;
		ex->err = EPIPE; /* a stream's peer gone or shut: EPIPE, even for 0 bytes */
		/* tcp, the receiver closed, then the sender shut its side: its
		 * FIN finds the receiver's orphan in FIN_WAIT2 (EPIPE), unless
		 * a delayed ACK let that orphan go on to TIME_WAIT first, which
		 * the sandbox does not keep (tcp_max_tw_buckets 0): then the FIN
		 * is answered by a RST, and the first send is ECONNRESET.  (The
		 * model keeps no order of the close and the shutdown: only a close
		 * first can see it, and the other is let through too.) */
		if (s->room.inet && s->fin_sent && !readers) {
			ex->err_alt = ECONNRESET;
			ex->varies = true;
		}
		return;
	}
	if (!len)
		return;
	if (!sock_room_charge(m, &s->room, len, ex))
		return;
	SLOT(s, s->nslots).off = 0;
	SLOT(s, s->nslots).len = (uint32_t)len;
	SLOT(s, s->nslots).fd = !s->room.inet && (op->flags & OPF_RIGHTS);
	SLOT(s, s->nslots).tag = op->seed;
	s->nslots++;
	memcpy(s->bytes + s->nbytes, payload, len);
	s->nbytes += len;
	ex->ret = (int64_t)len;
}

static void sock_stream_recv(struct model *m, struct kobj *o, const struct op *op,
			     struct expect *ex, bool *blocks)
{
	struct stream_state *s = o->state;

	bool nowait = op->flags & OPF_NOWAIT;

	if (sock_room_unsure(m, &s->room, ex))
		return;
	/* tcp: a blocking receive of 0 bytes returns 0 at the socket's first
	 * wake-up of any kind, even a signal: not a result to predict, so it
	 * runs non-blocking. */
	if (s->room.inet && !op->len && !s->nbytes && !nowait) {
		nowait = true;
		m->cur->force_nowait = true;
	}
	*blocks = !stream_take(m, o, op->len, nowait, op->flags, ex);
}

static void sock_stream_setopt(struct model *m, struct kobj *o, const struct op *op,
			       struct expect *ex)
{
	struct stream_state *s = o->state;
	unsigned have = m->h[op->actor][op->obj].ends;

	if (sock_join_peercred(m, o, op, ex))
		return;
	/* tcp: once the model stopped following the connection (a SHUT_RD),
	 * whether a RST closed it, and so a shutdown's ENOTCONN, is beyond it
	 * (found by AFL++). */
	if (s->room.inet && op->arg == OPT_SHUTDOWN && sock_room_unsure(m, &s->room, ex))
		return;
	/* tcp: a RST (the receiver closed with bytes unread, or a send after
	 * its FIN) closed the connection, or both FINs were exchanged (the
	 * sender's shutdown sent one and the receiver is gone): shutting the
	 * sender is ENOTCONN. */
	bool shut_wr =
		s->room.inet && op->arg == OPT_SHUTDOWN && op->len % 3u != 0 && (have & OPF_WRITE);
	if (shut_wr && !(have & OPF_READ) &&
	    !model_count_ends(m, model_kobj_index(m, o), OPF_READ) &&
	    (s->nbytes || s->room.warned || s->fin_sent)) {
		ex->ret = -1;
		ex->err = ENOTCONN;
		return;
	}
	sock_room_shutdown(m, &s->room, op, true, ex);
	s->fin_sent |= shut_wr && !ex->err;
	/* tcp's SHUT_RD is the receiver's own business: the sender goes on,
	 * and what then arrives is not something this model follows. */
	if (s->room.inet && op->arg == OPT_SHUTDOWN && op->len % 3u != 1 && !ex->err)
		s->room.unsure = true;
}

static bool sock_stream_can_pend(const struct model *m, const struct kobj *o, const struct op *op)
{
	const struct stream_state *s = o->state;
	(void)m;
	(void)op;
	return !s->room.unsure;
}

const struct class_model model_socket_stream = {
	.new_state = sock_stream_new,
	.free_state = stream_free,
	.send = sock_stream_send,
	.recv = sock_stream_recv,
	.setopt = sock_stream_setopt,
	.may_pend = stream_may_pend,
	.try_finish = stream_try_finish,
	.can_pend = sock_stream_can_pend,
	.no_ident = true, /* but for unix-stream: its access rule */
	.two_ends = true,
};
