/* Producers and consumers: what each participant does, the same in a
 * forked process and in a thread.  They reach the mechanism only through
 * its descriptor and take their cue from the profile's kind. */
#define _GNU_SOURCE
#include "ctx.h"
#include "frame.h"
#include "ring.h"
#include "verify.h"

#include "../src/uring/backend.h"
#include "../src/util/fault.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define TICK_MS	     20u /* how soon a blocked participant sees a phase change */
#define RING_WAIT_MS 50u /* one futex sleep in the ring */
#define FAULT_SEQ    10u /* where the stress-* faults strike (producer 0) */

static struct sigaction old_alarm;

static void on_tick(int sig)
{
	(void)sig; /* only here to interrupt a blocking call */
}

void watchdog_install(void)
{
	struct sigaction sa = {.sa_handler = on_tick};

	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked send or recv returns EINTR on every tick. */
	sigaction(SIGALRM, &sa, &old_alarm);
}

void watchdog_uninstall(void)
{
	sigaction(SIGALRM, &old_alarm, NULL);
}

/* A periodic tick aimed at this thread alone. */
static int watchdog_arm(timer_t *t)
{
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGALRM};
	struct itimerspec its = {{0, TICK_MS * 1000000L}, {0, TICK_MS * 1000000L}};

	ev.sigev_notify_thread_id = gettid();
	if (timer_create(CLOCK_MONOTONIC, &ev, t))
		return -errno;
	timer_settime(*t, 0, &its, NULL);
	return 0;
}

int part_fail(struct part *me, const char *what, long err)
{
	snprintf(me->error, 128, "%s %u: %s%s%s",
		 me->role == ROLE_PRODUCER ? "producer" : "consumer", me->index, what,
		 err ? ": " : "", err ? strerror((int)(err < 0 ? -err : err)) : "");
	return 3;
}

/* --- ring hooks: the ledger decides -------------------------------------- */

static void ring_take(void *ctx, const uint8_t *frame, size_t n)
{
	struct part *me = ctx;
	verify_frame(me->x, me->index, me->tag, frame, n, VF_TIMED);
}

static int ring_settled(void *ctx, uint8_t tag, const uint8_t *frame, size_t n)
{
	struct part *me = ctx;
	struct frame_hdr h;

	return n >= FRAME_HDR && frame_header_ok(frame, me->x->opt->size_max, &h) &&
	       ledger_received_by(&me->x->ledger, h.producer, h.seq, tag);
}

/* --- producers ----------------------------------------------------------- */

/* Frames a producer sends in one go: packed in buf, lens[i] bytes each
 * (IPCFUZZ_STRESS_BATCH=N sends at most N: the benchmark's "unbatched"). */
#define BATCH_MAX URING_BATCH_MAX
struct batch {
	uint8_t *buf;
	uint32_t lens[BATCH_MAX];
	unsigned k;
	size_t bytes;
};

/* consumer_creates: the consumer's channel, made in this process (or
 * thread) and published, generation by generation, in its slot. */
static int create_published(struct part *me)
{
	struct stress_ctx *x = me->x;
	struct cons_slot *cs = &x->area.cons[me->index];
	struct op op = {.kind = OP_CREATE,
			.flags = OPF_CREAT | OPF_EXCL,
			.arg = op_create_arg(NAME_SLOT, 0600),
			.len = x->prof->create_len};
	struct obj_ref ref = {0};

	chan_reset(&me->h);
	int r = x->mech->create(&me->h, &ref, &op);
	if (!r && x->prof->prepare)
		r = x->prof->prepare(&me->h, &ref);
	if (r)
		return r;
	/* Never a generation a reader saw before (a restarted consumer's
	 * process-local counter would start over): the slot counts them. */
	uint32_t g = ++cs->publications << 1;
	atomic_store(&cs->pub_gen, g | 1);
	cs->pub = ref;
	atomic_store(&cs->queued, ctr(&cs->received)); /* what it had died with */
	atomic_store(&cs->pub_gen, g);
	return 0;
}

