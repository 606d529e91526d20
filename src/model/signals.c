/* Signals model: a process is the channel.  Every peer is a receiver whose
 * state is modelled the way kernel/signal.c keeps it:
 *
 *  - two pending sets, the thread's own (tgkill) and the process's shared
 *    one (kill, sigqueue); dequeueing takes the lowest signal of the own set
 *    first, then the lowest of the shared set;
 *  - a standard signal already pending in the set it is sent to is dropped
 *    (they coalesce); real-time signals queue, in send order within a
 *    number, each with its si_code, si_pid and value;
 *  - every queued entry is charged to the receiver's user (each peer has a
 *    user namespace of its own, so the count is exactly its own pending
 *    entries) and checked against its RLIMIT_SIGPENDING: kill() of a
 *    standard signal always gets an entry; other standard signals over the
 *    limit arrive without info (SI_USER, pid 0); real-time ones sent by
 *    kill() likewise, by sigqueue/tgkill fail with EAGAIN;
 *  - a blocked signal stays pending whatever its disposition; an unblocked
 *    one is dropped if ignored, ends the process if its default is to
 *    terminate, or runs the recording handler (handlers block every signal
 *    of the alphabet, so they run one at a time, in dequeue order);
 *  - a sigtimedwait/signalfd waiter gets a signal it waits for unless the
 *    signal is ignored or fatal; another caught signal interrupts it (EINTR);
 *  - SIGKILL cannot be blocked, caught or ignored: blocking it changes
 *    nothing, sigaction on it is EINVAL, sending it ends the receiver;
 *  - a signal to a process that is gone (and reaped) fails with ESRCH;
 *  - kill permission (check_kill_permission): the sender's uid is the
 *    receiver's, or the sender has CAP_KILL over the receiver's user
 *    namespace, or the signal is SIGCONT within one session, else EPERM.  Only the executor can
 * have it: each peer's own namespace is a sibling of every other peer's, and the executor's is
 * their parent;
 *
 * A send op is a burst of len (at most 64) signals; it returns how many
 * were sent before the first failure (or the failure). */
#define _GNU_SOURCE
#include "model.h"

#include "../util/sigrec.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define SIGQ_MAX	 (IPCF_MAX_OPS * 64) /* every signal one program can send */
#define BURST_MAX	 64
#define SIGFD_INFO_BYTES 128 /* sizeof(struct signalfd_siginfo) */

enum disp { DISP_DFL, DISP_IGN, DISP_CATCH };

/* A queued signal, and which process of its sending actor sent it: a
 * receiver names the sender by its pid now, so one killed since is gone. */
struct entry {
	struct sigrec r;
	uint8_t sender_gen;
};

struct pend_set {
	uint64_t bits;
	unsigned n;
	struct entry q[SIGQ_MAX]; /* queued entries, oldest first */
};

struct proc {
	uint8_t gen; /* a new process each time the actor is restarted */
	uint64_t blocked;
	uint8_t disp[65];
	struct pend_set own, shared;
	unsigned charged; /* entries counted against RLIMIT_SIGPENDING */
	long rlimit;
	bool interrupted;	    /* its pending wait was interrupted by a handler */
	bool rec_unsure;	    /* handler records raced with a burst: not predicted */
	struct entry rec[SIGQ_MAX]; /* what handlers recorded, not yet collected */
	unsigned nrec;
};

struct sig_ctx {
	struct proc proc[IPCF_ACTORS];
};

/* An inbox: the object a receiver creates.  Senders reach its process. */
struct inbox {
	int actor;
	uint8_t gen;
};

static struct proc *proc_of(struct model *m, int actor)
{
	return &((struct sig_ctx *)m->ctx)->proc[actor];
}

static void proc_home(struct proc *p, long rlimit)
{
	uint8_t gen = p->gen;

	memset(p, 0, offsetof(struct proc, rec));
	p->gen = gen;
	p->nrec = 0;
	p->blocked = sig_alphabet();
	p->rlimit = rlimit;
}

static void *sig_ctx_new(const struct model *m)
{
	(void)m;
	return calloc(1, sizeof(struct sig_ctx));
}

static void sig_ctx_reset(struct model *m)
{
	for (int a = 0; a < IPCF_ACTORS; a++) {
		proc_of(m, a)->gen = 0;
		proc_home(proc_of(m, a), m->lim.sigpending_soft);
	}
}

