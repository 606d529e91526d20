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
 *   written;
 * - ftruncate (setopt truncate) changes the object, not the mappings: a
 *   record on a page past the new end faults (SIGBUS: ENXIO) before any
 *   byte of it is written, a shrink loses what was past the end;
 * - memfd seals: SHRINK and GROW refuse the truncate (EPERM), SEAL refuses
 *   every later seal (EPERM), WRITE is EBUSY while anyone else has it
 *   mapped; the sealing handle maps itself again read-only, and a later
 *   read-write join fails (EPERM);
 * - an anonymous mapping (fdless) reaches no peer (a join: EBADF), only a
 *   forked child (send fork);
 * - copy-on-write (cow_private: create name=private maps MAP_PRIVATE): the
 *   handle's stores copy their pages (the lock's page at its first op), it
 *   sees the object's pages it has not copied, and nobody sees its copies,
 *   nor a forked child's.  A truncate under it makes its view unsure. */
#include "model.h"

#include "../../targets/common/shm_region.h"
#include "../util/record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CAP_IPC_OWNER_BIT 15

struct records_state {
	size_t size;	/* bytes of the record region a handle maps */
	size_t segsz;	/* SysV: the size shmget was asked for */
	size_t eof;	/* record bytes the object has now (ftruncate) */
	unsigned seals; /* memfd: bit (opt - OPT_SEAL_WRITE) */
	bool doomed;	/* SysV: IPC_RMID while attached */
	bool cut;	/* truncated under a private mapping: its view is unsure */
	uint8_t *image;
};

/* A MAP_PRIVATE handle: the pages it has written are its own copies. */
struct cow_view {
	bool on;
	uint64_t copied; /* bit p: page p of the object is this handle's copy */
	uint8_t *image;	 /* the record region as this handle's copies hold it */
};

/* Per handle: what its mapping allows. */
struct records_ctx {
	bool rdonly[IPCF_ACTORS][IPCF_OBJS];
	size_t maplen[IPCF_ACTORS][IPCF_OBJS]; /* record bytes it has mapped */
	struct cow_view cow[IPCF_ACTORS][IPCF_OBJS];
};

#define IMAGE_CAP (IPCF_MAX_LEN + 1 + 65536)

#define SEAL(opt) (1u << ((opt)-OPT_SEAL_WRITE))

static bool sysv(const struct model *m)
{
	return m->mech->naming == NAMING_SYSV_KEY;
}

static size_t segment_bytes(const struct op *create)
{
	return create->len ? SHM_HDR_BYTES + create->len : 0;
}

/* The record bytes a handle can touch without SIGBUS: the object's pages. */
static size_t reachable(const struct model *m, const struct records_state *r)
{
	size_t pg = (size_t)m->lim.page_size;
	return (SHM_HDR_BYTES + r->eof + pg - 1) / pg * pg - SHM_HDR_BYTES;
}

