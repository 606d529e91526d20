/* Line-discipline model: a pseudo-terminal pair is the object; its creator
 * holds the master, whoever joins opens the slave (by its /dev/pts name).
 * n_tty.c models the bytes; this file models the rest of the tty layer:
 *
 *  - names: a pair takes the lowest free index of our private devpts
 *    instance and gives it back when its last descriptor closes; a join
 *    opens the name a slot's create got, which after its master closed is
 *    gone (ENOENT) or, once reused, another pair's slave;
 *  - hangup: when the master closes, every slave file hangs up (reads 0,
 *    writes and ioctls EIO; a reader blocked then may see EIO or 0) and
 *    the session leader whose controlling tty it was gets SIGHUP and
 *    SIGCONT; the master reads EIO once the last slave closed and the
 *    data is drained;
 *  - job control: a peer becomes a session leader with the pair as
 *    controlling tty (setsid + TIOCSCTTY on either side: the kernel's
 *    tiocsctty() always takes the slave, so a pair has one session); ISIG
 *    characters and a window size change signal that foreground process
 *    group;
 *  - asynchrony: what one side writes reaches the other side's buffer in
 *    a kworker.  After each write the model names a barrier the executor
 *    waits on (the echo or data count the model predicts, or a poll that
 *    flushes the worker); where no barrier exists it stops predicting the
 *    pair and says so (unsure) rather than guessing. */
#define _GNU_SOURCE
#include "model.h"

#include "../util/sigrec.h"
#include "../util/tty_text.h"
#include "n_tty.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>

enum side { MASTER, SLAVE };

struct pair {
	struct ntty tty;
	struct ld_ctx *ctx;
	int index;	   /* /dev/pts/<index> */
	bool hung;	   /* the master closed */
	bool slave_closed; /* every slave opened so far has closed again */
	bool lost;	   /* the model stopped following it */
	int session;	   /* actor whose controlling tty the slave is, or -1 */
	struct {
		unsigned rows, cols;
	} ws;
};

/* Per actor: its session and the tty signals pending for it (blocked in
 * pty peers, so they stay pending until collected). */
struct ld_actor {
	bool leader;
	int ctty_k; /* its controlling tty's pair, -1 = none */
	uint64_t pending;
	bool sig_unsure; /* a pair it leads is lost: its signals are not awaited */
};

struct ld_ctx {
	struct ld_actor actor[IPCF_ACTORS];
};

static struct ld_ctx *ctx_of(const struct model *m)
{
	return m->ctx;
}

static enum side side_of(const struct model *m, int actor, int slot)
{
	return m->h[actor][slot].role == ROLE_CREATOR ? MASTER : SLAVE;
}

/* -- tty signals ----------------------------------------------------------- */

/* Only these reach a pty peer; it blocks them. */
static const int tty_sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGCONT, SIGTSTP, SIGWINCH};

static void kernel_signal(struct ld_ctx *c, int actor, int sig)
{
	uint64_t *p;

	if (actor < 0)
		return;
	p = &c->actor[actor].pending;
	/* prepare_signal(): a stop signal discards a pending SIGCONT and
	 * SIGCONT discards pending stop signals. */
	if (sig == SIGCONT)
		*p &= ~(SIG_BIT(SIGTSTP) | SIG_BIT(SIGTTIN) | SIG_BIT(SIGTTOU));
	if (sig == SIGTSTP)
		*p &= ~SIG_BIT(SIGCONT);
	*p |= SIG_BIT(sig); /* standard signals: pending once */
}

/* n_tty's isig(): the foreground process group of the slave. */
static void on_isig(void *owner, int sig)
{
	struct pair *p = owner;
	kernel_signal(p->ctx, p->session, sig);
}

