/* One ring per participant, and the one way a request runs on it: submit,
 * bound, wait, cancel on interruption, drain.  See ring.h. */
#define _GNU_SOURCE
#include "ring.h"

#include "../util/fault.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

enum tag { TAG_OP = 1, TAG_TIMEOUT, TAG_CANCEL, TAG_BATCH = 16 };

/* Entries: an op, its linked timeout, two cancels and a fault's extra
 * request; or a batch of up to URING_BATCH_MAX requests and a cancel. */
#define RING_ENTRIES 32
/* How long a cancelled request may take to report back before the ring
 * itself is torn down (which cancels everything in it). */
#define DRAIN_MS 2000
/* The ring outlives its program (setting one up and tearing it down cost
 * more than a program's ops), so its descriptor sits far above the span the
 * leak audit looks at, next to the peer sockets: a ring a program opens and
 * leaves open is still a leak there. */
#define RING_FD_BASE 960

/* Per thread: a participant of a threaded stress run is a thread. */
static _Thread_local struct io_uring ring;
static _Thread_local bool ring_open;
static unsigned bound_ms;

struct io_uring *uring_ring(int *err)
{
	if (!ring_open) {
		int e = io_uring_queue_init(RING_ENTRIES, &ring, 0);
		if (e < 0) {
			*err = e;
			return NULL;
		}
		ring_open = true;
		/* uring-leak-ring: the ring stays where the program's descriptors
		 * are, and is forgotten at the end of the program. */
		int hi = fault_on(FAULT_URING_LEAK_RING)
				 ? -1
				 : fcntl(ring.ring_fd, F_DUPFD_CLOEXEC, RING_FD_BASE);
		if (hi >= 0) {
			close(ring.ring_fd);
			ring.ring_fd = ring.enter_ring_fd = hi;
		}
	}
	*err = 0;
	return &ring;
}

void uring_ring_close(void)
{
	if (!ring_open)
		return;
	/* uring-leak-ring: forget the ring without closing it. */
	if (!fault_on(FAULT_URING_LEAK_RING))
		io_uring_queue_exit(&ring);
	ring_open = false;
}

void uring_ring_program_end(void)
{
	/* Nothing is in flight between calls: an idle ring carries nothing
	 * from one program into the next. */
	if (ring_open && ring.ring_fd < RING_FD_BASE)
		uring_ring_close();
}

void uring_set_bound(unsigned ms)
{
	bound_ms = ms;
}

/* Peers do not arm a watchdog (the executor kicks them), so their bound is
 * a last resort past the executor's own: twice IPCFUZZ_TIMEOUT_MS. */
static unsigned bound(void)
{
	if (bound_ms)
		return bound_ms;
	const char *v = getenv("IPCFUZZ_TIMEOUT_MS");
	long ms = v ? strtol(v, NULL, 10) : 0;
	return 2 * (ms >= 10 && ms <= 600000 ? (unsigned)ms : 3000u);
}

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* Asks the kernel to cancel everything this call submitted: the op, and
 * whatever the caller linked before it (plain user_data matches, which
 * every kernel with io_uring cancel understands).  Returns how many
 * completions the cancels themselves will post. */
static int cancel_all(struct io_uring *r)
{
	int n = 0;

	for (uint64_t tag = 0; tag <= TAG_OP; tag++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(r);
		if (!sqe)
			break;
		io_uring_prep_cancel64(sqe, tag, 0);
		io_uring_sqe_set_data64(sqe, TAG_CANCEL);
		n++;
	}
	int s = io_uring_submit(r);
	return s < 0 ? 0 : s;
}

/* How a cancelled request may complete.  A SPLICE or TEE runs in an io-wq
 * worker; cancelling it signals the worker, and the pipe wait it was in
 * returns the kernel's internal -ERESTARTSYS (512), which io_uring passes
 * on as is, or the worker's retry gives -EAGAIN (both seen on 6.18); the
 * same happens when the executor's kick reaches the worker rather than the
 * thread waiting for it.  So a blocking request that ends so, or one we
 * cancelled, was interrupted; a non-blocking one's EAGAIN is its answer. */
#define ERESTARTSYS 512
static bool cancelled(int res)
{
	return res == -ECANCELED || res == -EINTR || res == -ERESTARTSYS || res == -EAGAIN;
}

/* Waits for `inflight` completions and hands each to take().  A signal
 * (watchdog, kick) or the bound (`bound`; NULL: none but the requests'
 * own) says we waited too long: cancel() goes out, and the rest is
 * drained in slices for up to DRAIN_MS.  0; -EINTR when the drain ran
 * out, or a wait's error (the ring is closed then: exit cancels what is
 * left).  *cancelling says whether cancel() went. */
