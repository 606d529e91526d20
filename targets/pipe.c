/* pipe: an anonymous byte stream.  No name, so peers join by inheriting the
 * descriptors (SCM_RIGHTS from a holder, as fork would give them). */
#define _GNU_SOURCE
#include "mechanism.h"

#include "common/stream_fd.h"

#include "../src/uring/backend.h"

#include <errno.h>
#include <fcntl.h>
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

static int pipe_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	(void)ref;
	return 0; /* nothing to unlink: the pipe dies with its last descriptor */
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
	if (stream_fd_to_c(f, op))
		return;
	switch (op->kind) {
	case OP_CREATE:
		fprintf(f, "\t\tif (pipe2(c->fd, O_CLOEXEC))\n\t\t\tr = -errno;\n"
			   "\t\telse\n\t\t\tc->ends = END_READ | END_WRITE;\n");
		break;
	case OP_JOIN:
		fprintf(f, "\t\tr = 0; /* the descriptors were inherited */\n");
		break;
	case OP_DESTROY:
		fprintf(f, "\t\tr = 0; /* a pipe dies with its last descriptor */\n");
		break;
	}
}

const struct mechanism mech_pipe = {
	.id = "pipe",
	.summary = "anonymous pipe (pipe2): byte stream, joined by inheritance",
	.cls = CLASS_BYTE_STREAM,
	.join_path = JOIN_BY_INHERIT,
	.naming = NAMING_NONE,
	.probe = NULL,
	.create = pipe_create,
	.join = pipe_join,
	.send = stream_fd_send,
	.recv = stream_fd_recv,
	.close = stream_fd_close,
	.destroy = pipe_destroy,
	.setopt = stream_fd_setopt,
	.to_c = pipe_to_c,
	.uring_ops = URING_OPS_PIPE,
	.stress = &stream_fd_stress,
};
