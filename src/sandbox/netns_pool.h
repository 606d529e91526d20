/* Network namespaces for identities, made once and lent out again.
 *
 * An identity with a network namespace of its own (unix-*: abstract names
 * are per namespace) used to unshare a fresh one at every peer start: ~360
 * us of copy_net_ns on the fuzzer's core, and as much again in the kernel
 * worker that frees it (perf over fuzz-unix-dgram: 9% and 5% of all CPU).
 * A namespace that holds no socket is, for everything a program can see
 * of it, as good as new: an abstract name lives only as long as its socket
 * and a program changes no sysctl.  So the executor keeps a few and lends
 * each to one peer at a time; the peer counts its sockets after joining it
 * (identity.c) and takes a fresh one instead when any is left, e.g. one
 * still in flight in a queue elsewhere; that loan is then dropped. */
#ifndef IPCFUZZ_NETNS_POOL_H
#define IPCFUZZ_NETNS_POOL_H

/* A free namespace (made now if none is free and there is room): its slot
 * (>= 1, the peer keeps it), or 0 when none can be had (no namespaces in
 * this sandbox, or all lent). */
int netns_pool_take(void);
/* The namespace's descriptor (for setns), kept by the pool. */
int netns_pool_fd(int slot);
/* Its borrower is gone (killed and reaped): it may be lent again. */
void netns_pool_release(int slot);
/* Its borrower found something left in it: closed for good (the slot
 * makes a new one when next needed). */
void netns_pool_drop(int slot);

#endif
