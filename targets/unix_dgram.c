/* unix-dgram: datagrams (edges kept, MSG_TRUNC, ancillary data); an
 * address-bound receiver queues at most max_dgram_qlen + 1 messages.
 * Everything but the socket type is targets/common/socket.c. */
#include "mechanism.h"

#include "common/socket_to_c.h"
#include "../src/uring/backend.h"

#include <sys/socket.h>

static const struct sock_kind kind = {.domain = AF_UNIX, .type = SOCK_DGRAM};

static int unix_dgram_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	return sock_create(&kind, c, ref, op);
}

/* No stress profile yet: under `stress --io-uring` a full receiver makes
 * IORING_OP_SENDMSG complete with 0 and queue an empty datagram (this
 * kernel, 6.18; reproducer: tests/findings/uring_unix_dgram_sendmsg.c). */

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
	.uring_ops = URING_OPS_SOCK,
};
