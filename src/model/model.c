/* Model core: objects, names, handles and blocking; class files do data. */
#include "model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct class_model *const class_models[CLASS_COUNT] = {
	[CLASS_BYTE_STREAM] = &model_byte_stream,
	[CLASS_TYPED_QUEUE] = &model_typed_queue,
	[CLASS_SHARED_RECORDS] = &model_shared_records,
	[CLASS_REQUEST_REPLY] = &model_request_reply,
	[CLASS_SIGNALS] = &model_signals,
	[CLASS_LINE_DISCIPLINE] = &model_line_discipline,
	[CLASS_PRIORITY_QUEUE] = &model_priority_queue,
	[CLASS_SOCKET_STREAM] = &model_socket_stream,
	[CLASS_DATAGRAM] = &model_datagram,
	[CLASS_COUNTING_SEM] = &model_counting_sem, /* sync */
};

void model_init(struct model *m, const struct mechanism *mech, const struct limits *lim)
{
	memset(m, 0, sizeof *m);
	m->mech = mech;
	m->cls = class_models[mech->cls];
	m->lim = *lim;
	for (int i = 0; i <= IPCF_ACTORS; i++)
		m->scratch[i] = malloc(IPCF_MAX_LEN + 1);
	if (m->cls->ctx_new)
		m->ctx = m->cls->ctx_new(m);
	model_reset(m);
}

MODEL_BOOKKEEPING void model_reset(struct model *m)
{
	for (int k = 0; k < MODEL_MAX_KOBJ; k++)
		m->objs[k].used = false;
	memset(m->pend, 0, sizeof m->pend);
	for (int s = 0; s < IPCF_OBJS; s++) {
		m->slot_name[s] = s * 8 + NAME_SLOT;
		m->slot_kobj[s] = -1;
	}
	for (int a = 0; a < IPCF_ACTORS; a++)
		for (int s = 0; s < IPCF_OBJS; s++)
			m->h[a][s] = (struct handle){.kobj = -1, .ends = 0, .role = ROLE_CREATOR};
	access_reset(m);
	sock_join_reset(m);
	if (m->cls->ctx_reset)
		m->cls->ctx_reset(m);
}

void model_free(struct model *m)
{
	for (int k = 0; k < MODEL_MAX_KOBJ; k++)
		m->cls->free_state(m->objs[k].state);
	if (m->cls->ctx_free)
		m->cls->ctx_free(m->ctx);
	for (int i = 0; i <= IPCF_ACTORS; i++)
		free(m->scratch[i]);
	memset(m, 0, sizeof *m);
}

uint8_t *model_scratch(struct model *m, int which)
{
	return m->scratch[which];
}

int model_kobj_index(const struct model *m, const struct kobj *o)
{
	return (int)(o - m->objs);
}

MODEL_BOOKKEEPING int model_count_ends(const struct model *m, int k, unsigned end)
{
	int n = 0;
	for (int a = 0; a < IPCF_ACTORS; a++)
		for (int s = 0; s < IPCF_OBJS; s++)
			n += m->h[a][s].kobj == k && (m->h[a][s].ends & end);
	return n;
}

static void expect_err(struct expect *ex, int err)
{
	ex->ret = -1;
	ex->err = err;
}

