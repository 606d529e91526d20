/* A byte stream on a pair of descriptors (fd[0] the read end, fd[1] the
 * write end): the use path pipe and fifo share, so both are judged by the
 * same byte-stream model through the same calls. */
#ifndef IPCFUZZ_STREAM_FD_H
#define IPCFUZZ_STREAM_FD_H

#include "../mechanism.h"

ssize_t stream_fd_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len);
ssize_t stream_fd_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap,
		       int64_t *mtype);
int stream_fd_close(struct chan *c, unsigned ends);
/* F_SETPIPE_SZ on whichever end the handle holds. */
int stream_fd_setopt(struct chan *c, unsigned value);
/* A byte stream whose writes up to PIPE_BUF are atomic (pipe, fifo). */
extern const struct stress_profile stream_fd_stress;
/* Reproducer C of send, recv, close and setopt (to_c hooks, with the
 * pipe_rw helper pipe's hook writes); 0 when the op is not one of those. */
int stream_fd_to_c(FILE *f, const struct op *op);

#endif