static void take_signals(struct ld_ctx *c, int actor, const struct op *op, struct expect *ex)
{
	unsigned room = op->len / SIGREC_BYTES;

	ex->len = 0;
	if (c->actor[actor].sig_unsure) {
		ex->unsure = ex->varies = true;
		c->actor[actor].pending = 0;
		return;
	}
	/* tty_sigs is in dequeue order: lowest number first */
	for (size_t i = 0; i < sizeof tty_sigs / sizeof tty_sigs[0] && room; i++) {
		int sig = tty_sigs[i];
		if (!(c->actor[actor].pending & SIG_BIT(sig)))
			continue;
		c->actor[actor].pending &= ~SIG_BIT(sig);
		struct sigrec r = {.signo = (uint8_t)sig,
				   .code = (int8_t)SI_KERNEL,
				   .sender = SENDER_NONE,
				   .how = HOW_WAIT};
		sigrec_put(ex->data + ex->len, &r);
		ex->len += SIGREC_BYTES;
		room--;
	}
	ex->ret = ex->len;
}

/* -- objects, names, sessions -------------------------------------------- */

static bool live(const struct model *m, int k)
{
	return m->objs[k].used && model_count_ends(m, k, OPF_READ) > 0;
}

static bool has_side(const struct model *m, int k, enum side s)
{
	for (int a = 0; a < IPCF_ACTORS; a++)
		for (int o = 0; o < IPCF_OBJS; o++)
			if (m->h[a][o].kobj == k && side_of(m, a, o) == s)
				return true;
	return false;
}

static void *pair_new(const struct model *m, const struct op *create, void *reuse)
{
	struct pair *p = reuse ? reuse : malloc(sizeof *p);
	int index = 0;

	(void)create;
	/* devpts hands out the lowest index no live pair holds. */
	for (bool taken = true; taken; index += taken) {
		taken = false;
		for (int k = 0; k < MODEL_MAX_KOBJ && !taken; k++)
			if (m->objs[k].state != p && live(m, k) &&
			    ((struct pair *)m->objs[k].state)->index == index)
				taken = true;
	}
	memset(p, 0, sizeof *p);
	p->tty.isig = on_isig;
	p->tty.owner = p;
	ntty_init(&p->tty);
	p->ctx = ctx_of(m);
	p->index = index;
	p->session = -1;
	return p;
}

static void pair_free(void *state)
{
	free(state);
}

/* Which live pair /dev/pts/<index of the slot's last pair> is now. */
static int ld_resolve_join(struct model *m, const struct op *op, unsigned *ends)
{
	int k = m->slot_kobj[op->obj];

	*ends = OPF_READ | OPF_WRITE;
	if (k < 0)
		return -1;
	int index = ((struct pair *)m->objs[k].state)->index;
	for (int j = 0; j < MODEL_MAX_KOBJ; j++) {
		struct pair *p = m->objs[j].state;
		if (!live(m, j) || p->index != index)
			continue;
		if (p->hung || !has_side(m, j, MASTER))
			return -ENOENT; /* the master closed: the name is gone */
		/* The path walk's permission check comes before pty_open. */
		int err = access_check(m, op->actor, &m->objs[j], WANT_OPEN, op);
		if (err)
			return -err;
		p->slave_closed = false; /* pty_open clears TTY_OTHER_CLOSED */
		return j;
	}
	return -ENOENT;
}

static void clear_session(struct model *m, struct pair *p)
{
	if (p->session >= 0)
		ctx_of(m)->actor[p->session].ctty_k = -1;
	p->session = -1;
}

static void ld_closed(struct model *m, int k, int actor, uint8_t role)
{
	struct pair *p = m->objs[k].state;

	(void)actor;
	if (role == ROLE_CREATOR) {
		/* The master's last close hangs the slave up: its session
		 * leader gets SIGHUP and SIGCONT and loses the terminal. */
		p->hung = true;
		ntty_hangup(&p->tty);
		if (p->session >= 0) {
			kernel_signal(ctx_of(m), p->session, SIGHUP);
			kernel_signal(ctx_of(m), p->session, SIGCONT);
		}
		clear_session(m, p);
	} else if (!has_side(m, k, SLAVE)) {
		p->slave_closed = true; /* the master reads EIO once drained */
	}
}

static void ld_actor_gone(struct model *m, int actor)
{
	struct ld_actor *a = &ctx_of(m)->actor[actor];

	/* A session leader exiting frees its terminal for another session. */
	for (int k = 0; k < MODEL_MAX_KOBJ; k++)
		if (m->objs[k].used)
			if (((struct pair *)m->objs[k].state)->session == actor)
				((struct pair *)m->objs[k].state)->session = -1;
	*a = (struct ld_actor){.ctty_k = -1};
}