/* Which name a create of this form resolves to, or an errno. */
static int create_name(const struct model *m, const struct op *op, int *name_id)
{
	unsigned form = op_create_form(op);

	*name_id = -1;
	switch (m->mech->naming) {
	case NAMING_NONE:
		return 0;
	case NAMING_SYSV_KEY:
		if (form != NAME_PRIVATE)
			*name_id = op->obj * 8 + NAME_SLOT;
		return 0;
	case NAMING_DEVICE:
		*name_id = op->obj * 8 + NAME_SLOT; /* one device per slot, any form */
		return 0;
	case NAMING_POSIX_NAME:
	case NAMING_PATH:    /* a path: "" and a missing directory are ENOENT */
	case NAMING_MQ_NAME: /* mq_open: "" ENOENT, a slash EACCES (lookup_one_len) */
		if (form == NAME_EMPTY || form == NAME_SLASH)
			return m->mech->naming == NAMING_POSIX_NAME		      ? EINVAL
			       : form == NAME_EMPTY || m->mech->naming == NAMING_PATH ? ENOENT
										      : EACCES;
		if (form == NAME_LONG)
			return ENAMETOOLONG;
		*name_id = op->obj * 8 + (int)form;
		return 0;
	case NAMING_SEM_NAME: /* sync */
		if (form == NAME_EMPTY || form == NAME_SLASH || form == NAME_LONG)
			return EINVAL;
		*name_id = op->obj * 8 + (int)form;
		return 0;
	}
	return 0;
}

/* Names are looked up in the actor's own namespace of the mechanism's kind. */
static int find_named(const struct model *m, int name_id, int actor)
{
	int ns = access_ns(m, actor);

	if (name_id < 0)
		return -1;
	for (int k = 0; k < MODEL_MAX_KOBJ; k++)
		if (m->objs[k].used && m->objs[k].named && m->objs[k].name_id == name_id &&
		    m->objs[k].ns == ns)
			return k;
	return -1;
}

/* The kernel objects a handle, a pending op or a slot refers to: one pass
 * over the handles, not one per object (this runs at every create). */
MODEL_BOOKKEEPING static uint32_t referenced_kobjs(const struct model *m)
{
	uint32_t refs = 0;

	_Static_assert(MODEL_MAX_KOBJ <= 32, "one bit per kernel object");
	for (int a = 0; a < IPCF_ACTORS; a++) {
		for (int s = 0; s < IPCF_OBJS; s++)
			if (m->h[a][s].kobj >= 0)
				refs |= 1u << m->h[a][s].kobj;
		if (m->pend[a].kobj >= 0)
			refs |= 1u << m->pend[a].kobj;
	}
	for (int s = 0; s < IPCF_OBJS; s++)
		if (m->slot_kobj[s] >= 0)
			refs |= 1u << m->slot_kobj[s];
	return refs;
}

MODEL_BOOKKEEPING static int new_kobj(struct model *m, const struct op *op, int name_id)
{
	uint32_t refs = referenced_kobjs(m);

	for (int k = 0; k < MODEL_MAX_KOBJ; k++) {
		struct kobj *o = &m->objs[k];
		/* Reuse a slot no handle and no name refer to any more. */
		if (o->used && (o->named || (refs >> k & 1)))
			continue;
		o->used = true;
		o->named = name_id >= 0;
		o->removed = false;
		o->name_id = name_id;
		o->state = m->cls->new_state(m, op, o->state);
		return k;
	}
	return -1;
}

int model_new_kobj(struct model *m, const struct op *op)
{
	return new_kobj(m, op, -1);
}

static bool handle_open(const struct model *m, const struct op *op)
{
	return m->h[op->actor][op->obj].kobj >= 0 && m->h[op->actor][op->obj].ends;
}

/* Pending ops may finish after anything that touched their object, or
 * (signals: the objects of one process share its state) any object; k and
 * removed say what this step did. */
static void finish_pending(struct model *m, int k, bool removed, struct step *st)
{
	for (int a = 0; a < IPCF_ACTORS; a++) {
		struct pending *p = &m->pend[a];
		if (!p->active || st->completes[a])
			continue;
		struct kobj *o = &m->objs[p->kobj];
		st->done[a].data = m->scratch[a + 1];
		if (p->op.kind == OP_JOIN
			    ? fifo_try_open(m, a, &p->op, p->kobj, &st->done[a])
			    : m->cls->try_finish(m, o, &p->op, p->kobj == k ? removed : o->removed,
						 &st->done[a])) {
			st->completes[a] = true;
			p->active = false;
		}
	}
}

