/* The use backend: system call or io_uring, per op.  See backend.h. */
#define _GNU_SOURCE
#include "backend.h"

#include "../util/fault.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static bool via_ring(const struct op *op)
{
	return op->flags & OPF_URING;
}

/* Is this call non-blocking?  The system call learns it from the op's
 * flags or from the descriptor's O_NONBLOCK, which the mechanism set (the
 * file status is shared by every copy of the descriptor).  io_uring does
 * not go by O_NONBLOCK for files it can poll (pipes): it waits instead.
 * So the ring is told per request (RWF_NOWAIT, MSG_DONTWAIT,
 * SPLICE_F_NONBLOCK) whatever the system call would have been told. */
static bool nonblocking(const struct op *op, int fd, int msg_flags)
{
	if ((op->flags & OPF_NOWAIT) || (msg_flags & MSG_DONTWAIT))
		return true;
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}

static ssize_t sys_result(ssize_t n)
{
	return n < 0 ? -errno : n;
}

/* The ring's result of a receive; uring-drop-byte loses its last byte, so
 * the tests can show that the model and the differential run notice. */
static ssize_t received(ssize_t n)
{
	if (n > 0 && fault_on(FAULT_URING_DROP_BYTE))
		n--;
	return n;
}

/* Arguments of the prep functions (liburing's preps take them one by one). */
struct rw_arg {
	int fd;
	void *buf;
	size_t len;
	int flags;
	struct msghdr *mh;
	int fd_out;
	bool blocking; /* not asked to be non-blocking */
};

/* Runs one prepared request.  uring-hang links a long timeout in front of
 * it, so a receive waits although its data is there, and only the bound
 * (watchdog, kick, linked timeout) and the cancel path can end it. */
typedef void (*prep_fn)(struct io_uring_sqe *sqe, const void *arg);

static ssize_t ring_call(prep_fn prep, const struct rw_arg *arg, bool is_recv)
{
	static struct __kernel_timespec hour = {.tv_sec = 3600};
	int err;
	struct io_uring *r = uring_ring(&err);

	if (!r)
		return err;
	if (is_recv && arg->blocking && fault_on(FAULT_URING_HANG)) {
		struct io_uring_sqe *t = io_uring_get_sqe(r);
		io_uring_prep_timeout(t, &hour, 0, 0);
		io_uring_sqe_set_data64(t, 0);
		t->flags |= IOSQE_IO_LINK;
	}
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);
	prep(sqe, arg);
	return uring_call(r, sqe, arg->blocking);
}

/* READ and WRITE: flags are rw_flags (RWF_NOWAIT). */
static void prep_read(struct io_uring_sqe *sqe, const void *p)
{
	const struct rw_arg *a = p;
	io_uring_prep_read(sqe, a->fd, a->buf, (unsigned)a->len, (uint64_t)-1);
	sqe->rw_flags = a->flags;
}

static void prep_write(struct io_uring_sqe *sqe, const void *p)
{
	const struct rw_arg *a = p;
	io_uring_prep_write(sqe, a->fd, a->buf, (unsigned)a->len, (uint64_t)-1);
	sqe->rw_flags = a->flags;
}

static void prep_send(struct io_uring_sqe *sqe, const void *p)
{
	const struct rw_arg *a = p;
	io_uring_prep_send(sqe, a->fd, a->buf, a->len, a->flags);
}

static void prep_recv(struct io_uring_sqe *sqe, const void *p)
{
	const struct rw_arg *a = p;
	io_uring_prep_recv(sqe, a->fd, a->buf, a->len, a->flags);
}

static void prep_sendmsg(struct io_uring_sqe *sqe, const void *p)
{
	const struct rw_arg *a = p;
	io_uring_prep_sendmsg(sqe, a->fd, a->mh, (unsigned)a->flags);
}

static void prep_recvmsg(struct io_uring_sqe *sqe, const void *p)
{
	const struct rw_arg *a = p;
	io_uring_prep_recvmsg(sqe, a->fd, a->mh, (unsigned)a->flags);
}

static void prep_splice(struct io_uring_sqe *sqe, const void *p)
{
	const struct rw_arg *a = p;
	io_uring_prep_splice(sqe, a->fd, -1, a->fd_out, -1, (unsigned)a->len, (unsigned)a->flags);
}

