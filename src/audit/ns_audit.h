/* The namespaces a peer made for itself (an identity's, see
 * src/exec/identity.c): are they as empty at the end of a program as when
 * they were made?  Then the peer may wait for the next program that asks
 * for the same identity instead of being replaced: a fresh namespace costs
 * more than the rest of most programs (an IPC namespace ~30 us, a network
 * namespace ~360 us here), and one nothing is left in shows a program
 * nothing a fresh one would not (SysV ids aside, which no model predicts). */
#ifndef IPCFUZZ_NS_AUDIT_H
#define IPCFUZZ_NS_AUDIT_H

#include "audit.h"

#include <stdbool.h>

/* Where a peer keeps its IPC namespace's mqueue root (far above what
 * programs use, as its own sockets are). */
#define AUDIT_MQ_ROOT_FD (AUDIT_HIGH_FD + 90)

struct audit_ns {
	int flags;    /* CLONE_NEW* of the namespaces made; 0: none */
	int mq_root;  /* the IPC namespace's mqueue root (a detached mount), or -1 */
	bool mqueues; /* POSIX queues are counted */
	bool known;   /* every count below could be taken */
	int msg_queues, shm_segments, sem_sets;
	long shm_names, mq_names, unix_sockets;
};

/* Right after unshare(flags), while the process may still mount: the
 * counts of what the new namespaces hold (nothing yet, but tmpfs and
 * mqueue directories start at a size of their own).  POSIX queues of a
 * new IPC namespace are counted only when asked (mqueues): it takes a
 * mount, ~20 us, and no other mechanism makes them. */
void audit_ns_begin(struct audit_ns *s, int flags, bool mqueues);
/* Do the namespaces hold what they held at audit_ns_begin?  false when
 * anything differs or could not be counted.  The counts are of the whole
 * namespace: also what another process holds there (a socket passed to the
 * executor) counts, so a namespace is never reused under an object. */
bool audit_ns_unchanged(const struct audit_ns *s);
/* The end of a program: are the namespaces as made, once what the program
 * left in them (SysV objects, POSIX queues where counted, /dev/shm names
 * and directories) is removed?  It goes now, as it would with the
 * namespaces, so that the peer may be parked, and what the queues reserved
 * against the user's RLIMIT_MSGQUEUE is free at once (a dying namespace
 * frees it only after an RCU grace period: the next program's mq_open saw
 * EMFILE, and raising the limit takes CAP_SYS_RESOURCE).  Nothing is read
 * or removed beyond the counts when nothing was left. */
bool audit_ns_reset(const struct audit_ns *s);
/* A peer about to be killed (pidfd): the queues left in its IPC namespace
 * go first, taken through its mqueue root, if it holds one.  They would go
 * with the namespace, but only after a grace period, and until then they
 * count against the user's RLIMIT_MSGQUEUE (see audit_ns_reset): a later
 * program's mq_open saw EMFILE after an identity's peer that made a queue
 * in its own namespace was killed (found by fuzz-posix-mq). */
void audit_ns_sweep_queues_of(int pidfd);
/* Does the current network namespace hold no unix socket, as a new one?
 * (The only kind the programs of a mechanism with network isolation,
 * unix-*, make.) */
bool audit_ns_net_empty(void);
/* The process leaves its namespaces (it is replaced): forget them. */
void audit_ns_end(struct audit_ns *s);

#endif