static void sig_actor_gone(struct model *m, int actor)
{
	struct proc *p = proc_of(m, actor);
	p->gen++; /* its inboxes are dead; a restarted peer starts at rest */
	proc_home(p, m->lim.sigpending_soft);
}

static void *inbox_new(const struct model *m, const struct op *create, void *reuse)
{
	struct inbox *b = reuse ? reuse : calloc(1, sizeof *b);
	b->actor = create->actor;
	b->gen = ((struct sig_ctx *)m->ctx)->proc[create->actor].gen;
	return b;
}

/* The executor is never a receiver: under libFuzzer it has threads that
 * do not block the signals, and engine handlers of its own. */
static bool sig_may_create(const struct model *m, const struct op *op)
{
	(void)m;
	return op->actor != 0;
}

static int sig_resolve_join(struct model *m, const struct op *op, unsigned *ends)
{
	*ends = OPF_WRITE; /* a sender: it may send, not receive */
	return m->slot_kobj[op->obj];
}

/* -- pending sets ------------------------------------------------------ */

static struct entry lost_info(int sig)
{
	return (struct entry){{.signo = (uint8_t)sig, .code = SI_USER, .sender = SENDER_NONE}, 0};
}

/* collect_signal(): the first entry of sig; the bit stays while another
 * entry of sig is queued.  A bit with no entry gives a record with no info. */
static struct entry set_take(struct proc *p, struct pend_set *s, int sig)
{
	int first = -1;
	bool more = false;
	struct entry r;

	for (unsigned i = 0; i < s->n && !more; i++)
		if (s->q[i].r.signo == sig) {
			if (first < 0)
				first = (int)i;
			else
				more = true;
		}
	if (!more)
		s->bits &= ~SIG_BIT(sig);
	if (first < 0)
		return lost_info(sig);
	r = s->q[first];
	memmove(&s->q[first], &s->q[first + 1], (s->n - (unsigned)first - 1) * sizeof s->q[0]);
	s->n--;
	p->charged--;
	return r;
}

/* dequeue_signal(): the thread's own set first, lowest number first. */
static bool dequeue(struct proc *p, uint64_t want, struct entry *out)
{
	struct pend_set *sets[2] = {&p->own, &p->shared};

	for (int i = 0; i < 2; i++) {
		uint64_t ready = sets[i]->bits & want;
		if (ready) {
			*out = set_take(p, sets[i], __builtin_ctzll(ready) + 1);
			return true;
		}
	}
	return false;
}

/* Drops every pending instance of sig (SIG_IGN, or SIG_DFL of an ignored one). */
static void flush(struct proc *p, int sig)
{
	struct pend_set *sets[2] = {&p->own, &p->shared};

	for (int i = 0; i < 2; i++)
		while (sets[i]->bits & SIG_BIT(sig))
			set_take(p, sets[i], sig);
}

/* -- what a receive waits for --------------------------------------------- */

/* The set a recv waits for: arg 0 = the alphabet, else that one signal.
 * The kernel drops SIGKILL and SIGSTOP from it; glibc refuses 32 and 33. */
static uint64_t wait_set(const struct op *op)
{
	int s = op->arg;
	if (s == 0)
		return sig_alphabet();
	if (s < 1 || s > 64)
		return 0;
	return sig_kind(s) == SIGK_TERM || sig_kind(s) == SIGK_IGN ? SIG_BIT(s) : 0;
}

static enum sigrec_how method(const struct op *op)
{
	if (op->flags & OPF_FD)
		return HOW_FD;
	return op->flags & OPF_HANDLER ? HOW_HANDLER : HOW_WAIT;
}

static void put_rec(struct model *m, struct expect *ex, struct entry e, enum sigrec_how how)
{
	struct sigrec r = e.r;
	if (r.sender < IPCF_ACTORS && proc_of(m, r.sender)->gen != e.sender_gen)
		r.sender = SENDER_GONE;
	r.how = (uint8_t)how;
	sigrec_put(ex->data + ex->len, &r);
	ex->len += SIGREC_BYTES;
}

/* -- sending ----------------------------------------------------------- */

enum send_how { BY_KILL, BY_QUEUE, BY_TKILL };

static int8_t code_of(enum send_how how)
{
	return how == BY_QUEUE ? SI_QUEUE : how == BY_TKILL ? SI_TKILL : SI_USER;
}

static const struct op *waiting(struct model *m, int actor)
{
	return m->pend[actor].active ? &m->pend[actor].op : NULL;
}