/* OPEN_FIFO: an open of both ends opens the read end first, then the
 * write end.  Refused only the write end (its mode), it had a reader for a
 * moment, and fifo_open's waiting writers wait for the reader count to
 * change, not for a reader to stay: every writer waiting in open goes on,
 * with a pipe whose reader is gone again. */
static void fifo_refused_write(struct model *m, const struct op *op, int k, struct step *st)
{
	if (m->mech->open_rule != OPEN_FIFO || k < 0 ||
	    (op->kind == OP_JOIN && fifo_join_ends(op) != (OPF_READ | OPF_WRITE)) ||
	    access_fifo_read_end(m, op->actor, &m->objs[k], op))
		return;
	for (int a = 0; a < IPCF_ACTORS; a++) {
		struct pending *p = &m->pend[a];
		if (!p->active || st->completes[a] || p->kobj != k || p->op.kind != OP_JOIN ||
		    fifo_join_ends(&p->op) != OPF_WRITE)
			continue;
		st->done[a].data = m->scratch[a + 1];
		m->h[a][p->op.obj] =
			(struct handle){.kobj = k, .ends = OPF_WRITE, .role = ROLE_JOINER};
		st->done[a].ret = 0;
		st->completes[a] = true;
		p->active = false;
	}
}

static void close_handle(struct model *m, int actor, int slot, unsigned ends, struct step *st)
{
	struct handle *h = &m->h[actor][slot];
	int k = h->kobj;

	if (k < 0)
		return;
	h->ends &= m->mech->cls == CLASS_BYTE_STREAM || m->cls->two_ends ? ~ends : 0u;
	if (!h->ends) {
		h->kobj = -1;
		sock_join_closed(m, actor, slot);
		if (m->cls->release)
			m->cls->release(m, &m->objs[k], actor);
		if (m->cls->closed)
			m->cls->closed(m, k, actor, h->role);
		h->stale = false;
	}
	finish_pending(m, k, false, st);
}

void model_close(struct model *m, int actor, int slot)
{
	close_handle(m, actor, slot, OPF_READ | OPF_WRITE, m->cur);
}

void model_kill_actor(struct model *m, int actor)
{
	m->cur->kills |= 1u << actor;
}

void model_cancel_first(struct model *m, int actor)
{
	if (!m->pend[actor].active)
		return;
	m->cur->cancels |= 1u << actor;
	m->cur->cancelled[actor] = m->pend[actor].op;
	m->pend[actor].active = false;
}

void model_cancel_first_on(struct model *m, int k, int except)
{
	for (int a = 0; a < IPCF_ACTORS; a++)
		if (a != except && m->pend[a].active && m->pend[a].kobj == k)
			model_cancel_first(m, a);
}

void model_sync_actor(struct model *m, int actor)
{
	if (actor)
		m->cur->sync |= 1u << actor;
}

void model_settle(struct model *m, int actor, int obj, int64_t want)
{
	struct step *st = m->cur;
	if (st->nsettle < (int)(sizeof st->settle / sizeof st->settle[0])) {
		st->settle[st->nsettle].actor = (int8_t)actor;
		st->settle[st->nsettle].obj = (uint8_t)obj;
		st->settle[st->nsettle].want = want;
		st->nsettle++;
	}
}

static bool pending_on(const struct model *m, int k)
{
	for (int a = 0; a < IPCF_ACTORS; a++)
		if (m->pend[a].active && m->pend[a].kobj == k)
			return true;
	return false;
}

/* NAMING_DEVICE: the device always exists (its object is made on first
 * use); a create claims it.  A claim refused while another actor holds the
 * device runs non-blocking: a blocking create waits for a holder the kernel
 * releases asynchronously, so only "busy now" is deterministic. */
