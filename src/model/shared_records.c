/* Shared-records model: an image of the shared region.  Every record is
 * written and read under the segment's lock, so a read returns exactly what
 * the image holds; a torn, stale or lost write shows as a different result.
 *
 * What the shared-memory mechanisms add beside the records:
 * - SysV segments (NAMING_SYSV_KEY) come in whole pages, refuse sizes out
 *   of [1, shmmax] and larger than an existing segment (EINVAL), count
 *   their attachments (shm_nattch: one per handle) and, removed while
 *   attached, live on until the last handle detaches;
 * - a read-only handle (join rdonly) faults on a write: EFAULT, nothing
 *   written. */
#include "model.h"

#include "../../targets/common/shm_region.h"
#include "../util/record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CAP_IPC_OWNER_BIT 15

struct records_state {
	size_t size;  /* bytes of the record region a handle maps */
	size_t segsz; /* SysV: the size shmget was asked for */
	bool doomed;  /* SysV: IPC_RMID while attached */
	uint8_t *image;
};

/* Per handle: what its mapping allows. */
struct records_ctx {
	bool rdonly[IPCF_ACTORS][IPCF_OBJS];
};

static bool sysv(const struct model *m)
{
	return m->mech->naming == NAMING_SYSV_KEY;
}

static size_t segment_bytes(const struct op *create)
{
	return create->len ? SHM_HDR_BYTES + create->len : 0;
}

static void *records_new(const struct model *m, const struct op *create, void *reuse)
{
	struct records_state *r = reuse;
	if (!r) {
		r = calloc(1, sizeof *r);
		r->image = malloc(IPCF_MAX_LEN + 1 + 65536);
	}
	r->size = create->len;
	r->segsz = segment_bytes(create);
	r->doomed = false;
	if (sysv(m)) { /* the mapping is whole pages */
		size_t pg = (size_t)m->lim.page_size;
		r->size = (r->segsz + pg - 1) / pg * pg - SHM_HDR_BYTES;
	}
	memset(r->image, 0, r->size); /* a new object reads as zeros */
	return r;
}

static void records_free(void *p)
{
	struct records_state *r = p;
	if (r)
		free(r->image);
	free(r);
}

static void *records_ctx_new(const struct model *m)
{
	(void)m;
	return calloc(1, sizeof(struct records_ctx));
}

static void records_ctx_free(void *ctx)
{
	free(ctx);
}

static void records_ctx_reset(struct model *m)
{
	memset(m->ctx, 0, sizeof(struct records_ctx));
}

static void set_result(struct expect *ex, long r)
{
	ex->ret = r < 0 ? -1 : r;
	ex->err = r < 0 ? (int32_t)-r : 0;
}

static void records_send(struct model *m, struct kobj *o, const struct op *op,
			 const uint8_t *payload, struct expect *ex, bool *blocks)
{
	struct records_state *r = o->state;
	const struct records_ctx *ctx = m->ctx;
	(void)blocks;
	if (ctx->rdonly[op->actor][op->obj]) {
		set_result(ex, -SHM_ERR_SEGV); /* the store faults: nothing written */
		return;
	}
	int e = record_write(r->image, r->size, (uint16_t)op->arg, payload, op->len, 0);
	set_result(ex, e ? e : op->len);
}

static void records_recv(struct model *m, struct kobj *o, const struct op *op, struct expect *ex,
			 bool *blocks)
{
	struct records_state *r = o->state;
	(void)m;
	(void)blocks;
	long n = record_read(r->image, r->size, (uint16_t)op->arg, ex->data, op->len);
	set_result(ex, n);
	if (n > 0)
		ex->len = (uint32_t)(n < op->len ? n : op->len);
}

static int attached(const struct model *m, int k)
{
	return model_count_ends(m, k, OPF_READ | OPF_WRITE);
}

static void records_setopt(struct model *m, struct kobj *o, const struct op *op, struct expect *ex)
{
	unsigned opt = (uint16_t)op->arg;

	if (opt >= 64 || !((m->mech->options >> opt) & 1)) {
		set_result(ex, -ENOTSUP);
		return;
	}
	switch (opt) {
	case OPT_NATTCH:
		set_result(ex, attached(m, model_kobj_index(m, o)));
		return;
	default:
		set_result(ex, -ENOTSUP);
	}
}

static bool records_is_query(const struct op *op)
{
	return op->arg == OPT_NATTCH;
}

/* shmget's size rules, and the read-write attach every create makes. */
static int records_open_err(const struct model *m, int k, const struct op *op)
{
	size_t want = segment_bytes(op);

	if (!sysv(m) || op->kind != OP_CREATE)
		return 0;
	if (k < 0) {
		if (want < 1 || (m->lim.shmmax > 0 && want > (size_t)m->lim.shmmax))
			return EINVAL;
		bool rw = ((op_create_mode(op) >> 6) & 6) == 6;
		return rw || access_cap(m, op->actor, CAP_IPC_OWNER_BIT) ? 0 : EACCES;
	}
	const struct records_state *r = m->objs[k].state;
	if (want > r->segsz)
		return EINVAL;
	struct op attach = *op;
	attach.kind = OP_JOIN;
	attach.flags = 0;
	return access_check(m, op->actor, &m->objs[k], WANT_OPEN, &attach);
}

static void records_opened(struct model *m, int k, const struct op *op)
{
	struct records_ctx *ctx = m->ctx;
	(void)k;
	ctx->rdonly[op->actor][op->obj] = op->kind == OP_JOIN && (op->flags & OPF_RDONLY);
}

static bool records_rmid_now(struct model *m, int k)
{
	struct records_state *r = m->objs[k].state;
	if (!attached(m, k))
		return true;
	r->doomed = true; /* SHM_DEST: the key is gone, the segment stays */
	return false;
}

static void records_closed(struct model *m, int k, int actor, uint8_t role)
{
	const struct records_state *r = m->objs[k].state;
	(void)actor;
	(void)role;
	if (r->doomed && !attached(m, k))
		m->objs[k].removed = true;
}

static bool records_may_pend(const struct op *op)
{
	(void)op;
	return false;
}

static bool records_try_finish(struct model *m, struct kobj *o, const struct op *op, bool removed,
			       struct expect *ex)
{
	(void)m, (void)o, (void)op, (void)removed, (void)ex;
	return false;
}

const struct class_model model_shared_records = {
	.new_state = records_new,
	.free_state = records_free,
	.send = records_send,
	.recv = records_recv,
	.setopt = records_setopt,
	.may_pend = records_may_pend,
	.try_finish = records_try_finish,
	.ctx_new = records_ctx_new,
	.ctx_free = records_ctx_free,
	.ctx_reset = records_ctx_reset,
	.closed = records_closed,
	.open_err = records_open_err,
	.opened = records_opened,
	.rmid_now = records_rmid_now,
	.join_uses_id = true,
	.is_query = records_is_query,
};
