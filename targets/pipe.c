/* pipe: an anonymous byte stream.  No name, so peers join by inheriting the
 * descriptors (SCM_RIGHTS from a holder, as fork would give them). */
#define _GNU_SOURCE
#include "mechanism.h"

#include "../src/uring/backend.h"
#include "../src/util/fault.h"
#include "../stress/stress.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

static int pipe_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	(void)op;
	if (pipe2(c->fd, O_CLOEXEC))
		return -errno;
	ref->id = -1;
	c->ends = OPF_READ | OPF_WRITE;
	return 0;
}

static int pipe_join(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	(void)ref;
	return 0; /* the executor has already placed the inherited fds */
}

static ssize_t pipe_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len)
{
	if (c->fd[1] < 0)
		return -EBADF;
	return use_write(op, c->fd[1], buf, len);
}

static ssize_t pipe_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap,
			 int64_t *mtype)
{
	(void)mtype;
	if (c->fd[0] < 0)
		return -EBADF;
	if (fault_on(FAULT_HANG)) {
		pause(); /* waits although the model says data is there */
		return -errno;
	}
	/* Non-blocking per call (the backend): never O_NONBLOCK on the shared file. */
	ssize_t n = use_pipe_read(op, c->fd[0], buf, cap);
	if (n < 0)
		return n;
	if (fault_on(FAULT_STREAM_DROP_BYTE) && n > 0)
		n--;
	if (fault_on(FAULT_STREAM_SWAP) && n > 1 && buf[0] != buf[1]) {
		uint8_t t = buf[0];
		buf[0] = buf[1];
		buf[1] = t;
	}
	return n;
}

static int pipe_close(struct chan *c, unsigned ends)
{
	return chan_close_fds(c, ends);
}

static int pipe_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	(void)ref;
	return 0; /* nothing to unlink: the pipe dies with its last descriptor */
}

static int pipe_setopt(struct chan *c, unsigned value)
{
	int fd = c->fd[0] >= 0 ? c->fd[0] : c->fd[1];
	if (fd < 0)
		return -EBADF;
	int r = fcntl(fd, F_SETPIPE_SZ, (int)value);
	return r < 0 ? -errno : r;
}

/* Reproducer C (src/prog/to_c.h): the same calls as above, as text. */
static void pipe_to_c(FILE *f, const struct op *op)
{
	if (!op) {
		fprintf(f,
			"/* Non-blocking per call, as ipcfuzz does: RWF_NOWAIT. */\n"
			"static ssize_t pipe_rw(int fd, void *b, size_t n, int wr, int nowait)\n{\n"
			"\tstruct iovec v = {b, n};\n"
			"\tint fl = nowait ? RWF_NOWAIT : 0;\n"
			"\tssize_t r = wr ? pwritev2(fd, &v, 1, -1, fl) : preadv2(fd, &v, 1, -1, "
			"fl);\n"
			"\treturn r < 0 ? -errno : r;\n}\n");
		return;
	}
	unsigned nowait = op->flags & OPF_NOWAIT ? 1 : 0;
	switch (op->kind) {
	case OP_CREATE:
		fprintf(f, "\t\tif (pipe2(c->fd, O_CLOEXEC))\n\t\t\tr = -errno;\n"
			   "\t\telse\n\t\t\tc->ends = END_READ | END_WRITE;\n");
		break;
	case OP_JOIN:
		fprintf(f, "\t\tr = 0; /* the descriptors were inherited */\n");
		break;
	case OP_SEND:
		fprintf(f,
			"\t\tif (c->fd[1] < 0) {\n\t\t\tr = -EBADF;\n\t\t} else {\n"
			"\t\t\tr = pipe_rw(c->fd[1], pay, %u, 1, %u);\n\t\t}\n",
			op->len, nowait);
		break;
	case OP_RECV:
		fprintf(f,
			"\t\tif (c->fd[0] < 0) {\n\t\t\tr = -EBADF;\n\t\t} else {\n"
			"\t\t\tr = pipe_rw(c->fd[0], buf, %u, 0, %u);\n\t\t}\n",
			op->len, nowait);
		break;
	case OP_CLOSE:
		for (int i = 0; i < 2; i++)
			if (op->flags & (i ? OPF_WRITE : OPF_READ))
				fprintf(f,
					"\t\tif (c->fd[%d] >= 0)\n\t\t\tclose(c->fd[%d]);\n"
					"\t\tc->fd[%d] = -1;\n",
					i, i, i);
		fprintf(f, "\t\tc->ends &= ~0x%xu;\n", op->flags & (OPF_READ | OPF_WRITE));
		break;
	case OP_DESTROY:
		fprintf(f, "\t\tr = 0; /* a pipe dies with its last descriptor */\n");
		break;
	case OP_SETOPT:
		fprintf(f,
			"\t\tint fd = c->fd[0] >= 0 ? c->fd[0] : c->fd[1];\n"
			"\t\tr = fd < 0 ? -EBADF : fcntl(fd, F_SETPIPE_SZ, %u);\n"
			"\t\tr = r == -1 ? -errno : r;\n",
			op->len);
		break;
	}
}

/* A byte stream whose writes up to PIPE_BUF are atomic. */
static const struct stress_profile pipe_stress = {.kind = STRESS_STREAM, .max_frame = PIPE_BUF};

const struct mechanism mech_pipe = {
	.id = "pipe",
	.summary = "anonymous pipe (pipe2): byte stream, joined by inheritance",
	.cls = CLASS_BYTE_STREAM,
	.join_path = JOIN_BY_INHERIT,
	.naming = NAMING_NONE,
	.probe = NULL,
	.create = pipe_create,
	.join = pipe_join,
	.send = pipe_send,
	.recv = pipe_recv,
	.close = pipe_close,
	.destroy = pipe_destroy,
	.setopt = pipe_setopt,
	.to_c = pipe_to_c,
	.uring_ops = URING_OPS_PIPE,
	.stress = &pipe_stress,
};