static bool ignored(const struct proc *p, int sig)
{
	return p->disp[sig] == DISP_IGN || (p->disp[sig] == DISP_DFL && sig_kind(sig) == SIGK_IGN);
}

/* Would sig wake (or interrupt) the receiver's pending wait? */
static bool wakes(const struct proc *p, const struct op *w, int sig)
{
	if (sig_kind(sig) != SIGK_TERM && sig_kind(sig) != SIGK_IGN)
		return false;
	if (p->blocked & SIG_BIT(sig))
		return (wait_set(w) & SIG_BIT(sig)) != 0;
	return p->disp[sig] == DISP_CATCH;
}

static void deliver_handler(struct proc *p, struct entry e)
{
	if (p->nrec < SIGQ_MAX)
		p->rec[p->nrec++] = e;
}

/* One signal to receiver `to`, as if it acted on it at once (the caller
 * says where it does not).  Returns 0, a positive errno, or -1 when the
 * receiver dies of it. */
static int send_one(struct model *m, int from, int to, int sig, enum send_how how, int32_t value)
{
	struct proc *p = proc_of(m, to);
	enum sig_kind kind = sig_kind(sig);
	struct pend_set *set = how == BY_TKILL ? &p->own : &p->shared;
	struct entry r = {{.signo = (uint8_t)sig,
			   .code = code_of(how),
			   .sender = (uint8_t)from,
			   .value = how == BY_QUEUE ? value : 0},
			  proc_of(m, from)->gen};
	const struct op *w = waiting(m, to);

	if (sig == 0)
		return 0; /* existence check */
	bool blocked = (p->blocked & SIG_BIT(sig)) != 0;
	if (kind == SIGK_KILL) {
		model_kill_actor(m, to);
		return -1;
	}
	/* prepare_signal(): an unblocked ignored signal is dropped first. */
	if (!blocked && ignored(p, sig))
		return 0;
	/* legacy_queue(): a standard signal pending in this set coalesces. */
	if (sig < SIGRTMIN && (set->bits & SIG_BIT(sig)))
		return 0;
	/* __sigqueue_alloc(): kill() of a standard signal overrides the limit. */
	bool fits = (sig < SIGRTMIN && how == BY_KILL) || (long)p->charged + 1 <= p->rlimit;
	if (!fits && sig >= SIGRTMIN && how != BY_KILL)
		return EAGAIN;
	if (fits && set->n < SIGQ_MAX) {
		set->q[set->n++] = r;
		p->charged++;
	}
	set->bits |= SIG_BIT(sig);
	if (blocked)
		return 0; /* pending; a wait for it takes it (try_finish) */
	/* Unblocked and not ignored: fatal, or taken by a waiter, or caught. */
	if (p->disp[sig] == DISP_DFL) {
		model_kill_actor(m, to);
		return -1;
	}
	if (w && (wait_set(w) & SIG_BIT(sig)) && method(w) != HOW_HANDLER)
		return 0; /* the waiter dequeues it (try_finish) */
	struct entry got;
	dequeue(p, SIG_BIT(sig), &got);
	deliver_handler(p, got);
	if (w)
		p->interrupted = true;
	if (from != to)
		model_sync_actor(m, to); /* it runs the handler on its own time */
	return 0;
}

#define CAP_KILL_ 5

static bool may_kill(const struct model *m, int from, int to, int sig)
{
	/* SIGCONT: also to any process of the sender's session, which every
	 * actor shares (none makes a session of its own here; found by
	 * fuzz-signal, seed cont_same_session.txt). */
	return from == to || sig == SIGCONT || m->cred[from].uid == m->cred[to].uid ||
	       (from == 0 && access_cap(m, 0, CAP_KILL_));
}

static void sig_send(struct model *m, struct kobj *o, const struct op *op, const uint8_t *payload,
		     struct expect *ex, bool *blocks)
{
	struct inbox *b = o->state;
	struct proc *p = proc_of(m, b->actor);
	int sig = op->arg, to = b->actor;
	unsigned count = op->len < BURST_MAX ? op->len : BURST_MAX, sent = 0;
	enum send_how how = (op->flags & OPF_QUEUE)    ? BY_QUEUE
			    : (op->flags & OPF_THREAD) ? BY_TKILL
						       : BY_KILL;
	bool alive = p->gen == b->gen, self = op->actor == to;

