#define _GNU_SOURCE
#include "actor.h"

#include "../uring/backend.h"
#include "../prog/ident.h"
#include "../util/fault.h"
#include "../util/payload.h"

/* A peer's process name (its comm): see actor_by_pid. */
#define PEER_COMM "ipcfuzz-a%d"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void on_kick(int sig)
{
	(void)sig;
}

void actor_signals(void)
{
	static int done;
	struct sigaction sa;

	if (done)
		return;
	done = 1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_kick; /* no SA_RESTART: blocked calls return EINTR */
	sigaction(IPCF_SIG_KICK, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* EPIPE is the result we check */
}

void actor_init(struct actor *a, const struct mechanism *mech, int index, unsigned watchdog_ms)
{
	memset(a, 0, sizeof *a);
	a->mech = mech;
	a->index = index;
	a->watchdog_ms = watchdog_ms;
	for (int i = 0; i < IPCF_OBJS; i++)
		chan_reset(&a->chans[i]);
	a->payload = malloc(IPCF_MAX_LEN + 1);
	a->data = malloc(IPCF_MAX_LEN + 1);
	uring_set_bound(watchdog_ms); /* the ring's linked timeouts: the same bound */
	actor_signals();
	if (index >= 0)
		actor_become(a, index);
}

void actor_become(struct actor *a, int index)
{
	char comm[16];

	a->index = index;
	a->pid = getpid();
	if (index > 0) {
		snprintf(comm, sizeof comm, PEER_COMM, index);
		prctl(PR_SET_NAME, comm);
	}
	if (a->mech->actor_setup)
		a->mech->actor_setup(index);
}

int actor_reset(struct actor *a)
{
	return a->mech->actor_reset ? a->mech->actor_reset(a->index) : 0;
}

/* Who is who, as the executor told the last op (peers restart with new
 * pids, so the table travels with every op). */
static pid_t pids[IPCF_ACTORS];

/* A peer names itself after its actor (actor_become), so a pid the table
 * does not know is still found: a receive left blocked before its sender's
 * peer started (found by fuzz-unix-dgram). */
static int actor_by_comm(pid_t pid)
{
	char path[40], comm[32] = "";
	int fd, actor = -1, n = 0;

	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	ssize_t got = read(fd, comm, sizeof comm - 1);
	close(fd);
	if (got > 0 && sscanf(comm, PEER_COMM "%n", &actor, &n) == 1 && n && comm[n] == '\n' &&
	    actor > 0 && actor < IPCF_ACTORS)
		return actor;
	return -1;
}

int actor_by_pid(pid_t pid)
{
	if (pid <= 0)
		return -1;
	if (pid == pids[0]) /* the executor: never restarted */
		return 0;
	/* A pid the table knows whose process is gone (killed, and reaped
	 * before the kill returned) is no actor now, as the model says. */
	for (int i = 1; i < IPCF_ACTORS; i++)
		if (pids[i] == pid)
			return kill(pid, 0) == 0 || errno == EPERM ? i : -1;
	return actor_by_comm(pid);
}

void actor_fini(struct actor *a)
{
	actor_close_all(a, NULL, 0);
	free(a->payload);
	free(a->data);
	a->payload = a->data = NULL;
}

void actor_close_all(struct actor *a, char *why, size_t cap)
{
	for (int i = 0; i < IPCF_OBJS; i++) {
		if (a->chans[i].ends && why && a->mech->audit)
			a->mech->audit(&a->chans[i], why, cap);
		if (a->chans[i].ends)
			a->mech->close(&a->chans[i], OPF_READ | OPF_WRITE);
		chan_reset(&a->chans[i]);
	}
	use_program_end(); /* the ring stays, out of the audit's sight */
}

/* A one-shot timer that kicks this thread if a blocking call overstays. */
static timer_t watchdog;
static int watchdog_ready, watchdog_armed;

static void watchdog_arm(unsigned ms)
{
	struct itimerspec its = {0};

	if (!watchdog_ready) {
		struct sigevent sev = {0};
		sev.sigev_notify = SIGEV_SIGNAL;
		sev.sigev_signo = IPCF_SIG_KICK;
		if (timer_create(CLOCK_MONOTONIC, &sev, &watchdog))
			return;
		watchdog_ready = 1;
	}
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	watchdog_armed = !timer_settime(watchdog, 0, &its, NULL);
}

/* Arming replaces the last deadline, so ops do not disarm one by one: the
 * executor disarms once, at the end of a program that armed it. */
void actor_watchdog_off(void)
{
	struct itimerspec its = {0};
	if (watchdog_armed)
		watchdog_armed = timer_settime(watchdog, 0, &its, NULL) != 0;
}

static void set_result(struct outcome *out, long r)
{
	out->ret = r < 0 ? -1 : r;
	out->err = r < 0 ? (int32_t)-r : 0;
}

void actor_run(struct actor *a, const struct op *op, uint32_t salt, struct obj_ref *ref,
	       const int fds[2], struct outcome *out)
{
	struct chan *c = &a->chans[op->obj];
	const struct mechanism *m = a->mech;
	bool blocking = (op->kind == OP_SEND || op->kind == OP_RECV ||
			 (op->kind == OP_JOIN && m->open_rule != OPEN_BOTH)) &&
			!(op->flags & OPF_NOWAIT);
	long r = 0;

	memset(out, 0, sizeof *out);
	for (int i = 0; i < IPCF_ACTORS; i++)
		pids[i] = ref->pids[i];
	ref->op_seq = (uint16_t)(salt + 1); /* the salt is the op's index */
	if (a->index >= 0)
		pids[a->index] = a->pid; /* a peer started for this very op is not in it yet */
	c->hint = a->hint;
	if (blocking && a->watchdog_ms)
		watchdog_arm(a->watchdog_ms);
	switch (op->kind) {
	case OP_CREATE:
		if (c->ends)
			m->close(c, OPF_READ | OPF_WRITE);
		chan_reset(c);
		r = m->create(c, ref, op);
		if (fault_any)
			fault_strays();
		if (r < 0) {
			if (c->ends)
				m->close(c, OPF_READ | OPF_WRITE);
			chan_reset(c);
		}
		break;
	case OP_JOIN:
		if (c->ends)
			m->close(c, OPF_READ | OPF_WRITE);
		chan_reset(c);
		if (fds) {
			c->fd[0] = fds[0];
			c->fd[1] = fds[1];
			c->ends = (fds[0] >= 0 ? OPF_READ : 0) | (fds[1] >= 0 ? OPF_WRITE : 0);
		}
		c->open_flags = op->flags; /* which ends, O_NONBLOCK (OPEN_FIFO) */
		r = m->join(c, ref);
		break;
	case OP_SEND:
		if (!a->payload_ready)
			payload_fill(a->payload, op->len, op->seed, salt);
		a->payload_ready = false;
		r = m->send(c, op, a->payload, op->len);
		break;
	case OP_RECV: {
		int64_t mtype = 0;
		r = m->recv(c, op, a->data, op->len, &mtype);
		out->mtype = mtype;
		if (r > 0)
			out->len = (uint32_t)(r < op->len ? r : op->len);
		break;
	}
	case OP_CLOSE:
		r = m->close(c, op->flags & (OPF_READ | OPF_WRITE));
		break;
	case OP_DESTROY:
		r = m->destroy(c, ref);
		break;
	case OP_SETOPT:
		if (op->arg == OPT_SIZE)
			r = m->setopt ? m->setopt(c, op->len) : -ENOTSUP;
		else
			r = m->control ? m->control(c, op) : -ENOTSUP;
		break;
	case OP_PERM:
		r = m->set_perm ? m->set_perm(c, ref, ident_id(op_perm_uid(op)),
					      ident_id(op_perm_gid(op)), op_perm_mode(op))
				: -ENOTSUP;
		break;
	case OP_IDENT:
		/* In the executor: only the umask (a peer is restarted instead). */
		umask((mode_t)op_ident_umask(op));
		break;
	default:
		r = -EINVAL;
	}
	set_result(out, r);
}