static int reap(struct io_uring *r, int inflight, struct __kernel_timespec *bound,
		int (*cancel)(struct io_uring *r),
		void (*take)(void *ctx, struct io_uring_cqe *cqe), void *ctx, bool *cancelling)
{
	uint64_t deadline = 0;

	*cancelling = false;
	while (inflight > 0) {
		struct io_uring_cqe *cqe = NULL;
		struct __kernel_timespec slice = {.tv_nsec = 50 * 1000000L};
		int e = *cancelling ? io_uring_wait_cqe_timeout(r, &cqe, &slice)
			: bound	    ? io_uring_wait_cqe_timeout(r, &cqe, bound)
				    : io_uring_wait_cqe(r, &cqe);
		if (e == -EINTR || e == -ETIME) {
			if (!*cancelling) {
				*cancelling = true;
				deadline = now_ms() + DRAIN_MS;
				inflight += cancel(r);
			} else if (now_ms() > deadline) {
				uring_ring_close();
				return -EINTR;
			}
			continue;
		}
		if (e < 0) {
			uring_ring_close();
			return e;
		}
		take(ctx, cqe);
		io_uring_cqe_seen(r, cqe);
		inflight--;
	}
	return 0;
}

/* What one call's completions say: the op's result, and whether its
 * linked timeout fired (cancels, and requests a caller linked before the
 * op, say nothing). */
struct call_result {
	int res;
	bool timed_out;
};

static void take_call(void *ctx, struct io_uring_cqe *cqe)
{
	struct call_result *c = ctx;
	uint64_t tag = io_uring_cqe_get_data64(cqe);
	if (tag == TAG_OP)
		c->res = cqe->res;
	else if (tag == TAG_TIMEOUT)
		c->timed_out = cqe->res == -ETIME;
}

int uring_call(struct io_uring *r, struct io_uring_sqe *op, int blocking)
{
	unsigned ms = bound();
	struct __kernel_timespec ts = {.tv_sec = ms / 1000,
				       .tv_nsec = (long)(ms % 1000) * 1000000L};
	bool interrupted = false;

	io_uring_sqe_set_data64(op, TAG_OP);
	/* The timeout starts when the op does, and cancels it if it is still
	 * waiting then.  Every op gets one, non-blocking ones too: a request
	 * the kernel parks although it was asked not to must not hang us. */
	struct io_uring_sqe *lt = io_uring_get_sqe(r);
	if (lt) {
		op->flags |= IOSQE_IO_LINK;
		io_uring_prep_link_timeout(lt, &ts, 0);
		io_uring_sqe_set_data64(lt, TAG_TIMEOUT);
	}
	int inflight = io_uring_submit(r);
	if (inflight < 0) {
		/* Nothing reached the kernel; do not leave SQEs for the next call. */
		uring_ring_close();
		return inflight;
	}
	struct call_result c = {-ECANCELED, false};
	int e = reap(r, inflight, NULL, cancel_all, take_call, &c, &interrupted);
	if (e)
		return e;
	/* Cancelled (by us or by its timeout): interrupted, as a system call
	 * would be.  But a request that completed before the cancel reached it
	 * did its work (the bytes are moved), and says so, as a system call
	 * that returns before the signal does. */
	if ((interrupted || c.timed_out || blocking) && cancelled(c.res))
		return -EINTR;
	return c.res;
}

/* Cancels every request in flight on this participant's ring (the batch is
 * all there is): 1 completion to expect, or 0 if the cancel did not go. */
static int cancel_any(struct io_uring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);
	if (!sqe)
		return 0;
	io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
	io_uring_sqe_set_data64(sqe, TAG_CANCEL);
	return io_uring_submit(r) == 1;
}

struct batch_result {
	int *res;
	unsigned k;
};

static void take_batch(void *ctx, struct io_uring_cqe *cqe)
{
	struct batch_result *b = ctx;
	uint64_t tag = io_uring_cqe_get_data64(cqe);
	if (tag >= TAG_BATCH && tag < TAG_BATCH + b->k)
		b->res[tag - TAG_BATCH] = cqe->res;
}

int uring_call_batch(struct io_uring *r, struct io_uring_sqe **sqe, unsigned k, int *res)
{
	unsigned ms = bound();
	struct __kernel_timespec ts = {.tv_sec = ms / 1000,
				       .tv_nsec = (long)(ms % 1000) * 1000000L};
	bool cancelling = false;

	for (unsigned i = 0; i < k; i++) {
		res[i] = -ECANCELED;
		io_uring_sqe_set_data64(sqe[i], TAG_BATCH + i);
		if (i + 1 < k)
			sqe[i]->flags |= IOSQE_IO_LINK;
	}
	/* One system call submits the chain and waits for its first result. */
	int inflight = io_uring_submit_and_wait(r, 1);
	if (inflight < 0) {
		uring_ring_close();
		return inflight;
	}
	if (inflight == 0 && k) {
		uring_ring_close();
		return -EAGAIN;
	}
	struct batch_result b = {res, k};
	int e = reap(r, (int)k, &ts, cancel_any, take_batch, &b, &cancelling);
	if (e)
		return e;
	/* A request the cancel stopped was interrupted, as a system call. */
	for (unsigned i = 0; cancelling && i < k; i++)
		if (res[i] == -ECANCELED || res[i] == -EINTR || res[i] == -ERESTARTSYS)
			res[i] = -EINTR;
	return 0;
}
