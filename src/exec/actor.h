/* What an actor (the executor itself or a peer) does with one op: the same
 * code in every process, so a peer is the executor's hands elsewhere. */
#ifndef IPCFUZZ_ACTOR_H
#define IPCFUZZ_ACTOR_H

#include <stdbool.h>
#include "../../targets/mechanism.h"

/* The signal that interrupts a blocked op (watchdog and cancel): a handler
 * that does nothing, installed without SA_RESTART, so the call returns EINTR.
 * A real-time signal far from the ones libFuzzer, AFL++ and the signal
 * target use. */
#define IPCF_SIG_KICK (SIGRTMAX - 1)

struct actor {
	const struct mechanism *mech;
	int index; /* 0 = the executor, 1.. = peers */
	/* This process's pid, which every op tells its handle (obj_ref.pids):
	 * set by actor_become and, in the executor, at each program's start
	 * (an engine may fork it after it was made).  A getpid() per op was
	 * two of a pipe program's ~100 system calls. */
	pid_t pid;
	struct chan chans[IPCF_OBJS];
	uint8_t *payload, *data; /* IPCF_MAX_LEN + 1 bytes each */
	unsigned watchdog_ms;	 /* 0 = the caller bounds blocking */
	int64_t hint;		 /* what the model expects of the next op (chan.hint) */
	/* The caller already made the next send's payload in `payload` (the
	 * executor does, for the model): it is not made twice. */
	bool payload_ready;
};

/* Also runs the mechanism's actor_setup for this process, unless index is
 * -1 (a spare peer, told later with actor_become). */
void actor_init(struct actor *a, const struct mechanism *mech, int index, unsigned watchdog_ms);
void actor_become(struct actor *a, int index);
void actor_fini(struct actor *a);
/* Installs the kick handler (once per process). */
void actor_signals(void);

/* Runs op on the actor's handle.  salt (the op's index in its program)
 * makes the payload; ref is in/out
 * (create fills it); for an inherited join, fds/ends are the descriptors
 * to adopt.  Received data lands in a->data. */
void actor_run(struct actor *a, const struct op *op, uint32_t salt, struct obj_ref *ref,
	       const int fds[2], struct outcome *out);
/* Disarms the watchdog the last blocking op armed. */
void actor_watchdog_off(void);
/* Closes every handle (end of program, or before an actor goes away).  With
 * why, the mechanism's audit first appends what a handle still holds. */
void actor_close_all(struct actor *a, char *why, size_t cap);
/* After actor_close_all at the end of a program: the mechanism's
 * actor_reset.  1 = this process cannot be reset and must be replaced. */
int actor_reset(struct actor *a);
/* Which actor a pid is, by the table the last op carried: 0.., or -1. */
int actor_by_pid(pid_t pid);

#endif
