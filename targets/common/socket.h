/* Sockets, once for every socket target (unix-stream, unix-dgram,
 * unix-seqpacket, tcp, udp): a target is a `struct sock_kind` and a
 * descriptor.  A channel is a connected pair used one way, as a pipe is:
 * fd[1] sends, fd[0] receives, so the byte-stream and datagram models judge
 * it the way they judge a pipe.  Create's name form picks the join path:
 *   slot     bind to an address (a path in the sandbox's private /dev/shm,
 *            or 127.0.0.1 for tcp/udp), listen, connect, accept
 *   private  the same through an abstract address (unix) or ::1 (tcp/udp)
 *   other    socketpair (unix; tcp/udp take the slot path)
 * Peers join by inheriting the descriptors (SCM_RIGHTS), or (unix, slot and
 * private) by address: `join write` connects a socket of the joiner's own
 * to the creator's path or abstract name (the access rule says who may),
 * and the creator, which kept its listening socket, accepts it at once
 * (the settle hook) and receives on it from then on.  The path is
 * <dir>/s, dir made by the create with mode 0700 | (mode & 0011), the
 * socket file made by bind through the creator's umask and the create's
 * mode.  ref->id: the socket type a join connects with (-1: none). */
#ifndef IPCFUZZ_TARGETS_SOCKET_H
#define IPCFUZZ_TARGETS_SOCKET_H

#include "../mechanism.h"

#include "../../src/prog/ident.h"

/* What a datagram receive reports besides its data (outcome.mtype), so the
 * datagram model can judge the ancillary data and the flags. */
#define SOCK_ANC_TAG	    0xffu    /* the passed descriptor's first byte */
#define SOCK_ANC_FD	    0x100u   /* a passed descriptor arrived */
#define SOCK_ANC_CRED_SHIFT 12	     /* SCM_CREDENTIALS: sender actor + 1 */
#define SOCK_ANC_CRED_OTHER 7u	     /* ... a pid that is no actor now */
#define SOCK_ANC_TRUNC	    1u << 16 /* MSG_TRUNC */
#define SOCK_ANC_CTRUNC	    1u << 17 /* MSG_CTRUNC */
#define SOCK_ANC_UID_SHIFT  18	     /* SCM_CREDENTIALS: sock_id_code(uid) */
#define SOCK_ANC_GID_SHIFT  21	     /* ... sock_id_code(gid) */

/* An id as reports show it: 0 none ((uid_t)-1), 1 + its index in the
 * ident table, 5 any other. */
static inline unsigned sock_id_code(uint32_t id)
{
	int i = ident_index(id);
	return id == UINT32_MAX ? 0u : i < 0 ? 5u : (unsigned)i + 1;
}
/* OPT_PEERCRED's result: who (actor + 1, SOCK_ANC_CRED_OTHER, 0 = no
 * peer), and the codes of uid and gid. */
static inline int64_t sock_peer_word(unsigned who, uint32_t uid, uint32_t gid)
{
	return who | sock_id_code(uid) << 3 | sock_id_code(gid) << 6;
}

/* Room the model may count on in a sender's buffer: sock_create asks for
 * at least this much (SO_SNDBUF, or SO_SNDBUFFORCE where allowed). */
#define SOCK_SNDBUF_WANT (4 << 20)

struct sock_kind {
	int domain; /* AF_UNIX, AF_INET */
	int type;   /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
};

/* The descriptor fields every socket target shares (data: no code). */
#define SOCK_USE_PATHS                                                                             \
	.join_path = JOIN_BY_INHERIT, .naming = NAMING_NONE, .join = sock_join, .send = sock_send, \
	.recv = sock_recv, .close = sock_close, .destroy = sock_destroy, .control = sock_control,  \
	.exists = sock_exists, .settle = sock_settle

/* unix-*: who may connect to a path or an abstract name. */
extern const struct access_rule sock_unix_access;
/* unix-*: perm is chown then chmod of the socket file (ENOTSUP without). */
int sock_set_perm(struct chan *c, const struct obj_ref *ref, uint32_t uid, uint32_t gid,
		  unsigned mode);

int sock_create(const struct sock_kind *k, struct chan *c, struct obj_ref *ref,
		const struct op *op);
int sock_join(struct chan *c, const struct obj_ref *ref);
ssize_t sock_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len);
ssize_t sock_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap, int64_t *mtype);
int sock_close(struct chan *c, unsigned ends);
int sock_destroy(struct chan *c, const struct obj_ref *ref);
int sock_exists(const struct obj_ref *ref);
int64_t sock_control(struct chan *c, const struct op *op);
/* The creator accepts a connection a join by address made (want 1):
 * returns 1 when it did. */
int64_t sock_settle(struct chan *c, int64_t want, unsigned timeout_ms);
/* tcp, udp: only in the sandbox's own network namespace. */
const char *sock_inet_probe(void);
/* tcp: no TIME_WAIT in the sandbox's network namespace, so a long fuzz
 * run does not use up the loopback's ports (actor_setup). */
int sock_tcp_setup(int actor);

#endif