/* A producer's join of what its consumer published: waits (a tick at a
 * time) while there is none, or the run ends.  0, or -EINTR at the end. */
static int join_published(struct part *me)
{
	struct stress_ctx *x = me->x;
	struct cons_slot *cs = &x->area.cons[role_channel(x, ROLE_PRODUCER, me->index)];

	if (me->h.ends)
		x->mech->close(&me->h, OPF_READ | OPF_WRITE);
	chan_reset(&me->h);
	for (;;) {
		uint32_t g = atomic_load(&cs->pub_gen);
		if (g && !(g & 1)) {
			struct obj_ref ref = cs->pub;
			if (atomic_load(&cs->pub_gen) == g) {
				chan_reset(&me->h);
				int r = x->mech->join(&me->h, &ref);
				if (!r)
					return 0;
				x->mech->close(&me->h, OPF_READ | OPF_WRITE);
			}
		}
		if (area_phase(&x->area) >= PHASE_STOP)
			return -EINTR;
		struct timespec nap = {0, 200000};
		nanosleep(&nap, NULL);
	}
}

/* consumer_creates: a consumer's own queue has no bound of its own that
 * stops a sender in time (a signal queue's is RLIMIT_SIGPENDING, per user
 * and shared with every POSIX timer, so a flood starves the watchdogs):
 * producers keep at most this many frames queued to one consumer. */
#define CONSUMER_CREDIT 4096u

static void await_credit(struct part *me)
{
	struct stress_ctx *x = me->x;
	struct cons_slot *cs = &x->area.cons[role_channel(x, ROLE_PRODUCER, me->index)];

	while (atomic_load(&cs->queued) > ctr(&cs->received) + CONSUMER_CREDIT &&
	       area_phase(&x->area) < PHASE_STOP) {
		struct timespec nap = {0, 50000};
		nanosleep(&nap, NULL);
	}
}

/* A stream's bytes onto the channel, all of them: 0, or -EINTR/-EAGAIN
 * when none went and the phase says stop, or a mechanism error. */
static long send_bytes(struct part *me, const uint8_t *buf, size_t n)
{
	struct stress_ctx *x = me->x;
	struct op op = {.kind = OP_SEND, .flags = stress_backend(x), .arg = x->prof->send_arg};
	size_t done = 0;

	if (x->prof->consumer_creates)
		await_credit(me);
	for (;;) {
		long r = x->prof->frame_send
				 ? x->prof->frame_send(&me->h, buf + done, n - done)
				 : (long)x->mech->send(&me->h, &op, buf + done, n - done);
		if (r > 0 && x->prof->consumer_creates)
			atomic_fetch_add(
				&x->area.cons[role_channel(x, ROLE_PRODUCER, me->index)].queued, 1);
		if (r == -ESRCH && x->prof->consumer_creates) {
			/* The receiver is gone: wait for its successor. */
			if ((r = join_published(me)))
				return r;
			continue;
		}
		if (r >= 0) {
			/* A stream may take part of a write (a signal, a full
			 * buffer): the rest follows.  A message may not. */
			done += (size_t)r;
			if (done == n)
				return 0;
			if (x->prof->kind != STRESS_STREAM)
				return -EMSGSIZE;
			continue;
		}
		if (r != -EINTR && r != -EAGAIN)
			return r;
		/* Not sent (or not all): wait on, unless the run is over.  A
		 * write half out must be finished, unless everyone leaves. */
		enum phase ph = area_phase(&x->area);
		if ((!done && ph >= PHASE_STOP) || ph == PHASE_ABORT)
			return r;
	}
}

/* --io-uring with a profile's send_fd (message kinds): a batch of frames
 * is one submission of linked non-blocking sends (src/uring/batch.c), and
 * a full receiver is waited for with poll(2), a tick at a time.  No send
 * ever waits in the ring: there a send to a full unix datagram receiver
 * completes with 0 and queues an empty datagram on 6.18
 * (tests/findings/uring_unix_dgram_sendmsg.c). */
