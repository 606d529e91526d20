/* Process mode: every producer and consumer is a forked process that joins
 * the channel through the descriptor (by name, or by what fork handed
 * down).  With --kill-every the supervisor SIGKILLs a random participant at
 * random moments (mid-send, mid-receive, holding the ring's lock), settles
 * what it left behind (role_recover; rules in verify.c) and starts a new
 * one in its place.  Participants die with the supervisor
 * (PR_SET_PDEATHSIG), and a supervisor that sees no progress aborts. */
#define _GNU_SOURCE
#include "ctx.h"
#include "frame.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 20u
#define REAP_MS 5000u /* a SIGKILLed child that is not gone by then is reported */

struct proc {
	pid_t pid; /* 0: not running */
	enum role role;
	unsigned index;
	int killed;   /* by us, on purpose */
	int finished; /* exited for good */
};

struct driver {
	struct stress_ctx *x;
	struct supervisor sup;
	struct proc p[2 * STRESS_MAX_PARTICIPANTS];
	unsigned n;
	uint64_t rng;
	uint64_t next_kill_ns;
	uint8_t last_tag;
};

static uint64_t rnd(struct driver *d)
{
	d->rng ^= d->rng << 13;
	d->rng ^= d->rng >> 7;
	d->rng ^= d->rng << 17;
	return d->rng;
}

/* A ledger tag no running consumer has: each incarnation gets its own, so
 * the tally can see where a consumer restarted. */
static uint8_t new_tag(struct driver *d)
{
	struct area *a = &d->x->area;

	for (;;) {
		d->last_tag = d->last_tag >= TAG_LAST ? 1 : d->last_tag + 1;
		unsigned c = 0;
		while (c < a->ncons && a->cons[c].tag != d->last_tag)
			c++;
		if (c == a->ncons)
			return d->last_tag;
	}
}

static int spawn(struct driver *d, struct proc *p)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		sigset_t none;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0); /* the supervisor died before we got here */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* A terminal's ^C is the supervisor's to handle. */
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_DFL);
		watchdog_install();
		_exit(role_main(d->x, p->role, p->index, 1));
	}
	p->pid = pid;
	p->killed = 0;
	return 0;
}

/* Uniform in [every/2, 3*every/2): kills land at random points. */
static void schedule_kill(struct driver *d)
{
	uint64_t every = (uint64_t)d->x->opt->kill_every_ms * 1000000ull;

	d->next_kill_ns = frame_now_ns() + every / 2 + rnd(d) % (every ? every : 1);
}

static void kill_one(struct driver *d)
{
	struct proc *pick[2 * STRESS_MAX_PARTICIPANTS];
	unsigned n = 0;

	for (unsigned i = 0; i < d->n; i++)
		if (d->p[i].pid && !d->p[i].killed && !d->p[i].finished)
			pick[n++] = &d->p[i];
	if (n) {
		struct proc *p = pick[rnd(d) % n];
		/* Its address stops being handed out before it dies, so no
		 * producer joins a pid that may be someone else's next. */
		if (p->role == ROLE_CONSUMER && d->x->prof->consumer_creates)
			atomic_store(&d->x->area.cons[p->index].pub_gen, 0);
		kill(p->pid, SIGKILL);
		p->killed = 1;
	}
	schedule_kill(d);
}

static void abort_all(struct driver *d)
{
	supervise_phase(&d->sup, PHASE_ABORT);
	for (unsigned i = 0; i < d->n; i++)
		if (d->p[i].pid)
			kill(d->p[i].pid, SIGKILL);
	for (unsigned i = 0; i < d->n; i++) {
		struct proc *p = &d->p[i];
		for (unsigned waited = 0; p->pid && waited < REAP_MS; waited++) {
			if (waitpid(p->pid, NULL, WNOHANG) == p->pid)
				p->pid = 0;
			else
				usleep(1000);
		}
		if (p->pid)
			supervise_fail(d->x, "process %d did not die after SIGKILL", (int)p->pid);
		p->finished = 1;
	}
}