static void step_claim(struct model *m, const struct op *op, int k, int name_id, struct step *st)
{
	if (k < 0)
		k = new_kobj(m, op, name_id);
	if (k < 0) {
		expect_err(&st->ex, ENOSPC);
		return;
	}
	int err = m->cls->claim(m, &m->objs[k], op);
	if (err) {
		st->force_nowait = true;
		expect_err(&st->ex, err);
		return;
	}
	m->h[op->actor][op->obj] = (struct handle){.kobj = k, .ends = OPF_READ | OPF_WRITE};
	m->slot_kobj[op->obj] = k;
	m->slot_name[op->obj] = name_id;
}

/* OPEN_FIFO: an actor's old handle closes and its new one opens within one
 * op, so a blocked read woken by that close may see either state: it is
 * interrupted first.  (A waiting open goes by counters and cannot miss it.) */
static void fifo_reopen_races(struct model *m, const struct op *op)
{
	int k = m->h[op->actor][op->obj].kobj;

	for (int a = 1; a < IPCF_ACTORS && k >= 0 && m->mech->open_rule == OPEN_FIFO; a++)
		if (a != op->actor && m->pend[a].active && m->pend[a].kobj == k &&
		    m->pend[a].op.kind != OP_JOIN)
			model_cancel_first(m, a);
}

static void step_create(struct model *m, const struct op *op, struct step *st)
{
	int name_id, err = create_name(m, op, &name_id);
	int k = -1;

	if (m->cls->may_create && !m->cls->may_create(m, op)) {
		st->how = STEP_SKIP; /* the harness does not do this (see the class) */
		st->ex.skipped = true;
		return;
	}
	/* The actor's previous handle in this slot is released first, whether
	 * or not the create then succeeds. */
	fifo_reopen_races(m, op);
	close_handle(m, op->actor, op->obj, OPF_READ | OPF_WRITE, st);
	if (err) {
		expect_err(&st->ex, err);
		return;
	}
	k = find_named(m, name_id, op->actor);
	if (m->mech->naming == NAMING_DEVICE) {
		step_claim(m, op, k, name_id, st);
		return;
	}
	if (k >= 0 && (op->flags & (OPF_CREAT | OPF_EXCL)) == (OPF_CREAT | OPF_EXCL)) {
		expect_err(&st->ex, EEXIST);
		return;
	}
	if (k < 0 && m->mech->naming != NAMING_NONE && name_id >= 0 && !(op->flags & OPF_CREAT)) {
		expect_err(&st->ex, ENOENT);
		return;
	}
	if (m->cls->open_err && (err = m->cls->open_err(m, k, op))) {
		expect_err(&st->ex, err);
		return;
	}
	if (k >= 0 && (err = access_check(m, op->actor, &m->objs[k], WANT_OPEN, op))) {
		expect_err(&st->ex, err);
		fifo_refused_write(m, op, k, st);
		return;
	}
	if (k >= 0 && m->mech->open_rule == OPEN_FIFO)
		fifo_fresh(m, k);
	if (k < 0 && m->cls->create_err && (err = m->cls->create_err(m, op))) {
		expect_err(&st->ex, err);
		return;
	}
	if (k < 0) {
		k = new_kobj(m, op, name_id);
		if (k < 0) {
			expect_err(&st->ex, ENOSPC);
			return;
		}
		access_own(m, op->actor, &m->objs[k], op);
		/* OPEN_FIFO: what mkfifo made is opened by its mode (a create
		 * that cannot open it removes it again). */
		if ((m->mech->open_rule == OPEN_FIFO &&
		     (err = access_check(m, op->actor, &m->objs[k], WANT_OPEN, op))) ||
		    (err = sock_join_created(m, op, k))) {
			m->objs[k].used = false;
			expect_err(&st->ex, err);
			return;
		}
	}
	m->h[op->actor][op->obj] =
		(struct handle){.kobj = k, .ends = OPF_READ | OPF_WRITE, .role = ROLE_CREATOR};
	m->slot_kobj[op->obj] = k;
	if (name_id >= 0)
		m->slot_name[op->obj] = name_id;
	if (m->mech->open_rule == OPEN_FIFO)
		finish_pending(m, k, false, st); /* it opened both ends */
	if (m->cls->opened)
		m->cls->opened(m, k, op);
}

