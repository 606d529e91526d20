/* Peers: helper processes started once and then driven by command over a
 * SOCK_SEQPACKET pair (descriptors travel as SCM_RIGHTS), the way
 * syzkaller's executor avoids a fork per input.  A killed peer is restarted
 * the next time it is needed. */
#ifndef IPCFUZZ_PEER_H
#define IPCFUZZ_PEER_H

#include <stdbool.h>
#include <sys/types.h>

#include "../../targets/mechanism.h"

enum peer_cmd_what {
	PEER_OP,     /* run op; fds attached for an inherited join */
	PEER_EXPORT, /* send back the descriptors of chans[op.obj] */
	PEER_BEGIN,  /* take the audit baseline */
	PEER_END,    /* close everything, audit, report leaks */
	PEER_SYNC,   /* just answer: the peer has run (signals to it were handled) */
	PEER_SETTLE, /* mech->settle on chans[op.obj], want = hint, timeout = salt ms */
	PEER_SETUP,  /* a new peer learns its actor (op.actor) and identity (op, when
		      * an OP_IDENT): identity, setup, then baseline */
};

struct peer_cmd {
	uint32_t what;
	uint32_t salt;
	uint32_t ends; /* inherited join: which ends the attached fds are */
	struct op op;
	struct obj_ref ref;
	int64_t hint; /* what the model expects (struct chan.hint) */
};

struct peer_reply {
	struct outcome out; /* PEER_END: out.ret = 1 when the peer must be replaced */
	int32_t ns_kept;    /* PEER_END: its own namespaces hold what they held when made
			     * (or it has none): it may wait for a later program */
	int32_t mq_root;    /* PEER_SETUP: it holds an mqueue root (AUDIT_MQ_ROOT_FD) */
	int32_t lent_netns; /* PEER_SETUP: what became of the network namespace lent
			     * to it (identity_apply's *lent) */
	struct obj_ref ref;
	char leaks[512];
};

struct peer {
	pid_t pid; /* 0 = not running */
	int sock;
	int pidfd; /* tells when a killed peer is gone */
	int actor;
	bool mq_root; /* its identity's IPC namespace has queues to sweep at a kill */
	int netns;    /* the slot of the network namespace lent to it, or 0 */
};

/* The zygote that forks peers: start it while the process is small. */
int peer_zygote_start(const struct mechanism *mech);
pid_t peer_zygote_pid(void);
/* main() of ipcfuzz-peer, the lean zygote a fuzzing build execs (peer.c
 * says why); 2 when not started by an executor. */
int peer_lean_zygote_main(int argc, char **argv);
/* Which peers this process starts: "lean, <path>" or sanitized forks. */
const char *peer_describe(void);
/* A peer for `actor`: a spare from the zygote that runs the mechanism's
 * actor_setup and takes the identity op `ident` (NULL: none), in the order
 * the mechanism asks (setup_after_ident), in one round trip.  0; *ident_err
 * is the errno taking the identity failed with (the peer is gone then);
 * else a start failure. */
int peer_start(struct peer *p, int actor, const struct mechanism *mech, const struct op *ident,
	       unsigned timeout_ms, int *ident_err);
/* The setup round trip of peer_start on a running peer: it takes `ident`
 * (NULL: none) and a new audit baseline.  Only for a peer that holds
 * nothing (reset, audited clean, not used since) of a mechanism without an
 * actor_setup.  0, *ident_err as peer_start (the peer is gone then). */
int peer_setup(struct peer *p, const struct op *ident, unsigned timeout_ms, int *ident_err);
/* SIGKILL, then waits until the process is reaped (a signal to its pid
 * then fails with ESRCH, as the model says). */
void peer_kill(struct peer *p);
/* The running peer `from` is `to`'s now (park, aside): `from` says none. */
void peer_move(struct peer *to, struct peer *from);
/* The model says the peer's process is ending by itself (a fatal signal):
 * 0 once it is gone, -ETIMEDOUT if it is still running after timeout_ms.
 * Either way the peer is reaped and forgotten afterwards. */
int peer_expect_death(struct peer *p, unsigned timeout_ms);
int peer_send(struct peer *p, const struct peer_cmd *c, const int fds[2]);
/* Waits up to timeout_ms; 0 on a reply, -ETIMEDOUT, or -EPIPE if it died.
 * data gets out.len bytes; fds (may be NULL) gets passed descriptors. */
int peer_wait(struct peer *p, struct peer_reply *r, uint8_t *data, int fds[2], unsigned timeout_ms);
/* After sending an op the model says blocks: waits until the peer really
 * sleeps in it, so later ops cannot overtake it.  0, -EAGAIN if it answered
 * instead, -ETIMEDOUT. */
int peer_await_blocked(struct peer *p, unsigned timeout_ms);
/* Interrupts a blocked op: kicks until the reply comes or time runs out. */
/* Puts descriptors received in arrival order at the ends they stand for. */
void fds_place(int fds[2], unsigned ends);
int peer_cancel(struct peer *p, struct peer_reply *r, uint8_t *data, unsigned timeout_ms);

#endif