static bool uring_batches(const struct stress_ctx *x)
{
	return x->opt->io_uring && x->prof->send_fd && x->prof->kind == STRESS_MESSAGES;
}

/* Frames out in order through the ring: how many went, the error as
 * send_bytes says it in *err.  track: the producer's slot follows each
 * submission (the frames not yet out stay in flight, so in doubt). */
static unsigned send_uring_batch(struct part *me, const uint8_t *buf, const uint32_t *lens,
				 unsigned k, long *err, bool track)
{
	struct stress_ctx *x = me->x;
	struct prod_slot *ps = &x->area.prod[me->index];
	uint64_t s = prod_next(atomic_load(&ps->state));
	int fd = x->prof->send_fd(&me->h);
	unsigned out = 0;

	*err = 0;
	while (out < k) {
		int e;
		size_t part;
		unsigned n = use_send_batch(fd, buf, lens + out, k - out, MSG_DONTWAIT, &e, &part);
		for (unsigned i = 0; i < n; i++)
			buf += lens[out + i];
		out += n;
		if (track)
			atomic_store(&ps->state, prod_state(s + out, k - out));
		if (!e)
			continue;
		if ((e != -EAGAIN && e != -EINTR) || area_phase(&x->area) >= PHASE_STOP) {
			*err = e; /* a datagram goes whole or not (no -EMSGSIZE part) */
			break;
		}
		if (e == -EAGAIN) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			poll(&p, 1, TICK_MS);
		}
	}
	return out;
}

/* Some frames of a batch into the ring: how many went in (>= 1), or an
 * error as above. */
static long push_frames(struct part *me, const uint8_t *buf, const uint32_t *lens, unsigned k)
{
	struct ring_hooks hooks = {ring_take, ring_settled, me};

	for (;;) {
		int r = ring_push(me->ring, buf, lens, k, &hooks, RING_WAIT_MS);
		if (r > 0)
			return r;
		if (r != -EINTR && r != -EAGAIN)
			return r;
		if (area_phase(&me->x->area) >= PHASE_STOP)
			return r;
	}
}

/* One frame, for the faults' hand-made sequences. */
static long send_frame(struct part *me, const uint8_t *buf, uint32_t n)
{
	long r = 0;
	if (me->ring)
		r = push_frames(me, buf, &n, 1);
	else if (uring_batches(me->x))
		send_uring_batch(me, buf, &n, 1, &r, false);
	else
		r = send_bytes(me, buf, n);
	return r < 0 ? r : 0;
}

/* The stress-* faults: producer 0 breaks its own stream once, at FAULT_SEQ.
 * Returns the next sequence number, or a negative send error. */
static long send_faulty(struct part *me, uint8_t *buf, uint32_t len, uint64_t s,
			const uint8_t *pattern)
{
	const struct stress_opts *o = me->x->opt;
	long r;

	if (fault_on(FAULT_STRESS_SKIP))
		return (long)s + 1;
	if (fault_on(FAULT_STRESS_CORRUPT))
		buf[len - 1] ^= 0x5a;
	if (fault_on(FAULT_STRESS_TRUNCATE))
		len -= 8;
	if (fault_on(FAULT_STRESS_REORDER)) {
		uint8_t *later = buf + o->size_max;
		uint32_t l2 = frame_size(0, s + 1, o->size_min, o->size_max);
		frame_build(later, l2, 0, s + 1, frame_now_ns(), pattern);
		if ((r = send_frame(me, later, l2)) < 0)
			return r;
		s++; /* s + 1 went first; s follows */
	}
	if ((r = send_frame(me, buf, len)) < 0)
		return r;
	if (fault_on(FAULT_STRESS_DUP) && (r = send_frame(me, buf, len)) < 0)
		return r;
	return (long)s + 1;
}

/* How many bytes of frames one send may carry: a stream's atomic write
 * (so producers sharing a channel do not interleave), a ring's batch, one
 * message.  A run with faults sends frame by frame (send_faulty). */
