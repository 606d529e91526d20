/* Shared-records model: an image of the shared region.  Every record is
 * written and read under the segment's lock, so a read returns exactly what
 * the image holds; a torn, stale or lost write shows as a different result. */
#include "model.h"

#include "../util/record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct records_state {
	size_t size;
	uint8_t *image;
};

static void *records_new(const struct model *m, const struct op *create, void *reuse)
{
	struct records_state *r = reuse;
	(void)m;
	if (!r) {
		r = calloc(1, sizeof *r);
		r->image = malloc(IPCF_MAX_LEN + 1);
	}
	r->size = create->len;
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

static void set_result(struct expect *ex, long r)
{
	ex->ret = r < 0 ? -1 : r;
	ex->err = r < 0 ? (int32_t)-r : 0;
}

static void records_send(struct model *m, struct kobj *o, const struct op *op,
			 const uint8_t *payload, struct expect *ex, bool *blocks)
{
	struct records_state *r = o->state;
	(void)m;
	(void)blocks;
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
	.setopt = NULL,
	.may_pend = records_may_pend,
	.try_finish = records_try_finish,
};