static void *ld_ctx_new(const struct model *m)
{
	(void)m;
	return calloc(1, sizeof(struct ld_ctx));
}

static void ld_ctx_free(void *c)
{
	free(c);
}

static void ld_ctx_reset(struct model *m)
{
	for (int a = 0; a < IPCF_ACTORS; a++)
		ctx_of(m)->actor[a] = (struct ld_actor){.ctty_k = -1};
}

/* -- barriers --------------------------------------------------------------- */

/* Readers blocked on pair k are interrupted before this op: it would race
 * with their waking (a line they would wake for is flushed by a later ^C
 * of the same write, before or after they read it). */
static void interrupt_readers(struct model *m, int k)
{
	for (int a = 1; a < IPCF_ACTORS; a++)
		if (m->pend[a].active && m->pend[a].kobj == k && !(m->pend[a].op.flags & OPF_SIG))
			model_cancel_first(m, a);
}

/* The model stops following pair k: signals it raises may still be on
 * their way, and a reader blocked on it may or may not wake, so it is
 * interrupted before this op runs. */
static void lose(struct model *m, struct pair *p, int k)
{
	p->lost = true;
	if (p->session >= 0)
		ctx_of(m)->actor[p->session].sig_unsure = true;
	interrupt_readers(m, k);
}

/* An actor holding side s of pair k that can run a barrier (not blocked in
 * an op), and the slot of that handle; -1 if none. */
static int holder(const struct model *m, int k, enum side s, int *slot)
{
	for (int a = 0; a < IPCF_ACTORS; a++)
		for (int o = 0; o < IPCF_OBJS; o++)
			if (m->h[a][o].kobj == k && side_of(m, a, o) == s && !m->pend[a].active) {
				*slot = o;
				return a;
			}
	return -1;
}

struct observed {
	size_t master_len, slave_inq;
	bool slave_avail;
};

static struct observed observe(const struct pair *p)
{
	return (struct observed){p->tty.master_len, ntty_slave_inq(&p->tty),
				 ntty_slave_input_available(&p->tty)};
}

/* After the kernel started delivering into side `to` (master_wrote: the
 * master wrote, the slave's worker runs; else output for the master):
 * pick the barrier that proves it finished, or give up on the pair. */
static void barrier(struct model *m, int k, const struct observed *before, bool master_wrote)
{
	struct pair *p = m->objs[k].state;
	struct observed now = observe(p);
	int a, slot;

	if (p->tty.overflow || p->lost) {
		lose(m, p, k);
		return;
	}
	if (now.master_len != before->master_len) {
		/* Output (echo included) reached the master: its count is only
		 * complete when the worker that produced it is done. */
		a = holder(m, k, MASTER, &slot);
		if (a >= 0)
			model_settle(m, a, slot, (int64_t)now.master_len);
		return;
	}
	if (!master_wrote)
		return;
	/* A slave reader blocked on this pair that the data wakes: collecting
	 * its result waits for the worker. */
	for (int r = 1; r < IPCF_ACTORS; r++)
		if (m->pend[r].active && m->pend[r].kobj == k && !(m->pend[r].op.flags & OPF_SIG) &&
		    side_of(m, r, m->pend[r].op.obj) == SLAVE &&
		    ntty_slave_input_available(&p->tty))
			return;
	a = holder(m, k, SLAVE, &slot);
	if (a >= 0 && !before->slave_avail) {
		model_settle(m, a, slot, -1); /* poll() flushes the worker */
		return;
	}
	if (a >= 0 && p->tty.raw && now.slave_inq != before->slave_inq) {
		model_settle(m, a, slot, (int64_t)now.slave_inq);
		return;
	}
	lose(m, p, k); /* nothing shows when the worker is done */
}

/* -- ops -------------------------------------------------------------------- */

static void unsure(struct expect *ex)
{
	ex->unsure = ex->varies = true;
}