static size_t batch_cap(const struct stress_ctx *x, unsigned *max_frames)
{
	size_t one = x->opt->size_max;
	const char *env = getenv("IPCFUZZ_STRESS_BATCH");
	long n = env ? strtol(env, NULL, 10) : BATCH_MAX;

	*max_frames = 1;
	if (fault_any || (x->prof->kind == STRESS_MESSAGES && !uring_batches(x)))
		return 2 * one; /* the reorder fault builds two */
	*max_frames = n >= 1 && n <= (long)BATCH_MAX ? (unsigned)n : BATCH_MAX;
	if (x->prof->kind == STRESS_STREAM)
		return x->prof->max_frame > 2 * one ? x->prof->max_frame : 2 * one;
	return BATCH_MAX * one;
}

/* Frames s, s + 1, ... while they fit and the quota lasts. */
static void batch_fill(struct part *me, struct batch *b, uint64_t s, uint64_t quota, size_t cap,
		       unsigned max_frames, const uint8_t *pattern)
{
	const struct stress_opts *o = me->x->opt;
	uint16_t p = (uint16_t)me->index;

	b->k = 0;
	b->bytes = 0;
	while (b->k < max_frames && s + b->k < quota) {
		uint32_t len = frame_size(p, s + b->k, o->size_min, o->size_max);
		if (b->k && (b->bytes + len > cap || (me->x->prof->kind == STRESS_STREAM &&
						      b->bytes + len > me->x->prof->max_frame)))
			break;
		frame_build(b->buf + b->bytes, len, p, s + b->k, frame_now_ns(), pattern);
		b->lens[b->k++] = len;
		b->bytes += len;
	}
}

/* The batch out, in order: how many frames are out for sure (all but
 * after an error), and the error or 0 in *err. */
static unsigned batch_send(struct part *me, struct batch *b, long *err)
{
	struct prod_slot *ps = &me->x->area.prod[me->index];
	uint64_t s = prod_next(atomic_load(&ps->state));
	unsigned out = 0;
	const uint8_t *at = b->buf;

	*err = 0;
	if (uring_batches(me->x))
		return send_uring_batch(me, b->buf, b->lens, b->k, err, true);
	if (!me->ring) {
		*err = send_bytes(me, b->buf, b->bytes);
		return *err ? 0 : b->k;
	}
	while (out < b->k) {
		long r = push_frames(me, at, b->lens + out, b->k - out);
		if (r < 0) {
			*err = r;
			break;
		}
		for (long i = 0; i < r; i++)
			at += b->lens[out + i];
		out += (unsigned)r;
		/* What is in the ring is sent: the doubt shrinks to the rest. */
		atomic_store(&ps->state, prod_state(s + out, b->k - out));
	}
	return out;
}

static int produce(struct part *me)
{
	struct stress_ctx *x = me->x;
	struct prod_slot *ps = &x->area.prod[me->index];
	const struct stress_opts *o = x->opt;
	uint8_t *pattern = frame_pattern_new((uint16_t)me->index, o->size_max);
	unsigned max_frames;
	size_t cap = batch_cap(x, &max_frames);
	struct batch b = {.buf = malloc(cap)};
	int rc = 0;

	if (!pattern || !b.buf)
		rc = part_fail(me, "malloc", ENOMEM);
	while (!rc) {
		uint64_t s = prod_next(atomic_load(&ps->state));
		if (s >= ps->quota || area_phase(&x->area) >= PHASE_STOP)
			break;
		batch_fill(me, &b, s, ps->quota, cap, max_frames, pattern);
		atomic_store(&ps->state, prod_state(s, b.k));
		long next, err = 0;
		if (me->index == 0 && s == FAULT_SEQ && s + 2 < ps->quota && fault_any)
			next = send_faulty(me, b.buf, b.lens[0], s, pattern);
		else
			next = (long)(s + batch_send(me, &b, &err));
		if (next < 0 || err) {
			/* Not sent: the state goes back to what is surely out. */
			atomic_store(&ps->state, prod_state(next < 0 ? s : (uint64_t)next, 0));
			if (area_phase(&x->area) < PHASE_STOP)
				rc = part_fail(me, "send", next < 0 ? next : err);
			break;
		}
		atomic_store(&ps->state, prod_state((uint64_t)next, 0));
	}
	free(pattern);
	free(b.buf);
	return rc;
}