static void *records_new(const struct model *m, const struct op *create, void *reuse)
{
	struct records_state *r = reuse;
	if (!r) {
		r = calloc(1, sizeof *r);
		r->image = malloc(IMAGE_CAP);
	}
	r->size = create->len;
	r->segsz = segment_bytes(create);
	r->seals = 0;
	r->doomed = false;
	r->cut = false;
	if (sysv(m)) { /* the mapping is whole pages */
		size_t pg = (size_t)m->lim.page_size;
		r->size = (r->segsz + pg - 1) / pg * pg - SHM_HDR_BYTES;
	}
	r->eof = r->size;
	memset(r->image, 0, reachable(m, r)); /* a new object reads as zeros */
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

static void records_ctx_free(void *p)
{
	struct records_ctx *ctx = p;
	for (int a = 0; ctx && a < IPCF_ACTORS; a++)
		for (int s = 0; s < IPCF_OBJS; s++)
			free(ctx->cow[a][s].image);
	free(ctx);
}

/* Buffers stay for the whole run: a fuzz iteration does not allocate. */
static void records_ctx_reset(struct model *m)
{
	struct records_ctx *ctx = m->ctx;
	memset(ctx->rdonly, 0, sizeof ctx->rdonly);
	memset(ctx->maplen, 0, sizeof ctx->maplen);
	for (int a = 0; a < IPCF_ACTORS; a++)
		for (int s = 0; s < IPCF_OBJS; s++)
			ctx->cow[a][s].on = false;
}

/* Page p of the object covers these bytes of the record region. */
static void page_span(const struct model *m, unsigned p, size_t maplen, size_t *lo, size_t *hi)
{
	size_t pg = (size_t)m->lim.page_size, start = p * pg, end = start + pg;
	*lo = start < SHM_HDR_BYTES ? 0 : start - SHM_HDR_BYTES;
	*hi = end - SHM_HDR_BYTES < maplen ? end - SHM_HDR_BYTES : maplen;
}

/* A store into the region's bytes [lo, hi) copies their pages first. */
static void cow_touch(const struct model *m, const struct records_state *r, struct cow_view *v,
		      size_t maplen, size_t lo, size_t hi)
{
	size_t pg = (size_t)m->lim.page_size;
	for (size_t p = (SHM_HDR_BYTES + lo) / pg; lo < hi && p <= (SHM_HDR_BYTES + hi - 1) / pg;
	     p++) {
		size_t a, b;
		if (p >= 64 || (v->copied >> p & 1))
			continue;
		page_span(m, (unsigned)p, maplen, &a, &b);
		if (a < b)
			memcpy(v->image + a, r->image + a, b - a);
		v->copied |= 1ull << p;
	}
}

/* What a private handle sees: its copies, the object's pages elsewhere. */
static const uint8_t *cow_read_view(struct model *m, const struct records_state *r,
				    const struct cow_view *v, size_t maplen)
{
	uint8_t *out = model_scratch(m, IPCF_ACTORS);
	size_t pg = (size_t)m->lim.page_size;
	for (unsigned p = 0; p * pg < SHM_HDR_BYTES + maplen; p++) {
		size_t a, b;
		page_span(m, p, maplen, &a, &b);
		const uint8_t *from = p < 64 && (v->copied >> p & 1) ? v->image : r->image;
		if (a < b)
			memcpy(out + a, from + a, b - a);
	}
	return out;
}

static void set_result(struct expect *ex, long r)
{
	ex->ret = r < 0 ? -1 : r;
	ex->err = r < 0 ? (int32_t)-r : 0;
}

static long write_err(const struct model *m, const struct records_state *r, size_t maplen,
		      size_t off, size_t len)
{
	if (off > maplen || maplen - off < RECORD_HDR || maplen - off - RECORD_HDR < len)
		return -ERANGE;
	if (off + RECORD_HDR + len > reachable(m, r))
		return -SHM_ERR_BUS; /* its last byte, touched first, faults */
	return 0;
}

static long image_write(const struct model *m, struct records_state *r, size_t maplen, size_t off,
			const uint8_t *payload, size_t len)
{
	long e = write_err(m, r, maplen, off, len);
	return e ? e : record_write(r->image, maplen, off, payload, len, 0);
}

/* As record_read goes: the header, its length, the payload's checksum. */
static long image_read(const struct model *m, const struct records_state *r, size_t maplen,
		       size_t off, uint8_t *out, size_t cap)
{
	uint32_t len;

	if (off > maplen || maplen - off < RECORD_HDR)
		return -ERANGE;
	if (off + RECORD_HDR > reachable(m, r))
		return -SHM_ERR_BUS;
	memcpy(&len, r->image + off, sizeof len);
	if (len > maplen - off - RECORD_HDR)
		return -ERANGE;
	if (len && off + RECORD_HDR + len > reachable(m, r))
		return -SHM_ERR_BUS;
	return record_read(r->image, maplen, off, out, cap);
}

static void records_send(struct model *m, struct kobj *o, const struct op *op,
			 const uint8_t *payload, struct expect *ex, bool *blocks)
{
	struct records_state *r = o->state;
	struct records_ctx *ctx = m->ctx;
	struct cow_view *v = &ctx->cow[op->actor][op->obj];
	size_t maplen = ctx->maplen[op->actor][op->obj], off = (uint16_t)op->arg;
	(void)blocks;
	if (ctx->rdonly[op->actor][op->obj]) {
		/* Out of bounds, or a last byte past the end, come first; then
		 * the first store faults: nothing written. */
		long e = write_err(m, r, maplen, off, op->len);
		set_result(ex, e ? e : -SHM_ERR_SEGV);
		return;
	}
	if (v->on && r->cut) {
		ex->unsure = true; /* which private pages a truncate kept: not modelled */
		return;
	}
	struct records_state view = *r;
	long e;
	if (v->on && !(op->flags & OPF_FORK)) {
		/* Its own store: the lock's page, then the record's, are copied. */
		cow_touch(m, r, v, maplen, 0, 1);
		if (!(e = write_err(m, r, maplen, off, op->len))) {
			cow_touch(m, r, v, maplen, off, off + RECORD_HDR + op->len);
			record_write(v->image, maplen, off, payload, op->len, 0);
		}
		set_result(ex, e ? e : op->len);
		return;
	}
	/* A forked child writes into the object, or (private) its own copy. */
	if (v->on)
		view.image = (uint8_t *)cow_read_view(m, r, v, maplen);
	e = image_write(m, &view, maplen, off, payload, op->len);
	set_result(ex, e ? e : op->len);
}

static void records_recv(struct model *m, struct kobj *o, const struct op *op, struct expect *ex,
			 bool *blocks)
{
	struct records_state *r = o->state;
	struct records_ctx *ctx = m->ctx;
	struct cow_view *v = &ctx->cow[op->actor][op->obj];
	size_t maplen = ctx->maplen[op->actor][op->obj];
	struct records_state view = *r;
	(void)blocks;
	if (v->on && r->cut) {
		ex->unsure = true;
		return;
	}
	if (v->on) {
		cow_touch(m, r, v, maplen, 0, 1); /* the lock, in the first page */
		view.image = (uint8_t *)cow_read_view(m, r, v, maplen);
	}
	long n = image_read(m, &view, maplen, (uint16_t)op->arg, ex->data, op->len);
	set_result(ex, n);
	if (n > 0)
		ex->len = (uint32_t)(n < op->len ? n : op->len);
}

static int attached(const struct model *m, int k)
{
	return model_count_ends(m, k, OPF_READ | OPF_WRITE);
}

/* ftruncate(fd, header + value); a handle that reopened the name
 * read-only (join rdonly) holds a descriptor ftruncate refuses. */
static long truncate_to(struct model *m, struct kobj *o, const struct op *op)
{
	struct records_state *r = o->state;
	const struct records_ctx *ctx = m->ctx;
	size_t to = op->len;

	if (ctx->rdonly[op->actor][op->obj] && m->mech->join_path == JOIN_BY_NAME)
		return -EINVAL;
	if ((to < r->eof && (r->seals & SEAL(OPT_SEAL_SHRINK))) ||
	    (to > r->eof && (r->seals & SEAL(OPT_SEAL_GROW))))
		return -EPERM;
	/* shmem: a truncate that does not grow zeroes everything past the new
	 * end, the rest of its last page too; a grow keeps what stores left
	 * past the old end in its last page (measured), the rest is zeros. */
	size_t was = reachable(m, r);
	if (to <= r->eof)
		memset(r->image + to, 0, was - to);
	r->eof = to;
	/* pages the grow adds read as zeros (the image there is an earlier
	 * object's, or never written: state buffers live for the whole run) */
	if (reachable(m, r) > was)
		memset(r->image + was, 0, reachable(m, r) - was);
	for (int a = 0; a < IPCF_ACTORS; a++)
		for (int s = 0; s < IPCF_OBJS; s++)
			r->cut |= ctx->cow[a][s].on && m->h[a][s].kobj == model_kobj_index(m, o);
	return 0;
}

/* F_ADD_SEALS.  The handle lets go of its own mapping first and maps the
 * object again after it (read-only once it is write-sealed). */
static long add_seal(struct model *m, struct kobj *o, const struct op *op)
{
	struct records_state *r = o->state;
	struct records_ctx *ctx = m->ctx;
	unsigned seal = SEAL((unsigned)op->arg);
	long err = 0;

	if (r->seals & SEAL(OPT_SEAL_SEAL))
		err = -EPERM;
	else if (seal == SEAL(OPT_SEAL_WRITE) && !(r->seals & seal) &&
		 attached(m, model_kobj_index(m, o)) > 1)
		err = -EBUSY; /* someone else still has it mapped */
	else
		r->seals |= seal;
	if (seal == SEAL(OPT_SEAL_WRITE)) {
		ctx->maplen[op->actor][op->obj] = r->eof;
		ctx->rdonly[op->actor][op->obj] |= (r->seals & seal) != 0;
	}
	return err;
}

/* sync: setopt guard writes the header (the lock's page): EINVAL past the
 * kinds, EFAULT through a read-only mapping, a private one copies it. */
static long set_guard(struct model *m, struct kobj *o, const struct op *op)
{
	struct records_ctx *ctx = m->ctx;
	struct cow_view *v = &ctx->cow[op->actor][op->obj];

	if (op->len >= SHM_GUARD_COUNT)
		return -EINVAL;
	if (ctx->rdonly[op->actor][op->obj])
		return -SHM_ERR_SEGV;
	if (v->on)
		cow_touch(m, o->state, v, ctx->maplen[op->actor][op->obj], 0, 1);
	return 0;
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
	case OPT_TRUNCATE:
		set_result(ex, truncate_to(m, o, op));
		return;
	case OPT_SEAL_WRITE:
	case OPT_SEAL_SHRINK:
	case OPT_SEAL_GROW:
	case OPT_SEAL_SEAL:
		set_result(ex, add_seal(m, o, op));
		return;
	case OPT_GUARD: /* sync: any kind keeps records whole one op at a time */
		set_result(ex, set_guard(m, o, op));
		return;
	default:
		set_result(ex, -ENOTSUP);
	}
}