MODEL_BOOKKEEPING int model_join_source(const struct model *m, const struct op *op)
{
	int k = m->slot_kobj[op->obj];

	if (m->mech->join_path != JOIN_BY_INHERIT || sock_join_connects(m, op))
		return -1;
	for (int a = 0; a < IPCF_ACTORS && k >= 0; a++)
		if (a != op->actor && m->h[a][op->obj].kobj == k && m->h[a][op->obj].ends)
			return a;
	return -1;
}

/* OPEN_FIFO: a lone reader or writer waits for the other side, a peer's
 * open may be left waiting; an open wakes who waits for it (fifo_open.c). */
static void step_fifo_join(struct model *m, const struct op *op, int k, struct step *st)
{
	fifo_fresh(m, k);
	int r = fifo_open_predict(m, op, k, op->flags & OPF_NOWAIT);
	if (r < 0 && op->actor && !pending_on(m, k)) {
		st->how = STEP_PEND;
		m->pend[op->actor] = (struct pending){true, *op, k};
		return;
	}
	if (r < 0) {
		st->force_nowait = true; /* O_NONBLOCK: reader opens, writer ENXIO */
		r = fifo_open_predict(m, op, k, true);
	}
	if (r) {
		expect_err(&st->ex, r);
		return;
	}
	m->h[op->actor][op->obj] =
		(struct handle){.kobj = k, .ends = fifo_join_ends(op), .role = ROLE_JOINER};
	finish_pending(m, k, false, st);
}

static bool removed(const struct model *m, int k)
{
	return m->objs[k].removed;
}

/* An id from another IPC namespace names nothing in the actor's, unless
 * objects were made there too: then it may name one of them, which no
 * model can say (a fresh namespace's first queue may take the very id). */
static bool stale_id_may_name(const struct model *m, int actor)
{
	return m->ns_had_objs[access_ns(m, actor)];
}