/* --- consumers ----------------------------------------------------------- */

/* Message queues: straight into the inbox in the shared area, so that a
 * frame this consumer received is not lost with it if it is killed. */
static int consume_messages(struct part *me)
{
	struct stress_ctx *x = me->x;
	struct cons_slot *cs = &x->area.cons[me->index];
	uint8_t *inbox = area_inbox(&x->area, me->index);
	struct op op = {.kind = OP_RECV}; /* SysV: msgtyp 0, any type */

	for (;;) {
		enum phase ph = area_phase(&x->area);
		if (ph == PHASE_ABORT)
			return 0;
		op.flags = (ph >= PHASE_DRAIN ? OPF_NOWAIT : 0) | stress_backend(x);
		memset(inbox, 0, FRAME_HDR); /* so a header found here after a kill is new */
		atomic_store(&cs->in_recv, 1);
		int64_t mtype = 0;
		ssize_t n = x->prof->frame_recv
				    ? x->prof->frame_recv(&me->h, inbox, x->area.inbox_size,
							  ph >= PHASE_DRAIN)
				    : x->mech->recv(&me->h, &op, inbox, x->area.inbox_size, &mtype);
		atomic_store(&cs->in_recv, 0);
		if (n == -EINTR)
			continue;
		/* empty: EAGAIN, ENOMSG (SysV), ETIMEDOUT (posix-mq's nowait is
		 * mq_timedreceive with an expired timeout) */
		if (n == -EAGAIN || n == -ENOMSG || n == -ETIMEDOUT) {
			if (ph >= PHASE_DRAIN)
				return 0; /* no producer left and nothing queued */
			continue;
		}
		if (n < 0)
			return part_fail(me, "recv", n);
		/* A frame rebuilt from what a signal carried has no send time. */
		verify_frame(x, me->index, me->tag, inbox, (size_t)n,
			     x->prof->frame_recv && !x->prof->frame_whole ? 0 : VF_TIMED);
	}
}

static int consume_ring(struct part *me)
{
	struct ring_hooks hooks = {ring_take, ring_settled, me};

	for (;;) {
		enum phase ph = area_phase(&me->x->area);
		if (ph == PHASE_ABORT)
			return 0;
		int r = ring_pop(me->ring, me->tag, &hooks, ph >= PHASE_DRAIN ? 0 : RING_WAIT_MS);
		if (r == -EAGAIN && ph >= PHASE_DRAIN)
			return 0;
		if (r && r != -EAGAIN && r != -EINTR)
			return part_fail(me, "ring lock", r);
	}
}

static int attach(struct part *me, int joined)
{
	struct stress_ctx *x = me->x;
	unsigned ch = role_channel(x, me->role, me->index);
	int r = 0;

	if (x->prof->consumer_creates) {
		chan_reset(&me->h);
		r = me->role == ROLE_CONSUMER ? create_published(me) : join_published(me);
		if (r == -EINTR)
			return 0; /* the run ended before a consumer showed */
	} else if (me->role == ROLE_CONSUMER && x->prof->consumer_open) {
		/* The far end: opened by this consumer, closed when it is done. */
		chan_reset(&me->h);
		r = x->prof->consumer_open(&me->h, &x->ref[ch]);
	} else if (joined) {
		/* Found by name: drop what fork handed down, join as a stranger. */
		for (unsigned k = 0; k < x->nchan; k++)
			x->mech->close(&x->chan[k], OPF_READ | OPF_WRITE);
		do {
			/* A join may block until a peer shows (a FIFO's open):
			 * the watchdog's tick interrupts it, then it goes on. */
			chan_reset(&me->h);
			r = x->mech->join(&me->h, &x->ref[ch]);
			if (r == -EINTR)
				x->mech->close(&me->h, OPF_READ | OPF_WRITE);
		} while (r == -EINTR && area_phase(&x->area) < PHASE_ABORT);
	} else {
		me->h = x->chan[ch]; /* inherited by fork, or shared by threads */
	}
	if (r)
		return part_fail(me, "join", r);
	if (x->prof->kind == STRESS_RING) {
		size_t len = 0;
		void *region = x->prof->region(&me->h, &len);
		if (!(me->ring = ring_attach(region, len)))
			return part_fail(me, "ring_attach", EPROTO);
	}
	return 0;
}

