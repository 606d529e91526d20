/* The byte-stream use path of pipe and fifo (see stream_fd.h). */
#define _GNU_SOURCE
#include "stream_fd.h"

#include "../../src/uring/backend.h"
#include "../../src/util/fault.h"
#include "../../stress/stress.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

const struct stress_profile stream_fd_stress = {.kind = STRESS_STREAM, .max_frame = PIPE_BUF};

ssize_t stream_fd_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len)
{
	if (c->fd[1] < 0)
		return -EBADF;
	return use_write(op, c->fd[1], buf, len);
}

ssize_t stream_fd_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap,
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

int stream_fd_close(struct chan *c, unsigned ends)
{
	return chan_close_fds(c, ends);
}

int stream_fd_setopt(struct chan *c, unsigned value)
{
	int fd = c->fd[0] >= 0 ? c->fd[0] : c->fd[1];
	if (fd < 0)
		return -EBADF;
	int r = fcntl(fd, F_SETPIPE_SZ, (int)value);
	return r < 0 ? -errno : r;
}

int stream_fd_to_c(FILE *f, const struct op *op)
{
	unsigned nowait = op->flags & OPF_NOWAIT ? 1 : 0;
	switch (op->kind) {
	case OP_SEND:
		fprintf(f,
			"\t\tif (c->fd[1] < 0) {\n\t\t\tr = -EBADF;\n\t\t} else {\n"
			"\t\t\tr = pipe_rw(c->fd[1], pay, %u, 1, %u);\n\t\t}\n",
			op->len, nowait);
		return 1;
	case OP_RECV:
		fprintf(f,
			"\t\tif (c->fd[0] < 0) {\n\t\t\tr = -EBADF;\n\t\t} else {\n"
			"\t\t\tr = pipe_rw(c->fd[0], buf, %u, 0, %u);\n\t\t}\n",
			op->len, nowait);
		return 1;
	case OP_CLOSE:
		for (int i = 0; i < 2; i++)
			if (op->flags & (i ? OPF_WRITE : OPF_READ))
				fprintf(f,
					"\t\tif (c->fd[%d] >= 0)\n\t\t\tclose(c->fd[%d]);\n"
					"\t\tc->fd[%d] = -1;\n",
					i, i, i);
		fprintf(f, "\t\tc->ends &= ~0x%xu;\n", op->flags & (OPF_READ | OPF_WRITE));
		return 1;
	case OP_SETOPT:
		fprintf(f,
			"\t\tint fd = c->fd[0] >= 0 ? c->fd[0] : c->fd[1];\n"
			"\t\tr = fd < 0 ? -EBADF : fcntl(fd, F_SETPIPE_SZ, %u);\n"
			"\t\tr = r == -1 ? -errno : r;\n",
			op->len);
		return 1;
	}
	return 0;
}
