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
};

#endif
