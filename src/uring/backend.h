/* The use backend: how a mechanism's send and receive reach the kernel.
 * A mechanism keeps its own semantics (which end, O_NONBLOCK, flags, its
 * faults) and makes its data call through one of these; the op's `uring`
 * flag (a property of the program, src/prog/prog.h) picks the system call
 * or the same call through this process's io_uring, on the same
 * descriptor.  So every stream and socket mechanism gets its io_uring path
 * from one line per call, and the model judges both paths alike.
 *
 * All return a count or -errno. */
#ifndef IPCFUZZ_URING_BACKEND_H
#define IPCFUZZ_URING_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "../prog/prog.h"
#include "ring.h"

/* The io_uring opcodes of each kind of use path, for mechanism.uring_ops. */
#define URING_OPS_RW   (URING_OP(READ) | URING_OP(WRITE))
#define URING_OPS_PIPE (URING_OPS_RW | URING_OP(SPLICE) | URING_OP(TEE))
#define URING_OPS_SOCK (URING_OP(SEND) | URING_OP(RECV) | URING_OP(SENDMSG) | URING_OP(RECVMSG))

/* read(2) / write(2), or IORING_OP_READ / IORING_OP_WRITE. */
ssize_t use_read(const struct op *op, int fd, void *buf, size_t cap);
ssize_t use_write(const struct op *op, int fd, const void *buf, size_t len);
/* A read from a pipe: through io_uring, the op's `via` (enum uring_via)
 * also picks IORING_OP_SPLICE into a scratch pipe, or IORING_OP_TEE then
 * READ (the tee's copy must be what the read takes). */
ssize_t use_pipe_read(const struct op *op, int fd, void *buf, size_t cap);
/* send(2) / recv(2), or IORING_OP_SEND / IORING_OP_RECV. */
ssize_t use_send(const struct op *op, int fd, const void *buf, size_t len, int flags);
ssize_t use_recv(const struct op *op, int fd, void *buf, size_t cap, int flags);
/* sendmsg(2) / recvmsg(2) (SCM_RIGHTS, SCM_CREDENTIALS, datagram edges),
 * or IORING_OP_SENDMSG / IORING_OP_RECVMSG. */
ssize_t use_sendmsg(const struct op *op, int fd, const struct msghdr *mh, int flags);
ssize_t use_recvmsg(const struct op *op, int fd, struct msghdr *mh, int flags);

/* Batched submissions (the stress driver's producers): k sends, frame i
 * being lens[i] bytes of buf (packed one after another), on fd through
 * this participant's ring in one submission, linked in order (a failed
 * send cancels the ones after it), with flags (MSG_DONTWAIT: none waits).
 * Returns how many went out whole, in order; *err is 0 when all did, else
 * the first failure (-EAGAIN full, -EINTR interrupted, ...).  A frame of a
 * datagram goes whole or not at all; a stream's send may go in part, which
 * *err says as -EMSGSIZE with *part its bytes out. */
#define URING_BATCH_MAX 16u
unsigned use_send_batch(int fd, const uint8_t *buf, const uint32_t *lens, unsigned k, int flags,
			int *err, size_t *part);

/* The end of a program in this process: the ring and the scratch pipe go. */
void use_end(void);
/* The end of a program of an executor or peer: the scratch pipe goes, the
 * ring stays for the next program (uring_ring_program_end). */
void use_program_end(void);

#endif
