/* One stress run's state, shared by the supervisor and the participants
 * (forked processes inherit it, threads share it). */
#ifndef IPCFUZZ_STRESS_CTX_H
#define IPCFUZZ_STRESS_CTX_H

#include "../targets/mechanism.h"
#include "area.h"
#include "ledger.h"
#include "run.h"
#include "stress.h"

struct stress_ctx {
	const struct mechanism *mech;
	const struct stress_profile *prof;
	const struct stress_opts *opt;
	struct stress_result *res;
	struct area area;
	struct ledger ledger;
	/* Streams: a channel per consumer; otherwise one for everyone. */
	unsigned nchan;
	struct chan chan[STRESS_MAX_PARTICIPANTS];
	struct obj_ref ref[STRESS_MAX_PARTICIPANTS];
	uint64_t start_ns;
};

enum role { ROLE_PRODUCER, ROLE_CONSUMER };

/* The channel a participant uses: producer p writes to channel p % nchan,
 * consumer c reads channel c (streams have one per consumer). */
static inline unsigned role_channel(const struct stress_ctx *x, enum role role, unsigned i)
{
	(void)role; /* the same rule either way */
	return x->nchan > 1 ? i % x->nchan : 0;
}

/* The op flags that pick the use backend of every send and receive: with
 * --io-uring each participant's calls go through its own ring. */
static inline uint8_t stress_backend(const struct stress_ctx *x)
{
	return x->opt->io_uring ? OPF_URING : 0;
}

/* A participant: a producer or consumer with its own handle. */
struct part {
	struct stress_ctx *x;
	enum role role;
	unsigned index;
	uint8_t tag; /* consumers: ledger tag of this incarnation */
	struct chan h;
	struct ring *ring;
	char *error; /* its slot's error text */
};
/* Records why a participant gives up; returns its exit status, 3. */
int part_fail(struct part *me, const char *what, long err);
int consume_stream(struct part *me); /* stream.c */

/* roles.c: one participant's life; returns its exit status (0, or 3 with
 * the reason in its slot's error). */
int role_main(struct stress_ctx *x, enum role role, unsigned index, int own_process);
/* Supervisor, after it killed a participant and before restarting it:
 * settles what it left behind (see verify.c for the rules). */
void role_recover(struct stress_ctx *x, enum role role, unsigned index);
/* Watchdog: a tick that interrupts blocking calls so that participants see
 * the phase change; installed per process, armed per participant. */
void watchdog_install(void);
void watchdog_uninstall(void);

/* supervise.c: what both modes' supervisors share. */
struct supervisor {
	struct stress_ctx *x;
	uint64_t progress, changed_ns, phase_ns, release_ns, line_ns;
	char stall[160];
};
void supervise_init(struct supervisor *s, struct stress_ctx *x);
void supervise_phase(struct supervisor *s, enum phase p);
/* Every tick, with how many producers and consumers are still to finish:
 * moves the phase on, releases ledger pages, draws the progress line.
 * Returns 1 when the run is over, -1 when it is stuck (s->stall says how). */
int supervise_tick(struct supervisor *s, unsigned producers_left, unsigned consumers_left);
/* Appends a line to the result's failures. */
void supervise_fail(struct stress_ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int driver_run(struct stress_ctx *x);  /* processes: driver.c */
int threads_run(struct stress_ctx *x); /* threads: threads.c */

#endif
