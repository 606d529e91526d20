/* udp: UDP on 127.0.0.1 inside the sandbox's own network namespace (a
 * receiver bound to port 0, a sender connected to it): datagrams with
 * their edges, MSG_TRUNC, 65507 bytes at most (EMSGSIZE beyond: a negative
 * send arg adds zero bytes past the len field); a send to a closed port is
 * taken and the ICMP error fails the next one (ECONNREFUSED).  The socket
 * code is targets/common/socket.c; the model the datagram class. */
#include "mechanism.h"

#include "common/socket_to_c.h"
#include "../src/uring/backend.h"
#include "../stress/stress.h"

#include <sys/socket.h>

static const struct sock_kind kind = {.domain = AF_INET, .type = SOCK_DGRAM};

static int udp_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	return sock_create(&kind, c, ref, op);
}

static void udp_to_c(FILE *f, const struct op *op)
{
	sock_to_c(f, op, &kind);
}
/* One frame per datagram; a receiver whose buffer is full drops what
 * arrives (the protocol's right): dropped, not lost. */
static const struct stress_profile udp_stress = {
	.kind = STRESS_MESSAGES, .max_frame = 8192, .may_drop = 1, .send_fd = sock_send_fd};

const struct mechanism mech_udp = {
	.id = "udp",
	.summary = "UDP on loopback in the sandbox's network namespace: datagrams, 65507",
	.cls = CLASS_DATAGRAM,
	.probe = sock_inet_probe,
	.create = udp_create,
	SOCK_USE_PATHS,
	.to_c = udp_to_c,
	.uring_ops = URING_OPS_SOCK,
	.stress = &udp_stress,
};
