/* ipcfuzz stress: many producers and consumers hammer one mechanism through
 * its descriptor; every frame is verified, participants may be killed on
 * purpose, and the same leak audit as the fuzzers runs at the end. */
#ifndef IPCFUZZ_STRESS_RUN_H
#define IPCFUZZ_STRESS_RUN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define STRESS_MAX_PARTICIPANTS 64 /* producers, and consumers */

struct mechanism;

struct stress_opts {
	unsigned producers, consumers;
	double seconds;		     /* send for this long, when messages is 0 */
	uint64_t messages;	     /* or send exactly this many, then drain */
	uint32_t size_min, size_max; /* whole frames, header included */
	unsigned kill_every_ms;	     /* 0: no participant is killed */
	int threads;		     /* participants are threads (for TSan) */
	int io_uring;		     /* sends and receives through io_uring, a ring each */
	int progress;		     /* a live line on stdout */
};

struct stress_part {
	uint64_t count; /* frames sent (producer) or received (consumer) */
	unsigned kills;
};

struct stress_result {
	const char *mech;
	const char *mode;  /* "processes" or "threads" */
	char skipped[160]; /* why it did not run; empty when it ran */
	double seconds;
	uint64_t sent;	   /* sequence numbers used */
	uint64_t received; /* frames that arrived whole, once */
	uint64_t bytes;
	/* Violations. */
	uint64_t lost, duplicated, corrupted, truncated, reordered;
	/* Faults injected on purpose, and what they cost as the mechanism
	 * allows (see stress/driver.c). */
	unsigned kills;
	uint64_t lost_to_kill, in_doubt, doubt_received;
	uint64_t dropped; /* may_drop: never arrived, which the mechanism allows */
	int may_drop;
	uint64_t recovered;		    /* frames a killed consumer had taken, counted for it */
	unsigned owner_deaths;		    /* lock holders killed (rings) */
	uint64_t unsettled;		    /* missing when the run was aborted: not judged */
	int ledger_full;		    /* a timed run used every sequence number it had */
	uint64_t lat_p50, lat_p99, lat_max; /* ns, send to receive */
	int lat_measured;		    /* 0: frames carried no send time */
	unsigned nprod, ncons;
	struct stress_part prod[STRESS_MAX_PARTICIPANTS], cons[STRESS_MAX_PARTICIPANTS];
	char failures[2048]; /* leaks, stalls, crashes, errors: a line each */
};

/* NULL when o fits m's profile, else why not (written into buf). */
const char *stress_check(const struct mechanism *m, const struct stress_opts *o, char *buf,
			 size_t cap);
/* Runs one mechanism (skipped when it has no profile or this kernel lacks
 * it); returns the number of violations and failures. */
int stress_run(const struct mechanism *m, const struct stress_opts *o, struct stress_result *r);
int stress_violations(const struct stress_result *r);

/* Set by a SIGINT/SIGTERM handler: the run stops, cleans up and fails. */
extern volatile sig_atomic_t stress_interrupted;

#endif
