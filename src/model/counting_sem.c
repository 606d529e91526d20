/* Counting-semaphore model (sysv-sem, posix-sem): a value per semaphore, V
 * adds, P takes or waits.  The kernel does the arithmetic atomically, so
 * every op's result and every later GETVAL follow from the value alone.
 *
 * SysV (NAMING_SYSV_KEY): a set of nsems semaphores (create's size; 0 or
 * more than SEMMSL: EINVAL, more than an existing set has: EINVAL); semop
 * of one semaphore (arg; past the set: EFBIG) asks write permission, a
 * wait-for-zero (len 0) read; a result past SEMVMX is ERANGE, one below 0
 * waits (IPC_NOWAIT: EAGAIN) and a waiter is woken and done by the op
 * that lets it through (the kernel performs it for the sleeper); RMID wakes
 * it with EIDRM.  SEM_UNDO (setopt undo) keeps each process's adjustment
 * (beyond +-SEMAEM: ERANGE), applied when the process dies (clamped to
 * [0, SEMVMX]) and reset by SETVAL; a forked child's undo is its own, so
 * its V with undo is taken back when it exits.
 *
 * POSIX (named by sem_open, or unnamed: create name=private, sem_init in a
 * shared mapping that only forks reach): one semaphore; a post past
 * SEM_VALUE_MAX is EOVERFLOW; a wait of n takes what is there one at a
 * time and then waits (non-blocking: EAGAIN, timed: ETIMEDOUT, the value
 * taken stays taken).  A peer may be left blocked only in a single wait:
 * its wake-up is then one post. */
#include "model.h"

#include "../../targets/common/sem_count.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEMVMX_ 32767
#define SEMAEM_ SEMVMX_

struct sem_state {
	int nsems, cap;
	int64_t *val;
	int32_t *adj[IPCF_ACTORS]; /* SysV: each actor's SEM_UNDO adjustment */
};

struct sem_ctx {
	long semmsl;
	bool undo[IPCF_ACTORS][IPCF_OBJS]; /* the handle's semops say SEM_UNDO */
};

static bool sysv(const struct model *m)
{
	return m->mech->naming == NAMING_SYSV_KEY;
}

static void set_result(struct expect *ex, long r)
{
	ex->ret = r < 0 ? -1 : r;
	ex->err = r < 0 ? (int32_t)-r : 0;
}

static void *sem_new(const struct model *m, const struct op *create, void *reuse)
{
	struct sem_state *s = reuse;
	int n = sysv(m) ? create->len : 1;

	if (!s)
		s = calloc(1, sizeof *s);
	if (n > s->cap) {
		s->val = realloc(s->val, (size_t)n * sizeof s->val[0]);
		for (int a = 0; a < IPCF_ACTORS; a++)
			s->adj[a] = realloc(s->adj[a], (size_t)n * sizeof s->adj[a][0]);
		s->cap = n;
	}
	s->nsems = n;
	memset(s->val, 0, (size_t)n * sizeof s->val[0]);
	for (int a = 0; a < IPCF_ACTORS; a++)
		memset(s->adj[a], 0, (size_t)n * sizeof s->adj[a][0]);
	if (!sysv(m))
		s->val[0] = sem_posix_initial(create->len);
	return s;
}

static void sem_free(void *p)
{
	struct sem_state *s = p;
	if (!s)
		return;
	free(s->val);
	for (int a = 0; a < IPCF_ACTORS; a++)
		free(s->adj[a]);
	free(s);
}

/* SEMMSL of the sandbox's IPC namespace (kernel.sem: semmsl semmns ...). */
static void *sem_ctx_new(const struct model *m)
{
	struct sem_ctx *ctx = calloc(1, sizeof *ctx);
	FILE *f = fopen("/proc/sys/kernel/sem", "re");
	(void)m;
	ctx->semmsl = 32000;
	if (f) {
		if (fscanf(f, "%ld", &ctx->semmsl) != 1)
			ctx->semmsl = 32000;
		fclose(f);
	}
	return ctx;
}

static void sem_ctx_free(void *p)
{
	free(p);
}

static void sem_ctx_reset(struct model *m)
{
	struct sem_ctx *ctx = m->ctx;
	memset(ctx->undo, 0, sizeof ctx->undo);
}

/* One semop of sem_op on semaphore i (perform_atomic_semop): 0, -EAGAIN
 * when it would wait, -ERANGE; applied when it works. */