static void step_join(struct model *m, const struct op *op, struct step *st)
{
	int k;

	if (sock_join_connects(m, op)) { /* unix sockets: by address */
		close_handle(m, op->actor, op->obj, OPF_READ | OPF_WRITE, st);
		sock_join_step(m, op, st);
		return;
	}
	if (m->mech->join_path == JOIN_BY_INHERIT) {
		k = m->slot_kobj[op->obj];
		st->join_from = model_join_source(m, op);
		if (st->join_from < 0) {
			st->how = STEP_SKIP;
			st->ex.skipped = true;
			return;
		}
		st->join_ends = m->h[st->join_from][op->obj].ends;
		uint8_t role = m->h[st->join_from][op->obj].role;
		close_handle(m, op->actor, op->obj, OPF_READ | OPF_WRITE, st);
		int err = m->cls->open_err ? m->cls->open_err(m, k, op) : 0;
		if (err) {
			expect_err(&st->ex, err);
			return;
		}
		m->h[op->actor][op->obj] =
			(struct handle){.kobj = k, .ends = st->join_ends, .role = role};
		if (m->cls->opened)
			m->cls->opened(m, k, op);
		return;
	}
	if (m->mech->join_path == JOIN_BY_ADDRESS) {
		unsigned ends = OPF_READ | OPF_WRITE;
		/* The actor lets go of its old handle first, as the actor does. */
		close_handle(m, op->actor, op->obj, OPF_READ | OPF_WRITE, st);
		k = m->cls->resolve_join ? m->cls->resolve_join(m, op, &ends)
					 : m->slot_kobj[op->obj];
		/* An address that is a path (a pty slave) is opened as a file:
		 * resolve_join checks that itself, before the open's effects. */
		int err = k >= 0 && !m->cls->resolve_join
				  ? access_check(m, op->actor, &m->objs[k], WANT_OPEN, op)
				  : 0;
		if (k < 0 || err) {
			expect_err(&st->ex, err ? err : k == -1 ? ENOENT : -k);
			return;
		}
		m->h[op->actor][op->obj] =
			(struct handle){.kobj = k, .ends = ends, .role = ROLE_JOINER};
		return;
	}
	fifo_reopen_races(m, op);
	/* By name: IPC_PRIVATE objects are joined by their id, which always
	 * "works" (the id is only checked when used). */
	bool by_id = m->mech->naming == NAMING_SYSV_KEY && m->slot_kobj[op->obj] >= 0 &&
		     m->objs[m->slot_kobj[op->obj]].name_id < 0;
	k = by_id ? m->slot_kobj[op->obj] : find_named(m, m->slot_name[op->obj], op->actor);
	bool stale = by_id && m->objs[k].ns != access_ns(m, op->actor);
	if (stale && stale_id_may_name(m, op->actor)) { /* not run */
		close_handle(m, op->actor, op->obj, OPF_READ | OPF_WRITE, st);
		st->how = STEP_SKIP;
		st->ex.skipped = true;
		return;
	}
	close_handle(m, op->actor, op->obj, OPF_READ | OPF_WRITE, st);
	if (k < 0 && m->mech->naming == NAMING_DEVICE) /* opening a device always works */
		k = m->slot_kobj[op->obj] = new_kobj(m, op, op->obj * 8 + NAME_SLOT);
	if (k < 0) {
		expect_err(&st->ex, ENOENT);
		return;
	}
	/* A join that uses the id at once (shmat) fails on a gone one. */
	if (m->cls->join_uses_id && (stale || removed(m, k))) {
		expect_err(&st->ex, EINVAL);
		st->ex.err_alt = stale ? 0 : EIDRM;
		return;
	}
	int err = by_id && !m->cls->join_uses_id
			  ? 0
			  : access_check(m, op->actor, &m->objs[k], WANT_OPEN, op);
	if (!err && m->cls->open_err)
		err = m->cls->open_err(m, k, op);
	if (err) {
		expect_err(&st->ex, err);
		if (err == EACCES)
			fifo_refused_write(m, op, k, st);
		return;
	}
	if (m->mech->open_rule == OPEN_FIFO) {
		step_fifo_join(m, op, k, st);
		return;
	}
	m->h[op->actor][op->obj] = (struct handle){
		.kobj = k, .ends = OPF_READ | OPF_WRITE, .stale = stale, .role = ROLE_JOINER};
	if (m->cls->opened)
		m->cls->opened(m, k, op);
}

/* Handles whose SysV object was removed, or whose id names nothing in the
 * actor's IPC namespace: ops on them fail (EINVAL, or EIDRM for a removed
 * id the kernel still recognises). */
static bool gone(const struct model *m, const struct op *op, struct step *st)
{
	const struct handle *h = &m->h[op->actor][op->obj];

	if (!h->stale && !removed(m, h->kobj))
		return false;
	/* Objects were made in the actor's namespace since its join: the op
	 * is not run, as such a join is not (run, it could change one of them
	 * behind the model's back; found by fuzz-sysv-msg). */
	if (h->stale && stale_id_may_name(m, op->actor)) {
		st->ex.skipped = true;
		return true;
	}
	expect_err(&st->ex, EINVAL);
	st->ex.err_alt = h->stale ? 0 : EIDRM;
	return true;
}