	(void)blocks;
	ex->ret = 0;
	if (!count)
		return;
	/* Signals the harness does not send to a live peer: not run at all. */
	if (alive && sig >= 1 && sig <= 64 &&
	    (sig_kind(sig) == SIGK_NONE || sig_kind(sig) == SIGK_STOP)) {
		ex->skipped = true;
		return;
	}
	/* Another process acts on what arrives when the scheduler lets it, so
	 * the rest of a burst races with it: a waiter that the burst would
	 * wake is interrupted first; a caught standard signal may or may not
	 * coalesce with the one before; entries freed by handlers change what
	 * the limit lets through. */
	bool async_catch = alive && !self && sig >= 1 && sig <= 64 &&
			   !(p->blocked & SIG_BIT(sig)) && p->disp[sig] == DISP_CATCH;
	if (alive && !self && count > 1 && waiting(m, to) && wakes(p, waiting(m, to), sig))
		model_cancel_first(m, to);
	if (async_catch && count > 1 && sig < SIGRTMIN)
		p->rec_unsure = true;
	if (async_catch && count > 1 && (long)p->charged + count > p->rlimit) {
		p->rec_unsure = true;
		ex->unsure = true;
	}
	for (; sent < count; sent++) {
		int err;
		if (p->gen != b->gen)
			err = ESRCH;
		else if (sig < 0 || sig > 64)
			err = EINVAL;
		else if (!may_kill(m, op->actor, to, sig))
			err = EPERM;
		else
			err = send_one(m, op->actor, to, sig, how,
				       sig_value(payload, sent, op->seed));
		if (err < 0) {
			/* The receiver is dying: further signals of the burst find a
			 * process that may or may not have been reaped yet. */
			ex->unsure |= sent + 1 < count;
			ex->ret = sent + 1;
			return;
		}
		if (err) {
			ex->ret = sent ? (int64_t)sent : -1;
			ex->err = sent ? 0 : err;
			return;
		}
	}
	ex->ret = sent;
}

/* -- receiving ---------------------------------------------------------- */

/* Takes what a receive of this kind gets now; false when it would wait.
 * Every way returns our 8-byte records: ret is their bytes. */
static bool take(struct model *m, struct proc *p, const struct op *op, struct expect *ex)
{
	uint64_t want = wait_set(op);
	struct entry r;

	ex->len = 0;
	switch (method(op)) {
	case HOW_HANDLER: {
		unsigned n = op->len / SIGREC_BYTES;
		if (p->rec_unsure) {
			ex->unsure = true; /* until the end of the program */
			p->nrec = 0;
			return true;
		}
		if (n > p->nrec)
			n = p->nrec;
		for (unsigned i = 0; i < n; i++)
			put_rec(m, ex, p->rec[i], HOW_HANDLER);
		memmove(p->rec, p->rec + n, (p->nrec - n) * sizeof p->rec[0]);
		p->nrec -= n;
		ex->ret = ex->len;
		return true;
	}
	case HOW_FD: {
		unsigned n = 0, room = op->len / SIGFD_INFO_BYTES;
		if (!room) {
			ex->ret = -1;
			ex->err = EINVAL; /* not even one signalfd_siginfo fits */
			return true;
		}
		while (n < room && dequeue(p, want, &r)) {
			put_rec(m, ex, r, HOW_FD);
			n++;
		}
		ex->ret = ex->len;
		return n > 0;
	}
	case HOW_WAIT:
		if (!dequeue(p, want, &r))
			return false;
		put_rec(m, ex, r, HOW_WAIT);
		/* One record whatever the buffer; the actor shows len of it. */
		ex->ret = SIGREC_BYTES;
		ex->len = op->len < SIGREC_BYTES ? op->len : SIGREC_BYTES;
		return true;
	}
	return true;
}

static void sig_recv(struct model *m, struct kobj *o, const struct op *op, struct expect *ex,
		     bool *blocks)
{
	struct proc *p = proc_of(m, ((struct inbox *)o->state)->actor);

	if (take(m, p, op, ex))
		return;
	if (!(op->flags & OPF_NOWAIT)) {
		p->interrupted = false;
		*blocks = true;
		return;
	}
	ex->ret = -1;
	ex->err = EAGAIN;
}

static bool sig_may_pend(const struct op *op)
{
	return op->kind == OP_RECV; /* a blocked wait wakes on one signal */
}