static long semop_apply(struct sem_state *s, int actor, int i, int sem_op, bool undo, bool forked)
{
	int64_t v = s->val[i];

	if (!sem_op && v)
		return -EAGAIN;
	if (v + sem_op < 0)
		return -EAGAIN;
	if (v + sem_op > SEMVMX_)
		return -ERANGE;
	if (undo && !forked) {
		int32_t u = s->adj[actor][i] - sem_op;
		if (u < -SEMAEM_ - 1 || u > SEMAEM_)
			return -ERANGE;
		s->adj[actor][i] = u;
	}
	/* A forked child's undo is taken back when it exits, at once. */
	if (!(undo && forked))
		s->val[i] = v + sem_op;
	return 0;
}

static int sysv_op(const struct op *op)
{
	return op->kind == OP_SEND ? op->len : -(int)op->len;
}

/* POSIX: n posts, one at a time (EOVERFLOW at SEM_VALUE_MAX), or a wait
 * of n that takes what is there (-EAGAIN: it would wait for the rest). */
static long posix_apply(struct sem_state *s, const struct op *op)
{
	unsigned n = sem_posix_count(op->len);

	if (op->kind == OP_SEND) {
		if (s->val[0] + n > SEM_POSIX_MAX) {
			s->val[0] = SEM_POSIX_MAX;
			return -EOVERFLOW;
		}
		s->val[0] += n;
		return 0;
	}
	if (s->val[0] >= n) {
		s->val[0] -= n;
		return 0;
	}
	return -EAGAIN;
}

static void sem_data(struct model *m, struct kobj *o, const struct op *op, struct expect *ex,
		     bool *blocks)
{
	struct sem_state *s = o->state;
	struct sem_ctx *ctx = m->ctx;
	long r;

	if (sysv(m)) {
		/* semop alters (write) unless it waits for zero (read) */
		int err = access_bits(m, op->actor, o, sysv_op(op) ? 2u : 4u);
		if (err) {
			set_result(ex, -err);
			return;
		}
		bool forked = op->kind == OP_SEND && (op->flags & OPF_FORK);
		/* A forked child's V with undo is taken back when it exits: a
		 * waiter it lets through first is interrupted beforehand. */
		if (forked && sysv_op(op) && ctx->undo[op->actor][op->obj])
			model_cancel_first_on(m, model_kobj_index(m, o), -1);
		r = semop_apply(s, op->actor, op->arg, sysv_op(op), ctx->undo[op->actor][op->obj],
				forked);
	} else {
		r = posix_apply(s, op);
	}
	if (r != -EAGAIN) {
		set_result(ex, r);
		return;
	}
	if (!sysv(m) && op->kind == OP_RECV)
		s->val[0] = 0; /* the waits so far took what there was */
	if (op->flags & OPF_NOWAIT)
		set_result(ex, -EAGAIN); /* sem_trywait, timed or not */
	else if (!sysv(m) && sem_timed_us(op->arg))
		set_result(ex, -ETIMEDOUT);
	else
		*blocks = true;
}

static void sem_send(struct model *m, struct kobj *o, const struct op *op, const uint8_t *payload,
		     struct expect *ex, bool *blocks)
{
	(void)payload;
	sem_data(m, o, op, ex, blocks);
}

/* SysV: EFBIG for a semaphore past the set, before the permission check. */
static int sem_arg_err(const struct model *m, const struct op *op)
{
	int k = m->h[op->actor][op->obj].kobj;
	const struct sem_state *s;

	if (!sysv(m) || k < 0)
		return 0;
	s = m->objs[k].state;
	return op->arg < 0 || op->arg >= s->nsems ? EFBIG : 0;
}

static void sem_setopt(struct model *m, struct kobj *o, const struct op *op, struct expect *ex)
{
	struct sem_state *s = o->state;
	struct sem_ctx *ctx = m->ctx;
	unsigned opt = (uint16_t)op->arg, num = op->len;
	int err;

	if (opt >= 64 || !((m->mech->options >> opt) & 1)) {
		set_result(ex, -ENOTSUP);
		return;
	}
	if (!sysv(m)) { /* sem_getvalue */
		set_result(ex, s->val[0]);
		return;
	}
	if (opt == OPT_SETVAL) {
		num = sem_setval_num(op->len);
		if ((int)num >= s->nsems) {
			set_result(ex, -EINVAL);
		} else if ((err = access_bits(m, op->actor, o, 2))) {
			set_result(ex, -err);
		} else {
			s->val[num] = sem_setval_val(op->len);
			for (int a = 0; a < IPCF_ACTORS; a++)
				s->adj[a][num] = 0; /* SETVAL clears every undo of it */
			set_result(ex, 0);
		}
		return;
	}
	/* GETVAL, IPC_STAT, and undo (which checks the set with IPC_STAT) */
	if ((err = access_bits(m, op->actor, o, 4))) {
		set_result(ex, -err);
		return;
	}
	switch (opt) {
	case OPT_GETVAL:
		set_result(ex, (int)num < s->nsems ? s->val[num] : -EINVAL);
		return;
	case OPT_SEMSTAT:
		set_result(ex, s->nsems);
		return;
	case OPT_UNDO:
		ctx->undo[op->actor][op->obj] = op->len & 1;
		set_result(ex, 0);
		return;
	default:
		set_result(ex, -ENOTSUP);
	}
}