int role_main(struct stress_ctx *x, enum role role, unsigned index, int own_process)
{
	struct part me = {.x = x, .role = role, .index = index};
	int joined = own_process && x->mech->join_path == JOIN_BY_NAME;
	timer_t t;
	int rc;

	if (role == ROLE_PRODUCER) {
		me.error = x->area.prod[index].error;
	} else {
		me.error = x->area.cons[index].error;
		me.tag = x->area.cons[index].tag;
	}
	if ((rc = watchdog_arm(&t)))
		return part_fail(&me, "timer_create", rc);
	if (!(rc = attach(&me, joined))) {
		if (role == ROLE_PRODUCER)
			rc = produce(&me);
		else if (x->prof->kind == STRESS_STREAM)
			rc = consume_stream(&me);
		else if (x->prof->kind == STRESS_MESSAGES)
			rc = consume_messages(&me);
		else
			rc = consume_ring(&me);
	}
	if (joined || x->prof->consumer_creates ||
	    (role == ROLE_CONSUMER && x->prof->consumer_open))
		x->mech->close(&me.h, OPF_READ | OPF_WRITE);
	use_end(); /* its ring (a thread's ring is not closed by an exit) */
	timer_delete(t);
	return rc;
}

/* A message-queue consumer killed after its recv filled the inbox: the
 * frame is there, counted or not (the ledger knows).  Killed inside recv
 * with nothing in the inbox: one message may have gone with it. */
static void recover_inbox(struct stress_ctx *x, unsigned c)
{
	struct cons_slot *cs = &x->area.cons[c];
	uint8_t *inbox = area_inbox(&x->area, c);
	struct frame_hdr h;

	if (frame_header_ok(inbox, x->opt->size_max, &h) && h.len <= x->area.inbox_size &&
	    frame_payload_ok(inbox, &h))
		cs->recovered += verify_frame(x, c, cs->tag, inbox, h.len, VF_RECOVERY);
	else if (atomic_load(&cs->in_recv))
		cs->recv_deaths++;
	memset(inbox, 0, FRAME_HDR);
	atomic_store(&cs->in_recv, 0);
}

void role_recover(struct stress_ctx *x, enum role role, unsigned index)
{
	if (role == ROLE_PRODUCER) {
		struct prod_slot *ps = &x->area.prod[index];
		uint64_t st = atomic_load(&ps->state);
		uint64_t s = prod_next(st);
		unsigned k = prod_inflight(st);
		/* Killed sending frames s .. s + k - 1: each may or may not be
		 * out.  The new producer goes on after them, so none is ever
		 * sent twice. */
		for (unsigned i = 0; i < k; i++)
			if (ledger_doubt(&x->ledger, index, s + i))
				ps->doubts++;
		atomic_store(&ps->state, prod_state(s + k, 0));
		ps->kills++;
		ps->error[0] = 0;
		return;
	}
	struct cons_slot *cs = &x->area.cons[index];
	ledger_forget_tag(&x->ledger, cs->tag);
	if (x->prof->kind == STRESS_MESSAGES)
		recover_inbox(x, index);
	cs->kills++;
	cs->error[0] = 0;
}