static void step_destroy(struct model *m, const struct op *op, struct step *st)
{
	int k = m->h[op->actor][op->obj].kobj, err;

	switch (m->mech->naming) {
	case NAMING_NONE:
		sock_join_destroy(m, op, &st->ex); /* a unix socket's path */
		return;
	case NAMING_DEVICE:
		return; /* anonymous, or a device: nothing to remove */
	case NAMING_POSIX_NAME:
	case NAMING_PATH:
	case NAMING_MQ_NAME:
	case NAMING_SEM_NAME: {
		int named = find_named(m, m->slot_name[op->obj], op->actor);
		if (named < 0) {
			expect_err(&st->ex, ENOENT);
			return;
		}
		if ((err = access_check(m, op->actor, &m->objs[named], WANT_UNLINK, op))) {
			expect_err(&st->ex, err);
			return;
		}
		m->objs[named].named = false; /* open handles keep it alive */
		return;
	}
	case NAMING_SYSV_KEY:
		if (gone(m, op, st))
			return;
		if ((err = access_check(m, op->actor, &m->objs[k], WANT_UNLINK, op))) {
			expect_err(&st->ex, err);
			return;
		}
		/* RMID: gone for everyone at once, waiters get EIDRM (or, for
		 * shared memory, once the last handle detaches). */
		m->objs[k].named = false;
		if (m->cls->rmid_now && !m->cls->rmid_now(m, k))
			return;
		m->objs[k].removed = true;
		finish_pending(m, k, true, st);
		return;
	}
}

static void step_data(struct model *m, const struct op *op, const uint8_t *payload, struct step *st)
{
	int k = m->h[op->actor][op->obj].kobj;
	bool blocks = false;
	unsigned end = op->kind == OP_SEND ? OPF_WRITE : OPF_READ;

	if (!(m->h[op->actor][op->obj].ends & end)) {
		expect_err(&st->ex, EBADF); /* that end was closed */
		return;
	}
	if (gone(m, op, st))
		return;
	int err = m->cls->arg_err ? m->cls->arg_err(m, op) : 0;
	if (!err)
		err = access_check(m, op->actor, &m->objs[k],
				   op->kind == OP_SEND ? WANT_SEND : WANT_RECV, op);
	if (err) {
		expect_err(&st->ex, err);
		return;
	}
	struct op eff = *op;
	st->ex.data = m->scratch[0];
	for (int pass = 0; pass < 2; pass++) {
		if (op->kind == OP_SEND)
			m->cls->send(m, &m->objs[k], &eff, payload, &st->ex, &blocks);
		else
			m->cls->recv(m, &m->objs[k], &eff, &st->ex, &blocks);
		if (!blocks)
			break;
		if (op->actor != 0 && m->cls->may_pend(op) &&
		    (!m->cls->can_pend || m->cls->can_pend(m, &m->objs[k], op)) &&
		    !pending_on(m, k)) {
			st->how = STEP_PEND;
			m->pend[op->actor] = (struct pending){true, *op, k};
			return;
		}
		/* Would block and may not: run non-blocking, expect "would block". */
		st->force_nowait = true;
		eff.flags |= OPF_NOWAIT;
		blocks = false;
	}
	finish_pending(m, k, false, st);
}

/* A peer killed (OP_KILL, or a kill the class predicted) or restarted under
 * another identity: its blocked op and its handles go with it. */
static void peer_gone(struct model *m, int actor, struct step *st)
{
	m->pend[actor].active = false;
	st->completes[actor] = false;
	for (int s = 0; s < IPCF_OBJS; s++)
		close_handle(m, actor, s, OPF_READ | OPF_WRITE, st);
	if (m->cls->actor_gone)
		m->cls->actor_gone(m, actor);
	sock_join_actor_gone(m, actor);
}

static void step_ident(struct model *m, const struct op *op, struct step *st)
{
	int err;

	if (op->actor)
		peer_gone(m, op->actor, st);
	if ((err = access_ident(m, op))) {
		/* The peer was killed all the same; it comes back as it was. */
		access_restart(m, op->actor);
		expect_err(&st->ex, err);
	}
}

/* IPC_SET wakes every blocked sender and receiver, which then check their
 * permission again (msgsnd/msgrcv loop): those that lost it fail. */
static void recheck_pending(struct model *m, int k, struct step *st)
{
	for (int a = 0; a < IPCF_ACTORS; a++) {
		struct pending *p = &m->pend[a];
		enum access_want w = p->op.kind == OP_SEND ? WANT_SEND : WANT_RECV;
		int err;
		if (!p->active || p->kobj != k ||
		    !(err = access_check(m, a, &m->objs[k], w, &p->op)))
			continue;
		memset(&st->done[a], 0, sizeof st->done[a]);
		expect_err(&st->done[a], err);
		st->completes[a] = true;
		p->active = false;
	}
}

