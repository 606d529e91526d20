/* tcp: a TCP connection on 127.0.0.1 inside the sandbox's own network
 * namespace (accepted from a listener on port 0): a byte stream in order,
 * no edges; half-close (SHUT_WR: EOF after the bytes); a receiver that
 * closes with bytes unread resets the connection (ECONNRESET, then EPIPE),
 * one that closes cleanly takes one more send before EPIPE.  The socket
 * code is targets/common/socket.c; the model the socket-stream class. */
#include "mechanism.h"

#include "common/socket_to_c.h"
#include "../src/uring/backend.h"
#include "../stress/stress.h"

#include <sys/socket.h>

static const struct sock_kind kind = {.domain = AF_INET, .type = SOCK_STREAM};

static int tcp_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	return sock_create(&kind, c, ref, op);
}

/* Concurrent senders on one connection interleave whenever a send waits
 * for buffer space (tcp_sendmsg lets go of the socket), so no frame size
 * is atomic: one producer per connection. */
static const struct stress_profile tcp_stress = {
	.kind = STRESS_STREAM, .max_frame = 4096, .one_writer = 1};

static void tcp_to_c(FILE *f, const struct op *op)
{
	sock_to_c(f, op, &kind);
}

const struct mechanism mech_tcp = {
	.id = "tcp",
	.summary = "TCP on loopback in the sandbox's network namespace: byte stream, RST",
	.cls = CLASS_SOCKET_STREAM,
	.probe = sock_inet_probe,
	.create = tcp_create,
	.actor_setup = sock_tcp_setup,
	SOCK_USE_PATHS,
	.to_c = tcp_to_c,
	.uring_ops = URING_OPS_SOCK,
	.stress = &tcp_stress,
};
