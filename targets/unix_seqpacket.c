/* unix-seqpacket: a connected datagram stream (edges kept, EOF when the
 * sender is gone, ECONNRESET once when the receiver left messages unread).
 * Everything but the socket type is targets/common/socket.c. */
#include "mechanism.h"

#include "common/socket_to_c.h"
#include "../src/uring/backend.h"
#include "../stress/stress.h"

#include <sys/socket.h>

static const struct sock_kind kind = {.domain = AF_UNIX, .type = SOCK_SEQPACKET};

static int unix_seqpacket_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	return sock_create(&kind, c, ref, op);
}

static void unix_seqpacket_to_c(FILE *f, const struct op *op)
{
	sock_to_c(f, op, &kind);
}
/* One frame per message; every consumer reads the one socket.  (A frame
 * seen twice under load, rarely, was the stress ledger's: a page released
 * right after the frame that completed it called that frame a duplicate;
 * see ledger_commit.) */
/* Under --io-uring a producer's frames go as batches of linked
 * non-blocking sends (send_fd). */
static const struct stress_profile unix_seqpacket_stress = {
	.kind = STRESS_MESSAGES, .max_frame = 8192, .send_fd = sock_send_fd};

const struct mechanism mech_unix_seqpacket = {
	.id = "unix-seqpacket",
	.summary = "UNIX seqpacket socket: connected, edges, EOF, SCM_RIGHTS",
	.cls = CLASS_DATAGRAM,
	.create = unix_seqpacket_create,
	SOCK_USE_PATHS,
	.to_c = unix_seqpacket_to_c,
	.access = &sock_unix_access,
	.set_perm = sock_set_perm,
	.uring_ops = URING_OPS_SOCK,
	.stress = &unix_seqpacket_stress,
};
