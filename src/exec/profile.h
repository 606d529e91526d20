/* IPCFUZZ_PROFILE=1: where an iteration's time goes, by phase, printed when
 * the executor is freed (or every 20000 programs).  Off, it costs a load and
 * a branch per phase. */
#ifndef IPCFUZZ_PROFILE_H
#define IPCFUZZ_PROFILE_H

#include <stdint.h>
#include <time.h>

enum prof_phase {
	PROF_MODEL,    /* model_step */
	PROF_SELF_OP,  /* ops the executor runs itself */
	PROF_PEER_OP,  /* ops run by a peer, round trip included */
	PROF_PEND,     /* sending a blocking op and waiting until it sleeps */
	PROF_COLLECT,  /* results of woken or cancelled ops */
	PROF_PEER_END, /* peers close and audit */
	PROF_TEARDOWN, /* destroy, ledger and namespace audit */
	PROF_RESPAWN,  /* a new peer: a spare from the zygote */
	PROF_SETUP,    /* a peer takes its actor and identity (namespaces) */
	PROF_KILL,     /* killing a peer and waiting until it is gone */
	PROF_PHASES
};

extern int prof_on;
extern uint64_t prof_ns[PROF_PHASES];
extern uint64_t prof_n[PROF_PHASES]; /* how many times */
extern uint64_t prof_programs;
/* The two op phases again, by op kind (enum op_kind): which ops cost. */
#define PROF_KINDS 16
extern uint64_t prof_kind_ns[2][PROF_KINDS];
extern uint64_t prof_kind_n[2][PROF_KINDS];

static inline uint64_t prof_now(void)
{
	struct timespec t;
	if (!prof_on)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static inline void prof_add(enum prof_phase ph, uint64_t since)
{
	if (prof_on) {
		prof_ns[ph] += prof_now() - since;
		prof_n[ph]++;
	}
}

/* As prof_add, for PROF_SELF_OP (peer 0) or PROF_PEER_OP (1), by kind. */
static inline void prof_add_op(int peer, unsigned kind, uint64_t since)
{
	if (prof_on) {
		uint64_t d = prof_now() - since;
		prof_ns[peer ? PROF_PEER_OP : PROF_SELF_OP] += d;
		prof_n[peer ? PROF_PEER_OP : PROF_SELF_OP]++;
		prof_kind_ns[peer][kind % PROF_KINDS] += d;
		prof_kind_n[peer][kind % PROF_KINDS]++;
	}
}

/* Reads IPCFUZZ_PROFILE; reports at exit (engines exit without cleanup). */
void prof_init(void);

#endif
