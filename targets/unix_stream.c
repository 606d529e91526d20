/* unix-stream: a byte stream (no edges), judged by the byte-stream model with the
 * socket's capacity.
 * Everything but the socket type is targets/common/socket.c. */
#include "mechanism.h"

#include "common/socket_to_c.h"
#include "../src/uring/backend.h"
#include "../stress/stress.h"

#include <sys/socket.h>

static const struct sock_kind kind = {.domain = AF_UNIX, .type = SOCK_STREAM};

static int unix_stream_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	return sock_create(&kind, c, ref, op);
}

/* Concurrent senders: a send this small is one skb, never split. */
static const struct stress_profile unix_stream_stress = {.kind = STRESS_STREAM, .max_frame = 4096};

static void unix_stream_to_c(FILE *f, const struct op *op)
{
	sock_to_c(f, op, &kind);
}

const struct mechanism mech_unix_stream = {
	.id = "unix-stream",
	.summary = "UNIX stream socket: byte stream, no edges; path, abstract or socketpair",
	.cls = CLASS_SOCKET_STREAM,
	.create = unix_stream_create,
	SOCK_USE_PATHS,
	.to_c = unix_stream_to_c,
	.access = &sock_unix_access,
	.set_perm = sock_set_perm,
	.uring_ops = URING_OPS_SOCK,
	.stress = &unix_stream_stress,
};
