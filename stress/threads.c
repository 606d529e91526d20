/* Thread mode (--threads): the same producers and consumers as threads of
 * one process sharing the creator's handles, so that TSan sees the
 * framework's own ring, ledger, counters and inboxes being used
 * concurrently.  Nothing forks once a thread runs, and nothing is killed:
 * a thread cannot be SIGKILLed alone. */
#define _GNU_SOURCE
#include "ctx.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TICK_MS 20u
#define STOP_MS 5000u /* after an abort, how long threads get to notice */

struct worker {
	pthread_t t;
	struct stress_ctx *x;
	enum role role;
	unsigned index;
	int started;
	int rc;
	_Atomic int done;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->rc = role_main(w->x, w->role, w->index, 0);
	atomic_store(&w->done, 1);
	return NULL;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {0, (long)ms * 1000000L};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void left(struct worker *w, unsigned n, unsigned *prod, unsigned *cons)
{
	*prod = *cons = 0;
	for (unsigned i = 0; i < n; i++)
		if (w[i].started && !atomic_load(&w[i].done))
			++*(w[i].role == ROLE_PRODUCER ? prod : cons);
}

int threads_run(struct stress_ctx *x)
{
	struct area *a = &x->area;
	unsigned n = a->nprod + a->ncons, prod, cons;
	struct worker *w = calloc(n, sizeof *w);
	struct supervisor sup;
	int rc = 0;

	if (!w)
		return -1;
	watchdog_install();
	supervise_init(&sup, x);
	for (unsigned i = 0; i < n; i++) {
		int producer = i < a->nprod;
		w[i] = (struct worker){.x = x,
				       .role = producer ? ROLE_PRODUCER : ROLE_CONSUMER,
				       .index = producer ? i : i - a->nprod};
		if (!producer)
			a->cons[w[i].index].tag = a->cons[w[i].index].first_tag =
				(uint8_t)(w[i].index + 1);
	}
	for (unsigned i = 0; i < n && !rc; i++) {
		int e = pthread_create(&w[i].t, NULL, worker_main, &w[i]);
		if (e) {
			supervise_fail(x, "pthread_create: %s", strerror(e));
			rc = -1;
		}
		w[i].started = !e;
	}
	for (int t = 0; !rc && !t;) {
		sleep_ms(TICK_MS);
		left(w, n, &prod, &cons);
		for (unsigned i = 0; i < n; i++)
			if (atomic_load(&w[i].done) && w[i].rc) {
				char *err = w[i].role == ROLE_PRODUCER ? a->prod[w[i].index].error
								       : a->cons[w[i].index].error;
				supervise_fail(x, "%s", err);
				w[i].rc = 0;
				rc = -1;
			}
		if (stress_interrupted) {
			supervise_fail(x, "interrupted");
			rc = -1;
		}
		if (!rc && (t = supervise_tick(&sup, prod, cons)) < 0) {
			supervise_fail(x, "%s", sup.stall);
			rc = -1;
		}
	}
	if (rc) {
		/* Blocked calls return on the next watchdog tick and see this. */
		supervise_phase(&sup, PHASE_ABORT);
		for (unsigned waited = 0; waited < STOP_MS; waited += TICK_MS) {
			left(w, n, &prod, &cons);
			if (!prod && !cons)
				break;
			sleep_ms(TICK_MS);
		}
		left(w, n, &prod, &cons);
		if (prod || cons) {
			/* Joining would hang: the caller tears down and exits.  w
			 * stays allocated, the stuck threads still point into it. */
			supervise_fail(x, "%u threads did not stop within %u ms", prod + cons,
				       STOP_MS);
			return -ETIMEDOUT;
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (w[i].started)
			pthread_join(w[i].t, NULL);
	watchdog_uninstall();
	free(w);
	return rc;
}