static bool records_is_query(const struct op *op)
{
	return op->arg == OPT_NATTCH || op->arg == OPT_GUARD;
}

/* shmget's size rules, and the read-write attach every create makes. */
static int records_open_err(const struct model *m, int k, const struct op *op)
{
	size_t want = segment_bytes(op);

	if (op->kind == OP_JOIN && m->mech->fdless)
		return EBADF;	   /* nothing to inherit but through fork */
	if (op->kind == OP_JOIN) { /* a read-write mapping of a write-sealed memfd */
		const struct records_state *r = m->objs[k].state;
		bool sealed = (r->seals & SEAL(OPT_SEAL_WRITE)) != 0;
		return sealed && !(op->flags & OPF_RDONLY) ? EPERM : 0;
	}
	if (!sysv(m))
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
	const struct records_state *r = m->objs[k].state;
	struct cow_view *v = &ctx->cow[op->actor][op->obj];
	ctx->rdonly[op->actor][op->obj] =
		op->kind == OP_JOIN && (op->flags & OPF_RDONLY) && m->mech->rdonly_join;
	ctx->maplen[op->actor][op->obj] = r->eof;
	/* create name=private maps MAP_PRIVATE where the mechanism says so */
	v->on = m->mech->cow_private && op->kind == OP_CREATE && op_create_form(op) == NAME_PRIVATE;
	v->copied = 0;
	if (v->on && !v->image)
		v->image = malloc(IMAGE_CAP);
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
