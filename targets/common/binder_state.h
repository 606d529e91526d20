/* What a Binder process holds in the kernel, read from debugfs
 * (binder/state): the leak audit's view of nodes, refs and buffers, which
 * no descriptor count shows. */
#ifndef IPCFUZZ_BINDER_STATE_H
#define IPCFUZZ_BINDER_STATE_H

#define BINDER_STATE_PATH "/sys/kernel/debug/binder/state"

struct binder_held {
	int nodes, refs, buffers;
};

/* Sums what the calling thread's live binder_proc on `context` holds: the
 * sections of binder/state for this pid and context that list this thread
 * (a closed proc whose release is still deferred has no threads left).
 * Returns 0, or -errno when debugfs cannot be read. */
int binder_state_held(const char *context, struct binder_held *h);
/* How many binder_procs of the calling process are on `context`, counting
 * closed ones whose deferred release has not run yet; -errno when debugfs
 * cannot be read. */
int binder_state_procs(const char *context);

#endif
