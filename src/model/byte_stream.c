/* Byte-stream model: no message edges, in order, EOF when the last writer
 * is gone, EPIPE when the last reader is.  Capacity is accounted the way the
 * kernel's pipe ring does it (pages; a small write merges into the last page
 * only if it fits there), so "would block" and partial writes are exact. */
#include "model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SLOTS 256

struct stream_state {
	unsigned max_slots; /* pipe capacity in pages */
	unsigned nslots, head;
	struct {
		uint32_t off, len;
	} slot[MAX_SLOTS];
	size_t nbytes;
	uint8_t *bytes; /* FIFO of the bytes in the pipe, oldest first */
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

static void stream_send(struct model *m, struct kobj *o, const struct op *op,
			const uint8_t *payload, struct expect *ex, bool *blocks)
{
	struct stream_state *s = o->state;
	size_t page = (size_t)m->lim.page_size, len = op->len, done = 0;

	ex->ret = 0;
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

/* Takes up to cap bytes; returns false when the read would wait. */
static bool stream_take(struct model *m, struct kobj *o, size_t cap, bool nowait, struct expect *ex)
{
	struct stream_state *s = o->state;
	size_t n = 0;

	ex->ret = 0;
	ex->len = 0;
	if (cap == 0)
		return true;
	if (!s->nbytes) {
		if (!model_count_ends(m, model_kobj_index(m, o), OPF_WRITE))
			return true; /* EOF */
		if (!nowait)
			return false;
		ex->ret = -1;
		ex->err = EAGAIN;
		return true;
	}
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
	ex->ret = (int64_t)n;
	ex->len = (uint32_t)n;
	return true;
}

static void stream_recv(struct model *m, struct kobj *o, const struct op *op, struct expect *ex,
			bool *blocks)
{
	*blocks = !stream_take(m, o, op->len, op->flags & OPF_NOWAIT, ex);
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

static bool stream_try_finish(struct model *m, struct kobj *o, const struct op *op, bool removed,
			      struct expect *ex)
{
	(void)removed;
	return stream_take(m, o, op->len, false, ex);
}

const struct class_model model_byte_stream = {
	.new_state = stream_new,
	.free_state = stream_free,
	.send = stream_send,
	.recv = stream_recv,
	.setopt = stream_setopt,
	.may_pend = stream_may_pend,
	.try_finish = stream_try_finish,
};