static void ld_send(struct model *m, struct kobj *o, const struct op *op, const uint8_t *payload,
		    struct expect *ex, bool *blocks)
{
	struct pair *p = o->state;
	int k = model_kobj_index(m, o);
	size_t len = op->len < TTY_WRITE_MAX ? op->len : TTY_WRITE_MAX;
	uint8_t *bytes = model_scratch(m, IPCF_ACTORS);
	struct observed before = observe(p);

	ex->ret = 0;
	if (p->lost) {
		/* Not followed: run it non-blocking (it might wait on a stopped
		 * tty), accept what it says. */
		if (!(op->flags & OPF_NOWAIT)) {
			*blocks = true;
			return;
		}
		unsure(ex);
		lose(m, p, k); /* a session taken since: its signals are not awaited */
		return;
	}
	tty_shape_bytes(bytes, payload, len, op->arg, op->seed);
	if (side_of(m, op->actor, op->obj) == MASTER) {
		ex->ret = (int64_t)len;
		if (len) {
			ntty_receive(&p->tty, bytes, len);
			if (p->tty.flush_after_line)
				interrupt_readers(m, k);
			barrier(m, k, &before, true);
		}
		return;
	}
	if (p->hung) {
		ex->ret = -1;
		ex->err = EIO;
		return;
	}
	if (p->tty.stopped && len && !(op->flags & OPF_NOWAIT)) {
		*blocks = true; /* stopped by ^S: a blocking write waits */
		return;
	}
	long r = ntty_slave_write(&p->tty, bytes, len);
	ex->ret = r < 0 ? -1 : r;
	ex->err = r < 0 ? (int32_t)-r : 0;
	barrier(m, k, &before, false);
}

/* Another actor blocked reading the same side holds its read lock. */
static bool read_locked(const struct model *m, int k, const struct op *op)
{
	enum side s = side_of(m, op->actor, op->obj);

	/* A read left pending through io_uring waits in poll (ring_waits),
	 * outside n_tty_read: it holds no lock (found by fuzz-pty). */
	for (int a = 0; a < IPCF_ACTORS; a++)
		if (a != op->actor && m->pend[a].active && m->pend[a].kobj == k &&
		    m->pend[a].op.kind == OP_RECV &&
		    !(m->pend[a].op.flags & (OPF_SIG | OPF_URING)) &&
		    side_of(m, a, m->pend[a].op.obj) == s)
			return true;
	return false;
}

/* A blocking read through io_uring: a tty has no FMODE_NOWAIT, so the ring
 * polls it first and reads only once poll says readable, as read(2) would
 * then; until then it waits and takes nothing, also where read(2) would
 * not wait: VMIN 0 with nothing there, fewer than VMIN bytes for a smaller
 * read, a read of 0 bytes.  Poll says readable on the slave for a whole
 * line, or VMIN bytes when VTIME is 0, else one byte (n_tty_poll); on the
 * master for any byte, or once the slave is gone (EIO, or 0 bytes).  The
 * wait ends with one event, after which the read takes what is there at
 * once, on a canonical slave or with VMIN 0 or 1.  A non-blocking op never
 * takes the ring on a tty (RWF_NOWAIT is refused there, the backend makes
 * the system call); a hung-up file polls readable and reads as read(2). */
static bool ring_waits(const struct pair *p, enum side s, const struct op *op, bool nowait,
		       bool *pollable)
{
	*pollable = false;
	if (!(op->flags & OPF_URING) || nowait || p->hung)
		return false;
	if (s == MASTER)
		return !p->tty.master_len && !p->slave_closed;
	*pollable = p->tty.icanon || p->tty.t.cc[VMIN] <= 1;
	return !ntty_slave_input_available(&p->tty);
}

/* Predicts a read; false when a blocking one would wait. */
static bool ld_take(struct model *m, struct pair *p, const struct op *op, bool nowait,
		    struct expect *ex, bool *pollable)
{
	enum side s = side_of(m, op->actor, op->obj);
	long r;

