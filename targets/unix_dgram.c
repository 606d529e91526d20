/* unix-dgram: datagrams (edges kept, MSG_TRUNC, ancillary data); an
 * address-bound receiver queues at most max_dgram_qlen + 1 messages.
 * Everything but the socket type is targets/common/socket.c. */
#include "mechanism.h"

#include "common/socket_to_c.h"
#include "../src/uring/backend.h"
#include "../stress/stress.h"

#include <sys/socket.h>

static const struct sock_kind kind = {.domain = AF_UNIX, .type = SOCK_DGRAM};

static int unix_dgram_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	return sock_create(&kind, c, ref, op);
}

/* One frame per datagram; a full receiver blocks its senders (no loss).
 * Under --io-uring a producer's frames go as batches of linked
 * non-blocking sends (send_fd) and it waits for room with poll(2): a send
 * that waits in the ring for a full receiver completes with 0 and queues
 * an empty datagram (6.18; reproducer:
 * tests/findings/uring_unix_dgram_sendmsg.c, IORING_OP_SEND alike). */
static const struct stress_profile unix_dgram_stress = {
	.kind = STRESS_MESSAGES,
	.max_frame = 8192,
	.send_fd = sock_send_fd,
};

static void unix_dgram_to_c(FILE *f, const struct op *op)
{
	sock_to_c(f, op, &kind);
}

const struct mechanism mech_unix_dgram = {
	.id = "unix-dgram",
	.summary = "UNIX datagram socket: edges, MSG_TRUNC, SCM_RIGHTS/CREDENTIALS",
	.cls = CLASS_DATAGRAM,
	.create = unix_dgram_create,
	SOCK_USE_PATHS,
	.to_c = unix_dgram_to_c,
	.access = &sock_unix_access,
	.set_perm = sock_set_perm,
	.uring_ops = URING_OPS_SOCK,
	.stress = &unix_dgram_stress,
};