static void prep_tee(struct io_uring_sqe *sqe, const void *p)
{
	const struct rw_arg *a = p;
	io_uring_prep_tee(sqe, a->fd, a->fd_out, (unsigned)a->len, (unsigned)a->flags);
}

static int rw_nowait(const struct op *op, int fd)
{
	return nonblocking(op, fd, 0) ? RWF_NOWAIT : 0;
}

static int msg_nowait(const struct op *op, int fd, int flags)
{
	return flags | (nonblocking(op, fd, flags) ? MSG_DONTWAIT : 0);
}

/* The system call of a read or write.  A non-blocking op says so per call
 * (RWF_NOWAIT) rather than through O_NONBLOCK: the file status is shared
 * with every actor holding a copy of the descriptor, and a request another
 * actor has in flight in io_uring reads it when it runs, not when it was
 * submitted, so a flag left set here would turn that blocking request into
 * EAGAIN.  A file without FMODE_NOWAIT (a FIFO opened by open(2)) refuses
 * RWF_NOWAIT: it gets O_NONBLOCK for the call, and back. */
static ssize_t sys_rw(const struct op *op, int fd, void *buf, size_t len, bool write)
{
	struct iovec iov = {.iov_base = buf, .iov_len = len};

	if (!(op->flags & OPF_NOWAIT))
		return sys_result(write ? writev(fd, &iov, 1) : readv(fd, &iov, 1));
	ssize_t n = write ? pwritev2(fd, &iov, 1, -1, RWF_NOWAIT)
			  : preadv2(fd, &iov, 1, -1, RWF_NOWAIT);
	if (n >= 0 || errno != EOPNOTSUPP)
		return sys_result(n);
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	n = sys_result(write ? writev(fd, &iov, 1) : readv(fd, &iov, 1));
	fcntl(fd, F_SETFL, fl);
	return n;
}

/* READ or WRITE through the ring.  A file without FMODE_NOWAIT (a tty, a
 * FIFO opened by path) refuses RWF_NOWAIT there (EOPNOTSUPP), and the ring
 * would wait on it even under O_NONBLOCK (it polls): a non-blocking op on
 * such a file can only be the system call, which it then is. */
static ssize_t ring_rw(const struct op *op, int fd, void *buf, size_t len, bool write)
{
	struct rw_arg a = {.fd = fd, .buf = buf, .len = len, .flags = rw_nowait(op, fd)};
	a.blocking = !a.flags;
	ssize_t n = ring_call(write ? prep_write : prep_read, &a, !write);
	if (n == -EOPNOTSUPP && a.flags)
		return sys_rw(op, fd, buf, len, write);
	return write ? n : received(n);
}

ssize_t use_read(const struct op *op, int fd, void *buf, size_t cap)
{
	return via_ring(op) ? ring_rw(op, fd, buf, cap, false) : sys_rw(op, fd, buf, cap, false);
}

ssize_t use_write(const struct op *op, int fd, const void *buf, size_t len)
{
	return via_ring(op) ? ring_rw(op, fd, (void *)buf, len, true)
			    : sys_rw(op, fd, (void *)buf, len, true);
}

ssize_t use_send(const struct op *op, int fd, const void *buf, size_t len, int flags)
{
	if (!via_ring(op))
		return sys_result(send(fd, buf, len, flags));
	struct rw_arg a = {
		.fd = fd, .buf = (void *)buf, .len = len, .flags = msg_nowait(op, fd, flags)};
	a.blocking = !(a.flags & MSG_DONTWAIT);
	return ring_call(prep_send, &a, false);
}

ssize_t use_recv(const struct op *op, int fd, void *buf, size_t cap, int flags)
{
	if (!via_ring(op))
		return sys_result(recv(fd, buf, cap, flags));
	struct rw_arg a = {.fd = fd, .buf = buf, .len = cap, .flags = msg_nowait(op, fd, flags)};
	a.blocking = !(a.flags & MSG_DONTWAIT);
	return received(ring_call(prep_recv, &a, true));
}

