/* Stress profiles: how a mechanism is stressed, said by the mechanism itself
 * in one descriptor field (struct mechanism.stress).  The stress driver
 * reads only this and the descriptor's functions; it never names a
 * mechanism, so a new mechanism is stressed by adding its profile. */
#ifndef IPCFUZZ_STRESS_H
#define IPCFUZZ_STRESS_H

#include <stddef.h>
#include <stdint.h>

struct chan;
struct obj_ref;

enum stress_kind {
	/* Bytes without edges.  Each consumer reads a channel of its own and
	 * re-assembles frames; producers share channels, which is safe because
	 * a write of up to max_frame bytes is atomic (PIPE_BUF for pipes). */
	STRESS_STREAM,
	/* One frame per send and per receive, edges kept: one channel that
	 * every producer and consumer shares. */
	STRESS_MESSAGES,
	/* Shared memory: the driver lays a ring of fixed-size slots over
	 * region(), guarded by a robust process-shared lock. */
	STRESS_RING,
};

struct stress_profile {
	enum stress_kind kind;
	/* Largest frame one send carries whole (and, for streams, atomically). */
	uint32_t max_frame;
	/* op.len of the create op: the object's size where it has one. */
	uint16_t create_len;
	/* op.arg of every send: SysV's mtype (> 0); a pty's shape (0: raw
	 * bytes); 0 where the mechanism reads nothing from it. */
	int16_t send_arg;
	/* STRESS_RING: the bytes of a handle's mapping the ring may own. */
	void *(*region)(struct chan *c, size_t *len);
	/* After a create, before anyone sends: puts the channel into the
	 * state the traffic needs (a pty's line discipline raw).  NULL: none. */
	int (*prepare)(struct chan *c, const struct obj_ref *ref);
	/* Streams whose two ends are different objects (a pty's master and
	 * slave): how a consumer opens the far end of created channel `ref`.
	 * NULL: consumers read the created handle, as producers write it. */
	int (*consumer_open)(struct chan *c, const struct obj_ref *ref);
	/* A write is atomic only while it need not wait (a tty's), so a
	 * channel takes one producer: runs with more producers than
	 * consumers are skipped. */
	uint8_t one_writer;
	/* Channels whose address is a consumer (a signal's receiver is a
	 * thread): each consumer creates the one it reads, in its own process
	 * or thread, runs prepare on it and publishes its ref in the shared
	 * area; producers join what is published, and join again when a send
	 * says the receiver is gone (-ESRCH).  Channels are per consumer, as
	 * streams' are, and so is the rule for kills: what was queued to a
	 * killed consumer died with it. */
	uint8_t consumer_creates;
	/* Where one send or receive cannot carry a frame's bytes (a signal
	 * carries 8), how a frame travels instead: frame_send returns n or a
	 * negative errno; frame_recv fills buf with a frame and returns its
	 * length, or a negative errno (-EAGAIN: none, when nowait).  NULL:
	 * the descriptor's send and recv. */
	long (*frame_send)(struct chan *c, const uint8_t *frame, size_t n);
	long (*frame_recv)(struct chan *c, uint8_t *buf, size_t cap, int nowait);
	/* Why `stress --io-uring` skips this mechanism although it has an
	 * io_uring use path (a kernel bug it would only find again), or NULL. */
	const char *no_uring;
	/* The mechanism may drop a frame (a UDP receiver whose buffer is
	 * full: the protocol's right).  A frame that never arrives is then
	 * counted as dropped, not lost; duplicated, damaged and reordered
	 * frames are still violations. */
	uint8_t may_drop;
	/* --io-uring batches (STRESS_MESSAGES): the descriptor on which a
	 * send(2) of a frame's bytes is what the descriptor's send does (a
	 * connected socket's), so a producer sends a batch of frames as one
	 * submission of linked non-blocking sends, and waits for room with
	 * poll(2).  NULL: each frame is one send through the descriptor. */
	int (*send_fd)(const struct chan *c);
	/* frame_recv hands back the very bytes frame_send was given (a slot
	 * buffer's), send time included: latency is measured. */
	uint8_t frame_whole;
};

#endif