static bool sig_try_finish(struct model *m, struct kobj *o, const struct op *op, bool removed,
			   struct expect *ex)
{
	struct proc *p = proc_of(m, ((struct inbox *)o->state)->actor);

	(void)removed;
	memset(ex, 0, offsetof(struct expect, data));
	if (p->interrupted) {
		p->interrupted = false;
		ex->ret = -1;
		ex->err = EINTR;
		return true;
	}
	return take(m, p, op, ex);
}

/* -- masks, dispositions, limits ---------------------------------------- */

/* Signals whose mask bit a setopt reports (SIGKILL/SIGSTOP show they
 * never get blocked). */
static uint64_t reported(void)
{
	return sig_alphabet() | SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP);
}

/* After an unblock: pending signals it made deliverable, in dequeue order. */
static void deliver_unblocked(struct model *m, int actor)
{
	struct proc *p = proc_of(m, actor);
	struct entry r;

	while (dequeue(p, ~p->blocked, &r)) {
		enum sig_kind kind = sig_kind(r.r.signo);
		if (p->disp[r.r.signo] == DISP_CATCH)
			deliver_handler(p, r);
		else if (p->disp[r.r.signo] == DISP_DFL && kind == SIGK_TERM) {
			model_kill_actor(m, actor);
			return;
		}
	}
}

static void sig_setopt(struct model *m, struct kobj *o, const struct op *op, struct expect *ex)
{
	int actor = ((struct inbox *)o->state)->actor, sig = op->len;
	struct proc *p = proc_of(m, actor);
	bool usable = sig >= 1 && sig <= 64 && sig_kind(sig) != SIGK_NONE;
	bool uncatchable = sig == SIGKILL || sig == SIGSTOP;

	ex->ret = 0;
	if (m->h[op->actor][op->obj].role != ROLE_CREATOR) {
		ex->ret = -1;
		ex->err = EBADF; /* a sender's handle: not its mask to change */
		return;
	}
	switch (op->arg) {
	case OPT_BLOCK:
	case OPT_UNBLOCK:
		if (sig > 64) {
			ex->ret = -1;
			ex->err = EINVAL; /* sigaddset refuses it */
			return;
		}
		if (sig && !usable) {
			ex->skipped = true; /* the kick, glibc's own: not ours to mask */
			return;
		}
		if (sig && !uncatchable) {
			if (op->arg == OPT_BLOCK)
				p->blocked |= SIG_BIT(sig);
			else
				p->blocked &= ~SIG_BIT(sig);
		}
		if (op->arg == OPT_UNBLOCK)
			deliver_unblocked(m, actor);
		ex->ret = (int64_t)(p->blocked & reported());
		return;
	case OPT_CATCH:
	case OPT_IGNORE:
	case OPT_DEFAULT:
		if (sig >= 1 && sig <= 64 && !usable) {
			ex->skipped = true;
			return;
		}
		if (!usable || uncatchable) {
			ex->ret = -1;
			ex->err = EINVAL;
			return;
		}
		p->disp[sig] = op->arg == OPT_CATCH    ? DISP_CATCH
			       : op->arg == OPT_IGNORE ? DISP_IGN
						       : DISP_DFL;
		/* POSIX: setting SIG_IGN (or SIG_DFL where that ignores) discards
		 * the pending signal, blocked or not. */
		if (p->disp[sig] == DISP_IGN ||
		    (p->disp[sig] == DISP_DFL && sig_kind(sig) == SIGK_IGN))
			flush(p, sig);
		return;
	case OPT_RLIMIT:
		if (op->len > m->lim.sigpending_hard) {
			ex->ret = -1;
			ex->err = EINVAL;
			return;
		}
		p->rlimit = op->len;
		return;
	default:
		ex->ret = -1;
		ex->err = ENOTSUP;
		return;
	}
}

static void sig_free(void *state)
{
	free(state);
}

static void sig_ctx_free(void *ctx)
{
	free(ctx);
}

const struct class_model model_signals = {
	.new_state = inbox_new,
	.free_state = sig_free,
	.send = sig_send,
	.recv = sig_recv,
	.setopt = sig_setopt,
	.may_pend = sig_may_pend,
	.try_finish = sig_try_finish,
	.may_create = sig_may_create,
	.ctx_new = sig_ctx_new,
	.ctx_free = sig_ctx_free,
	.ctx_reset = sig_ctx_reset,
	.actor_gone = sig_actor_gone,
	.resolve_join = sig_resolve_join,
};