static void report_death(struct driver *d, struct proc *p, int st)
{
	struct stress_ctx *x = d->x;
	const char *err = p->role == ROLE_PRODUCER ? x->area.prod[p->index].error
						   : x->area.cons[p->index].error;
	const char *who = p->role == ROLE_PRODUCER ? "producer" : "consumer";

	if (WIFEXITED(st) && err[0])
		supervise_fail(x, "%s", err);
	else if (WIFSIGNALED(st))
		supervise_fail(x, "%s %u died: signal %d (%s)", who, p->index, WTERMSIG(st),
			       strsignal(WTERMSIG(st)));
	else
		supervise_fail(x, "%s %u exited with status %d", who, p->index, WEXITSTATUS(st));
}

/* Reaps whoever of ours ended (only ours: a stray child is the audit's to
 * find): restarts what we killed; -1 on any other death. */
static int reap(struct driver *d)
{
	for (unsigned i = 0; i < d->n; i++) {
		struct proc *p = &d->p[i];
		int st;
		if (!p->pid || waitpid(p->pid, &st, WNOHANG) != p->pid)
			continue;
		p->pid = 0;
		if (p->killed && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
			role_recover(d->x, p->role, p->index);
			if (p->role == ROLE_CONSUMER)
				d->x->area.cons[p->index].tag = new_tag(d);
			int e = spawn(d, p);
			if (e) {
				supervise_fail(d->x, "restart: fork: %s", strerror(-e));
				return -1;
			}
			continue;
		}
		p->finished = 1;
		if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
			report_death(d, p, st);
			return -1;
		}
	}
	return 0;
}

static void left(const struct driver *d, unsigned *prod, unsigned *cons)
{
	*prod = *cons = 0;
	for (unsigned i = 0; i < d->n; i++)
		if (!d->p[i].finished)
			++*(d->p[i].role == ROLE_PRODUCER ? prod : cons);
}

static int supervise(struct driver *d, const sigset_t *chld)
{
	const struct stress_opts *o = d->x->opt;

	for (;;) {
		uint64_t now = frame_now_ns(), wait = TICK_MS * 1000000ull;
		unsigned prod, cons;
		if (o->kill_every_ms && d->next_kill_ns > now && d->next_kill_ns - now < wait)
			wait = d->next_kill_ns - now;
		struct timespec ts = {0, (long)wait};
		sigtimedwait(chld, NULL, &ts);
		if (reap(d))
			return -1;
		if (stress_interrupted) {
			supervise_fail(d->x, "interrupted");
			return -1;
		}
		if (o->kill_every_ms && area_phase(&d->x->area) == PHASE_RUN &&
		    frame_now_ns() >= d->next_kill_ns)
			kill_one(d);
		left(d, &prod, &cons);
		int t = supervise_tick(&d->sup, prod, cons);
		if (t > 0)
			return 0;
		if (t < 0) {
			supervise_fail(d->x, "%s", d->sup.stall);
			return -1;
		}
	}
}

int driver_run(struct stress_ctx *x)
{
	struct driver *d = calloc(1, sizeof *d);
	struct area *a = &x->area;
	sigset_t chld, old;
	struct timespec zero = {0, 0};
	int rc = 0;

	if (!d)
		return -1;
	d->x = x;
	d->rng = frame_now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < a->nprod; i++)
		d->p[d->n++] = (struct proc){.role = ROLE_PRODUCER, .index = i};
	for (unsigned i = 0; i < a->ncons; i++) {
		d->p[d->n++] = (struct proc){.role = ROLE_CONSUMER, .index = i};
		a->cons[i].tag = a->cons[i].first_tag = new_tag(d);
	}
	/* SIGCHLD blocked and waited for: the supervisor wakes on a death. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	supervise_init(&d->sup, x);
	for (unsigned i = 0; i < d->n && !rc; i++) {
		int e = spawn(d, &d->p[i]);
		if (e) {
			supervise_fail(x, "fork: %s", strerror(-e));
			rc = -1;
		}
	}
	schedule_kill(d);
	if (!rc)
		rc = supervise(d, &chld);
	if (rc)
		abort_all(d);
	/* Leave no SIGCHLD pending: the audit counts pending signals. */
	while (sigtimedwait(&chld, NULL, &zero) > 0)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(d);
	return rc;
}