	*pollable = false;
	ex->len = 0;
	if (p->lost) {
		/* Not followed: run it non-blocking, accept what it says. */
		unsure(ex);
		return nowait;
	}
	if (ring_waits(p, s, op, nowait, pollable))
		return false;
	*pollable = false;
	if (s == MASTER) {
		r = ntty_master_read(&p->tty, op->len, ex->data);
		if (r == -EAGAIN && p->slave_closed)
			r = -EIO; /* TTY_OTHER_CLOSED, nothing left */
		if (r == -EAGAIN && !nowait)
			return false;
	} else if (p->hung) {
		r = 0; /* a hung-up file reads end of file */
	} else {
		r = ntty_slave_read(&p->tty, op->len, nowait, ex->data, pollable);
		if (r == NTTY_WOULD_BLOCK)
			return false;
	}
	ex->ret = r < 0 ? -1 : r;
	ex->err = r < 0 ? (int32_t)-r : 0;
	ex->len = r > 0 ? (uint32_t)r : 0;
	return true;
}

static void ld_recv(struct model *m, struct kobj *o, const struct op *op, struct expect *ex,
		    bool *blocks)
{
	struct pair *p = o->state;
	bool pollable, nowait = op->flags & OPF_NOWAIT;

	if (op->flags & OPF_SIG) {
		take_signals(ctx_of(m), op->actor, op, ex);
		return;
	}
	/* read(2) of 0 bytes asks n_tty_read too, which takes the lock. */
	if (read_locked(m, model_kobj_index(m, o), op)) {
		if (nowait) {
			ex->ret = -1;
			ex->err = EAGAIN; /* mutex_trylock of the read lock failed */
		} else {
			*blocks = true;
		}
		return;
	}
	if (!ld_take(m, p, op, nowait, ex, &pollable))
		*blocks = true;
}

static bool ld_may_pend(const struct op *op)
{
	return op->kind == OP_RECV && !(op->flags & OPF_SIG);
}

/* Only a slave read that wakes for one event (a whole line, or any byte
 * with VMIN 1) is left pending; the master's input arrives in pieces. */
static bool ld_can_pend(const struct model *m, const struct kobj *o, const struct op *op)
{
	struct pair *p = o->state;
	bool pollable;
	uint8_t scratch[1];

	if (side_of(m, op->actor, op->obj) == MASTER || p->lost || p->hung ||
	    read_locked(m, model_kobj_index(m, o), op))
		return false;
	if (ring_waits(p, SLAVE, op, false, &pollable))
		return pollable;
	struct ntty copy = p->tty;
	return ntty_slave_read(&copy, 1, false, scratch, &pollable) == NTTY_WOULD_BLOCK && pollable;
}

static bool ld_try_finish(struct model *m, struct kobj *o, const struct op *op, bool removed,
			  struct expect *ex)
{
	struct pair *p = o->state;
	bool pollable;

	(void)removed;
	memset(ex, 0, offsetof(struct expect, data));
	if (p->hung) {
		/* Woken by the hangup: TTY_OTHER_CLOSED (EIO) or the hung-up
		 * file's end of file, whichever it checks first. */
		ex->ret = -1;
		ex->err = EIO;
		ex->has_alt = true;
		return true;
	}
	/* (A reader never finishes under other settings than it began with:
	 * ld_setopt interrupts it first.) */
	if (p->lost) {
		unsure(ex);
		return true;
	}
	return ld_take(m, p, op, false, ex, &pollable);
}

/* -- options ---------------------------------------------------------------- */

static void set_ctty(struct model *m, struct pair *p, int k, const struct op *op, struct expect *ex)
{
	struct ld_actor *a = &ctx_of(m)->actor[op->actor];

	/* tiocsctty() is handed the slave whichever side the ioctl is on. */
	a->leader = true; /* setsid() unless it leads a session already */
	if (a->ctty_k == k)
		return; /* already its controlling tty */
	if (a->ctty_k >= 0 || p->session >= 0) {
		ex->ret = -1;
		ex->err = EPERM;
		return;
	}
	a->ctty_k = k;
	p->session = op->actor;
	if (p->lost)
		a->sig_unsure = true; /* what the pair does is not followed */
}

