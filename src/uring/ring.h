/* The io_uring of one participant: each process (the executor, each peer)
 * or stress thread has at most one ring, opened on its first io_uring op.
 * An executor or peer keeps it from one program to the next, on a
 * descriptor above the audited span (a ring a program leaves open in that
 * span is a leak the audit reports, leak:io_uring); a stress thread closes
 * it when it ends.  Every request runs to its
 * completion here: bounded by a linked timeout, cancelled when a signal (the
 * executor's watchdog, a peer's kick) interrupts the wait, and never left in
 * flight when the call returns. */
#ifndef IPCFUZZ_URING_RING_H
#define IPCFUZZ_URING_RING_H

#include <liburing.h>
#include <stdint.h>

/* A set of io_uring opcodes a use path needs (for the probe). */
#define URING_OP(name) (1ull << IORING_OP_##name)

/* This process's ring, opened if need be; NULL with *err = -errno. */
struct io_uring *uring_ring(int *err);
/* Closes the ring if open (the end of a program, or before a peer ends). */
void uring_ring_close(void);
/* The end of a program: an idle ring stays open for the next one (unless
 * it could not be moved out of the audited span). */
void uring_ring_program_end(void);

/* The bound of every blocking request, in ms (the actor's watchdog; peers,
 * which the executor bounds, get a last-resort bound past it). */
void uring_set_bound(unsigned ms);

/* Submits the SQEs the caller prepared, the last of which is the op whose
 * result is wanted (requests linked before it carry user_data 0), with a
 * linked timeout on that op, and waits for every completion.  blocking: the
 * op may wait (it was not asked to be non-blocking).  Returns the
 * op's result (a count or -errno); -EINTR when a signal or the timeout
 * ended the wait (the request was cancelled first), as an interrupted
 * system call would say. */
int uring_call(struct io_uring *ring, struct io_uring_sqe *op, int blocking);

/* Runs the k SQEs the caller prepared last, in order, as one chain in one
 * submission (IOSQE_IO_LINK: each starts when the one before it has
 * completed, and one that fails cancels the rest), and waits for all of
 * them.  A linked timeout bounds one request, not a chain, so the batch is
 * bounded as a whole by its wait: at the bound, or when a signal
 * interrupts the wait, everything in flight is cancelled and drained.
 * res[i] is request i's result (-ECANCELED after a failure, -EINTR where
 * the cancel stopped it).  Returns 0, or -errno of the ring itself. */
int uring_call_batch(struct io_uring *ring, struct io_uring_sqe **sqe, unsigned k, int *res);

#endif