/* Every option is judged by its own permission bits (access_bits). */
static bool sem_is_query(const struct op *op)
{
	(void)op;
	return true;
}

static bool sem_may_pend(const struct op *op)
{
	return !(op->kind == OP_SEND && (op->flags & OPF_FORK));
}

/* POSIX: only a single wait, untimed, wakes whole at one post. */
static bool sem_can_pend(const struct model *m, const struct kobj *o, const struct op *op)
{
	(void)o;
	return sysv(m) || (op->kind == OP_RECV && op->len <= 1 && !sem_timed_us(op->arg));
}

static bool sem_try_finish(struct model *m, struct kobj *o, const struct op *op, bool removed,
			   struct expect *ex)
{
	struct sem_state *s = o->state;
	struct sem_ctx *ctx = m->ctx;
	long r;

	if (removed) {
		set_result(ex, -EIDRM);
		return true;
	}
	r = sysv(m) ? semop_apply(s, op->actor, op->arg, sysv_op(op), ctx->undo[op->actor][op->obj],
				  false)
		    : posix_apply(s, op);
	if (r == -EAGAIN)
		return false;
	set_result(ex, r);
	return true;
}

/* shmget-like size rules of semget: nsems past SEMMSL is refused first,
 * 0 for a new set, more than an existing set has. */
static int sem_open_err(const struct model *m, int k, const struct op *op)
{
	const struct sem_ctx *ctx = m->ctx;

	if (!sysv(m) || op->kind != OP_CREATE)
		return 0;
	if (op->len > ctx->semmsl || (k < 0 && !op->len))
		return EINVAL;
	return k >= 0 && op->len > ((const struct sem_state *)m->objs[k].state)->nsems ? EINVAL : 0;
}

/* semget checks nsems against SEMMSL before it looks the key up: such a
 * create with a key that would be EEXIST or ENOENT here is not run. */
static bool sem_may_create(const struct model *m, const struct op *op)
{
	const struct sem_ctx *ctx = m->ctx;
	bool plain_creat = (op->flags & (OPF_CREAT | OPF_EXCL)) == OPF_CREAT;

	return !sysv(m) || op->len <= ctx->semmsl || op_create_form(op) == NAME_PRIVATE ||
	       plain_creat;
}

/* A new handle starts without SEM_UNDO; an unnamed POSIX semaphore has no
 * name to join by. */
static void sem_opened(struct model *m, int k, const struct op *op)
{
	struct sem_ctx *ctx = m->ctx;

	ctx->undo[op->actor][op->obj] = false;
	if (!sysv(m) && op->kind == OP_CREATE && op_create_form(op) == NAME_PRIVATE)
		m->objs[k].named = false;
}

/* exit_sem: the dead process's adjustments, clamped to [0, SEMVMX].  A
 * waiter that this may wake is interrupted before the kill instead. */
static void sem_actor_gone(struct model *m, int actor)
{
	if (!sysv(m))
		return;
	for (int k = 0; k < MODEL_MAX_KOBJ; k++) {
		struct kobj *o = &m->objs[k];
		struct sem_state *s = o->state;
		bool changed = false;
		if (!o->used || o->removed || !s)
			continue;
		for (int i = 0; i < s->nsems; i++) {
			int64_t v = s->val[i] + s->adj[actor][i];
			if (!s->adj[actor][i])
				continue;
			v = v < 0 ? 0 : v > SEMVMX_ ? SEMVMX_ : v;
			changed |= v != s->val[i];
			s->val[i] = v;
			s->adj[actor][i] = 0;
		}
		if (changed)
			model_cancel_first_on(m, k, actor);
	}
}

const struct class_model model_counting_sem = {
	.new_state = sem_new,
	.free_state = sem_free,
	.send = sem_send,
	.recv = sem_data,
	.setopt = sem_setopt,
	.arg_err = sem_arg_err,
	.may_pend = sem_may_pend,
	.can_pend = sem_can_pend,
	.try_finish = sem_try_finish,
	.ctx_new = sem_ctx_new,
	.ctx_free = sem_ctx_free,
	.ctx_reset = sem_ctx_reset,
	.actor_gone = sem_actor_gone,
	.open_err = sem_open_err,
	.opened = sem_opened,
	.may_create = sem_may_create,
	.is_query = sem_is_query,
};