static void step_perm(struct model *m, const struct op *op, struct step *st)
{
	int k = m->h[op->actor][op->obj].kobj, err;

	if (!m->mech->set_perm) {
		expect_err(&st->ex, ENOTSUP);
		return;
	}
	if (gone(m, op, st) || sock_join_perm(m, op, &k, &st->ex))
		return;
	if ((err = access_check(m, op->actor, &m->objs[k], WANT_PERM, op))) {
		expect_err(&st->ex, err);
		return;
	}
	access_set(&m->objs[k], op);
	recheck_pending(m, k, st);
}

static void step_setopt(struct model *m, const struct op *op, struct step *st)
{
	int k = m->h[op->actor][op->obj].kobj, err;
	/* A descriptor that lists its options refuses the rest at once. */
	uint64_t opts = m->mech->options;
	bool supported = op->arg == OPT_SIZE
				 ? m->mech->setopt != NULL
				 : m->mech->control != NULL && (!opts || ((opts >> op->arg) & 1));

	if (!m->cls->setopt || !supported) {
		expect_err(&st->ex, ENOTSUP);
	} else if (!gone(m, op, st)) {
		enum access_want w =
			m->cls->is_query && m->cls->is_query(op) ? WANT_STAT : WANT_CTL;
		if ((err = access_check(m, op->actor, &m->objs[k], w, op))) {
			expect_err(&st->ex, err);
			return;
		}
		st->ex.data = m->scratch[0];
		m->cls->setopt(m, &m->objs[k], op, &st->ex);
		finish_pending(m, k, false, st);
	}
}

static void dispatch(struct model *m, const struct op *op, const uint8_t *payload, struct step *st)
{
	switch (op->kind) {
	case OP_CREATE:
		step_create(m, op, st);
		return;
	case OP_JOIN:
		step_join(m, op, st);
		return;
	case OP_KILL:
		peer_gone(m, op->actor, st);
		access_restart(m, op->actor);
		return;
	case OP_IDENT:
		/* (a mechanism with an access rule models them all the same) */
		if (m->cls->no_ident && !m->mech->access) {
			st->how = STEP_SKIP; /* identities are not modelled here */
			st->ex.skipped = true;
			return;
		}
		step_ident(m, op, st);
		return;
	default:
		break;
	}
	if (!handle_open(m, op)) {
		st->how = STEP_SKIP;
		st->ex.skipped = true;
		return;
	}
	switch (op->kind) {
	case OP_SEND:
	case OP_RECV:
		step_data(m, op, payload, st);
		break;
	case OP_CLOSE:
		close_handle(m, op->actor, op->obj, op->flags & (OPF_READ | OPF_WRITE), st);
		break;
	case OP_DESTROY:
		step_destroy(m, op, st);
		break;
	case OP_SETOPT:
		step_setopt(m, op, st);
		break;
	case OP_PERM:
		step_perm(m, op, st);
		break;
	}
}

void model_step(struct model *m, const struct op *op, const uint8_t *payload, struct step *st)
{
	memset(st, 0, sizeof *st);
	st->how = STEP_RUN;
	st->join_from = -1;
	m->cur = st;
	dispatch(m, op, payload, st);
	/* A class may say the harness must not run this op at all. */
	if (st->ex.skipped && st->how == STEP_RUN)
		st->how = STEP_SKIP;
	for (int a = 0; a < IPCF_ACTORS; a++)
		if (st->kills & (1u << a) && op->kind != OP_KILL) {
			peer_gone(m, a, st);
			access_restart(m, a);
		}
	m->cur = NULL;
}

void model_cancel(struct model *m, int actor, struct expect *ex)
{
	memset(ex, 0, sizeof *ex);
	m->pend[actor].active = false;
	expect_err(ex, EINTR);
}