static void set_winsize(struct model *m, struct pair *p, unsigned value)
{
	unsigned rows = value >> 8, cols = value & 0xff;

	if (rows == p->ws.rows && cols == p->ws.cols)
		return; /* pty_resize: no change, no signal */
	/* pty_resize() signals both sides' groups, but the master never has
	 * one: opening ptmx never takes it and TIOCSCTTY takes the slave. */
	kernel_signal(ctx_of(m), p->session, SIGWINCH);
	p->ws.rows = rows;
	p->ws.cols = cols;
}

/* Would a read begun under termios a wait differently under b? */
static bool reads_differently(const struct ntty_termios *a, const struct ntty_termios *b)
{
	bool canon = a->lflag & ICANON;
	return canon != ((b->lflag & ICANON) != 0) ||
	       (!canon && (a->cc[VMIN] != b->cc[VMIN] || a->cc[VTIME] != b->cc[VTIME]));
}

static void ld_setopt(struct model *m, struct kobj *o, const struct op *op, struct expect *ex)
{
	struct pair *p = o->state;
	int k = model_kobj_index(m, o);
	struct ntty_termios t = p->tty.t;
	struct observed before = observe(p);
	unsigned v = op->len;

	ex->ret = 0;
	if (op->arg == OPT_CTTY && op->actor == 0) {
		ex->skipped = true; /* the executor never takes a controlling tty */
		return;
	}
	/* OPT_FLUSH and every option after it (mqueue's) are not the pty's */
	if (op->arg < OPT_RAW || op->arg >= OPT_FLUSH) {
		ex->ret = -1;
		ex->err = ENOTSUP;
		return;
	}
	if (side_of(m, op->actor, op->obj) == SLAVE && p->hung) {
		ex->ret = -1;
		ex->err = EIO; /* a hung-up file: every ioctl fails */
		return;
	}
	if (p->lost && op->arg != OPT_CTTY && op->arg != OPT_WINSZ)
		return;
	switch (op->arg) {
	case OPT_CTTY:
		set_ctty(m, p, k, op, ex);
		return;
	case OPT_WINSZ:
		set_winsize(m, p, v);
		return;
	case OPT_RAW: /* cfmakeraw */
		t.iflag &= ~(uint32_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL |
				       IXON);
		t.oflag &= ~(uint32_t)OPOST;
		t.lflag &= ~(uint32_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
		t.cflag = (t.cflag & ~(uint32_t)(CSIZE | PARENB)) | CS8;
		t.cc[VMIN] = 1;
		t.cc[VTIME] = 0;
		break;
	case OPT_SANE:
		ntty_initial_termios(&t);
		break;
	case OPT_IFLAG_ON:
		t.iflag |= v;
		break;
	case OPT_IFLAG_OFF:
		t.iflag &= ~v;
		break;
	case OPT_OFLAG_ON:
		t.oflag |= v;
		break;
	case OPT_OFLAG_OFF:
		t.oflag &= ~v;
		break;
	case OPT_LFLAG_ON:
		t.lflag |= v;
		break;
	case OPT_LFLAG_OFF:
		t.lflag &= ~v;
		break;
	case OPT_CC:
		/* glibc passes the kernel's 19 control characters only. */
		if ((v >> 8) < NTTY_NCCS)
			t.cc[v >> 8] = (uint8_t)v;
		break;
	}
	/* n_tty_read takes the mode, VMIN and VTIME once, as it begins: a
	 * slave read blocked under others is interrupted first (found by
	 * fuzz-pty: VMIN set to 0 did not end a read waiting for a byte; seed
	 * vmin_changed_under_read.txt). */
	if (reads_differently(&p->tty.t, &t))
		model_cancel_first_on(m, k, -1);
	ntty_set_termios(&p->tty, &t);
	barrier(m, k, &before, false); /* held echoes may flow again */
}

const struct class_model model_line_discipline = {
	.new_state = pair_new,
	.free_state = pair_free,
	.send = ld_send,
	.recv = ld_recv,
	.setopt = ld_setopt,
	.may_pend = ld_may_pend,
	.try_finish = ld_try_finish,
	.ctx_new = ld_ctx_new,
	.ctx_free = ld_ctx_free,
	.ctx_reset = ld_ctx_reset,
	.actor_gone = ld_actor_gone,
	.resolve_join = ld_resolve_join,
	.can_pend = ld_can_pend,
	.closed = ld_closed,
};