ssize_t use_sendmsg(const struct op *op, int fd, const struct msghdr *mh, int flags)
{
	if (!via_ring(op))
		return sys_result(sendmsg(fd, mh, flags));
	struct rw_arg a = {.fd = fd, .mh = (struct msghdr *)mh, .flags = msg_nowait(op, fd, flags)};
	a.blocking = !(a.flags & MSG_DONTWAIT);
	return ring_call(prep_sendmsg, &a, false);
}

ssize_t use_recvmsg(const struct op *op, int fd, struct msghdr *mh, int flags)
{
	if (!via_ring(op))
		return sys_result(recvmsg(fd, mh, flags));
	struct rw_arg a = {.fd = fd, .mh = mh, .flags = msg_nowait(op, fd, flags)};
	a.blocking = !(a.flags & MSG_DONTWAIT);
	return received(ring_call(prep_recvmsg, &a, true));
}

/* The scratch pipe SPLICE and TEE move a channel's bytes into.  Large
 * enough for any channel's whole content (a pipe of up to 16 pages, each
 * moved as one buffer).  Blocking: splice and tee are non-blocking when
 * either pipe is O_NONBLOCK, and only the channel may decide that; draining
 * never waits anyway, it takes only bytes that are there. */
static _Thread_local int scratch[2] = {-1, -1};
static _Thread_local uint8_t *scratch_copy;

static int scratch_open(void)
{
	if (scratch[0] >= 0)
		return 0;
	if (pipe2(scratch, O_CLOEXEC))
		return -errno;
	fcntl(scratch[0], F_SETPIPE_SZ, 1 << 20); /* best effort: 64 KiB do too */
	if (!scratch_copy)
		scratch_copy = malloc(IPCF_MAX_LEN + 1);
	return scratch_copy ? 0 : -ENOMEM;
}

/* Takes exactly n bytes out of the scratch pipe. */
static ssize_t scratch_drain(uint8_t *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(scratch[0], buf + got, n - got);
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

static ssize_t pipe_ring_move(prep_fn prep, const struct op *op, int fd, size_t cap)
{
	int e = scratch_open();
	if (e)
		return e;
	struct rw_arg a = {.fd = fd,
			   .fd_out = scratch[1],
			   .len = cap,
			   .flags = nonblocking(op, fd, 0) ? SPLICE_F_NONBLOCK : 0};
	a.blocking = !a.flags;
	return ring_call(prep, &a, true);
}

ssize_t use_pipe_read(const struct op *op, int fd, void *buf, size_t cap)
{
	if (!via_ring(op) || op->seed == VIA_READ || cap == 0)
		return use_read(op, fd, buf, cap); /* a read of 0 bytes is no move */
	ssize_t n = pipe_ring_move(op->seed == VIA_SPLICE ? prep_splice : prep_tee, op, fd, cap);
	if (n <= 0)
		return n; /* would block, EOF, an error: as the read says them */
	if (op->seed == VIA_SPLICE)
		return received(scratch_drain(buf, (size_t)n));
	/* TEE copied n bytes and left them in the channel: a read must now
	 * take exactly those, or the kernel disagrees with itself. */
	ssize_t t = scratch_drain(scratch_copy, (size_t)n);
	struct rw_arg rd = {.fd = fd, .buf = buf, .len = cap, .flags = RWF_NOWAIT};
	ssize_t got = ring_call(prep_read, &rd, false); /* the data is there */
	if (got == -EOPNOTSUPP) {
		/* No FMODE_NOWAIT (a FIFO): the ring polls it first, which says
		 * readable at once, for the tee's bytes are there. */
		rd.flags = 0;
		rd.blocking = true;
		got = ring_call(prep_read, &rd, false);
	}
	if (t < 0 || got < 0)
		return t < 0 ? t : got;
	if (got != n || memcmp(buf, scratch_copy, (size_t)n))
		return -EIO; /* the tee's copy is not what the read took */
	return received(got);
}

static void scratch_close(void)
{
	for (int i = 0; i < 2; i++)
		if (scratch[i] >= 0) {
			close(scratch[i]);
			scratch[i] = -1;
		}
}

void use_end(void)
{
	uring_ring_close();
	scratch_close();
}

void use_program_end(void)
{
	uring_ring_program_end();
	scratch_close();
}
