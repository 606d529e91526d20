#define _GNU_SOURCE
#include "peer.h"

#include "../audit/audit.h"
#include "../audit/ns_audit.h"
#include "../prog/ident.h"
#include "../sandbox/netns_pool.h"
#include "../sandbox/sandbox.h"
#include "../uring/backend.h"
#include "../util/fault.h"
#include "actor.h"
#include "identity.h"
#include "profile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Peer sockets sit far above the descriptors programs use, so starting a
 * peer never looks like a leak to the audit. */
#define PEER_FD_BASE AUDIT_HIGH_FD

static ssize_t send_msg(int sock, const void *hdr, size_t hlen, const void *data, size_t dlen,
			const int fds[2])
{
	struct iovec iov[2] = {{(void *)hdr, hlen}, {(void *)data, dlen}};
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = dlen ? 2 : 1};
	int pass[2], n = 0;

	for (int i = 0; fds && i < 2; i++)
		if (fds[i] >= 0)
			pass[n++] = fds[i];
	if (n) {
		memset(&u, 0, sizeof u);
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
		memcpy(CMSG_DATA(cm), pass, (size_t)n * sizeof(int));
	}
	ssize_t r;
	do
		r = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r;
}

/* Receives one message; passed descriptors land in fds in arrival order
 * (fds_place() then puts them at the ends they stand for). */
static ssize_t recv_msg_flags(int sock, void *hdr, size_t hlen, void *data, size_t dlen, int fds[2],
			      int flags)
{
	struct iovec iov[2] = {{hdr, hlen}, {data, dlen}};
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = iov,
			    .msg_iovlen = data ? 2 : 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof u.buf};
	ssize_t r;
	int n = 0;

	do
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | flags);
	while (r < 0 && errno == EINTR);
	if (fds)
		fds[0] = fds[1] = -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); r >= 0 && cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
			if (fds && n < 2)
				fds[n++] = fd;
			else
				close(fd);
		}
	}
	return r;
}

static ssize_t recv_msg(int sock, void *hdr, size_t hlen, void *data, size_t dlen, int fds[2])
{
	return recv_msg_flags(sock, hdr, hlen, data, dlen, fds, 0);
}

/* A round trip to a peer on the other core takes microseconds; sleeping
 * and being woken takes far longer on a busy machine.  So the waiting side
 * polls for a short while before it blocks.  -EAGAIN: nothing came. */
static ssize_t recv_msg_spin(int sock, void *hdr, size_t hlen, void *data, size_t dlen, int fds[2],
			     unsigned spin_us)
{
	static int cpus;
	struct timespec t0, t;

	if (!cpus) {
		/* Pinned to one core, spinning only delays the other side. */
		cpu_set_t set;
		cpus = sched_getaffinity(0, sizeof set, &set) ? 1 : CPU_COUNT(&set);
	}
	if (cpus < 2)
		return -EAGAIN;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ssize_t r = recv_msg_flags(sock, hdr, hlen, data, dlen, fds, MSG_DONTWAIT);
		if (r >= 0 || errno != EAGAIN)
			return r;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000000L + (t.tv_nsec - t0.tv_nsec) / 1000 > spin_us)
			return -EAGAIN;
	}
}

#define PEER_SPIN_US 20 /* what a peer waits actively for its next command */
#define EXEC_SPIN_US 50 /* what the executor waits actively for a reply */

void fds_place(int fds[2], unsigned ends)
{
	if (!(ends & OPF_READ) && fds[1] < 0) {
		fds[1] = fds[0];
		fds[0] = -1;
	}
}

static void peer_audit_begin(struct audit_snapshot *s)
{
	audit_snapshot_scope(s, AUDIT_PROCESS);
}

static void peer_main(int sock, const struct mechanism *mech, const struct actor *proto)
{
	struct actor a = *proto;
	struct peer_cmd cmd = {0};
	struct peer_reply rep = {0};
	struct audit_snapshot base;
	struct audit_ns ns = {.mq_root = -1}; /* those its identity made */

	peer_audit_begin(&base);
	bool base_leader = getsid(0) == getpid();
	for (;;) {
		int fds[2] = {-1, -1};
		ssize_t n = recv_msg_spin(sock, &cmd, sizeof cmd, NULL, 0, fds, PEER_SPIN_US);
		if (n == -EAGAIN)
			n = recv_msg(sock, &cmd, sizeof cmd, NULL, 0, fds);
		if (n <= 0)
			_exit(0); /* the executor is gone */
		memset(&rep, 0, sizeof rep);
		switch (cmd.what) {
		case PEER_OP: {
			bool inherit = cmd.op.kind == OP_JOIN && mech->join_path == JOIN_BY_INHERIT;
			if (inherit)
				fds_place(fds, cmd.ends);
			rep.ref = cmd.ref;
			a.hint = cmd.hint;
			actor_run(&a, &cmd.op, cmd.salt, &rep.ref, inherit ? fds : NULL, &rep.out);
			if (!inherit) {
				if (fds[0] >= 0)
					close(fds[0]);
				if (fds[1] >= 0)
					close(fds[1]);
			}
			send_msg(sock, &rep, sizeof rep, a.data, rep.out.len, NULL);
			break;
		}
		case PEER_EXPORT: {
			struct chan *c = &a.chans[cmd.op.obj];
			rep.out.ret = c->ends;
			send_msg(sock, &rep, sizeof rep, NULL, 0, c->fd);
			break;
		}
		case PEER_BEGIN:
			peer_audit_begin(&base);
			send_msg(sock, &rep, sizeof rep, NULL, 0, NULL);
			break;
		case PEER_SETUP: {
			/* The setup runs as root before the identity is taken (it
			 * may open what only root can), or as the identity when
			 * the mechanism says so (signal: its user namespace). */
			bool ident = cmd.op.kind == OP_IDENT, after = mech->setup_after_ident;
			/* A ring made under the old identity goes with it. */
			use_end();
			if (!after)
				actor_become(&a, cmd.op.actor);
			int lent = 0;
			int err = ident ? identity_apply(&cmd.op, mech, &ns, fds[0], &lent) : 0;
			if (fds[0] >= 0)
				close(fds[0]);
			rep.lent_netns = lent;
			rep.out.ret = err ? -1 : 0;
			rep.out.err = -err;
			if (after && !err)
				actor_become(&a, cmd.op.actor);
			peer_audit_begin(&base);
			base_leader = getsid(0) == getpid();
			rep.mq_root = ns.mq_root >= 0;
			send_msg(sock, &rep, sizeof rep, NULL, 0, NULL);
			break;
		}
		case PEER_END:
			actor_close_all(&a, rep.leaks, sizeof rep.leaks);
			rep.out.ret = actor_reset(&a);
			/* A session leader that says it can be reset is a stray
			 * session (one that says it cannot is replaced). */
			if (rep.out.ret != 1 && getsid(0) == getpid() && !base_leader) {
				size_t n = strlen(rep.leaks);
				snprintf(rep.leaks + n, sizeof rep.leaks - n,
					 "leak:session peer %d still leads a session\n",
					 (int)getpid());
			}
			if (fault_on(FAULT_PEER_LEAK_FD))
				(void)!dup(sock);
			audit_check_maps(rep.leaks, sizeof rep.leaks);
			audit_compare(&base, AUDIT_PROCESS, rep.leaks, sizeof rep.leaks);
			rep.ns_kept = audit_ns_reset(&ns);
			send_msg(sock, &rep, sizeof rep, NULL, 0, NULL);
			break;
		case PEER_SYNC:
			/* Any handler for a signal sent to us ran before this line. */
			send_msg(sock, &rep, sizeof rep, NULL, 0, NULL);
			break;
		case PEER_SETTLE:
			rep.out.ret = mech->settle ? mech->settle(&a.chans[cmd.op.obj % IPCF_OBJS],
								  cmd.hint, cmd.salt)
						   : cmd.hint;
			send_msg(sock, &rep, sizeof rep, NULL, 0, NULL);
			break;
		}
	}
}

/* Peers are forked by a zygote: a process forked while the executor was
 * still small.  Forking the executor itself later copies the page tables of
 * its sanitizer shadow and fuzzer state (~3 ms under ASan); forking the
 * zygote costs a fraction of that, which keeps OP_KILL affordable. */
static int zygote_sock = -1;
static pid_t zygote_pid;
static const struct mechanism *peers_mech; /* the one the zygote's peers run */

/* Moves a descriptor out of the audited range. */
static int high_fd(int fd, int slot)
{
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, PEER_FD_BASE + slot);
	close(fd);
	return hi;
}

/* A peer forked ahead of need, so that restarting a killed peer costs a
 * round trip to the zygote, not a fork on the executor's clock. */
struct spare {
	pid_t pid;
	int sock; /* the executor's end of its command socket */
};

static struct spare fork_spare(int zygote_sock, const struct mechanism *mech,
			       const struct actor *proto)
{
	struct spare sp = {-errno, -1};
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return sp;
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGCHLD, SIG_DFL);
		close(zygote_sock);
		close(sv[0]);
		peer_main(high_fd(sv[1], 1), mech, proto);
		_exit(0);
	}
	close(sv[1]);
	if (pid < 0) {
		sp.pid = -errno;
		close(sv[0]);
		return sp;
	}
	sp.pid = pid;
	sp.sock = sv[0];
	return sp;
}

static void zygote_main(int sock, const struct mechanism *mech)
{
	signal(SIGCHLD, SIG_IGN); /* peers are reaped by the kernel */
	/* Which actor a peer is comes with PEER_SETUP: a spare is forked before
	 * anyone knows which actor it will replace.  What every peer sets up
	 * alike (allocator, buffers, signal dispositions) is set up once, here:
	 * a fresh peer then starts ~50 us sooner. */
	static struct actor proto;
	actor_init(&proto, mech, -1, 0); /* the executor bounds how long we may block */
	struct spare sp = fork_spare(sock, mech, &proto);
	for (;;) {
		uint32_t actor = 0;
		if (recv_msg(sock, &actor, sizeof actor, NULL, 0, NULL) <= 0)
			_exit(0);
		if (sp.pid <= 0)
			sp = fork_spare(sock, mech, &proto);
		int32_t answer = sp.pid;
		int pass[2] = {sp.sock, -1};
		send_msg(sock, &answer, sizeof answer, NULL, 0, pass);
		if (sp.sock >= 0)
			close(sp.sock);
		/* The next one is forked while the executor goes on. */
		sp = fork_spare(sock, mech, &proto);
	}
}

/* What the executor and a lean zygote must agree on: the command and reply
 * layouts (both come from one tree, so a mismatch is a stale build). */
#define PEER_ABI ((unsigned long)(sizeof(struct peer_cmd) << 16 | sizeof(struct peer_reply)))

/* Under a fuzzing engine the zygote is not the fuzzer forked but the lean
 * peer binary built beside it (ipcfuzz-peer: no sanitizer, no coverage).
 * Forking a process with ASan's shadow copies ~600 KB of sparse page tables
 * (~250-400 us a fork, and again at its exit); a plain process copies
 * ~40 KB (~60 us).  A peer's coverage never reached the engine anyway (its
 * counters are its own copy), and every line a peer runs also runs, under
 * the sanitizers, in the executor as actor 0.  IPCFUZZ_LEAN_PEERS=0 keeps
 * the sanitized fork.  The lean binary's path, or NULL. */
static const char *lean_peer_path(void)
{
	static char path[PATH_MAX + 16];
	const char *env = getenv("IPCFUZZ_LEAN_PEERS");
	char dir[PATH_MAX];

	if (env && !strcmp(env, "0"))
		return NULL;
	ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
	if (n <= 0)
		return NULL;
	dir[n] = 0;
	char *slash = strrchr(dir, '/');
	if (!slash)
		return NULL;
	*slash = 0;
	snprintf(path, sizeof path, "%s/ipcfuzz-peer", dir);
	return access(path, X_OK) ? NULL : path;
}

const char *peer_describe(void)
{
	static char text[PATH_MAX + 64];
	const char *lean = lean_peer_path();

	snprintf(text, sizeof text, "%s%s", lean ? "lean, " : "forked from this process",
		 lean ? lean : "");
	return text;
}

/* Returns only when there is no lean binary (or it cannot be exec'd). */
static void zygote_exec_lean(int sock, const struct mechanism *mech)
{
	const char *path = lean_peer_path();
	char fd_text[16], abi[32], sandbox[256];

	if (!path)
		return;
	snprintf(fd_text, sizeof fd_text, "%d", sock);
	snprintf(abi, sizeof abi, "%lu", PEER_ABI);
	sandbox_export(sandbox, sizeof sandbox);
	char *argv[] = {"ipcfuzz-peer", "--zygote", (char *)mech->id, fd_text, sandbox, abi, NULL};
	/* A peer's coverage is not the input's: keep AFL++'s map out of it. */
	unsetenv("__AFL_SHM_ID");
	fcntl(sock, F_SETFD, 0);
	execv(path, argv);
	fcntl(sock, F_SETFD, FD_CLOEXEC);
}

int peer_lean_zygote_main(int argc, char **argv)
{
	const struct mechanism *mech = argc == 6 ? mechanism_find(argv[2]) : NULL;
	int sock = argc == 6 ? atoi(argv[3]) : -1;

	if (!mech || strcmp(argv[1], "--zygote") || sock < 3 || fcntl(sock, F_GETFD) < 0 ||
	    sandbox_import(argv[4]) || strtoul(argv[5], NULL, 10) != PEER_ABI) {
		fprintf(stderr, "ipcfuzz-peer: started by the executor only "
				"(--zygote TARGET FD SANDBOX ABI, from the same build)\n");
		return 2;
	}
	fcntl(sock, F_SETFD, FD_CLOEXEC);
	fault_init(); /* IPCFUZZ_FAULT came with the environment */
	zygote_main(sock, mech);
	return 0;
}

int peer_zygote_start(const struct mechanism *mech)
{
	int sv[2];

	if (zygote_pid)
		return 0;
	peers_mech = mech;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	sv[0] = high_fd(sv[0], 0);
	sv[1] = high_fd(sv[1], 1);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		/* Start clean: nothing the executor holds may stay open here. */
		close_range(3, (unsigned)sv[1] - 1, 0);
		close_range((unsigned)sv[1] + 1, ~0u, 0);
		audit_forget_maps(1);
		zygote_exec_lean(sv[1], mech);
		zygote_main(sv[1], mech);
	}
	close(sv[1]);
	zygote_sock = sv[0];
	zygote_pid = pid;
	return 0;
}

pid_t peer_zygote_pid(void)
{
	return zygote_pid;
}

int peer_start(struct peer *p, int actor, const struct mechanism *mech, const struct op *ident,
	       unsigned timeout_ms, int *ident_err)
{
	int32_t answer = -EPIPE;
	int fds[2] = {-1, -1};

	if (peer_zygote_start(mech))
		return -EPIPE;
	uint64_t t = prof_now();
	uint32_t a = (uint32_t)actor;
	if (send_msg(zygote_sock, &a, sizeof a, NULL, 0, NULL) < 0 ||
	    recv_msg(zygote_sock, &answer, sizeof answer, NULL, 0, fds) <= 0 || answer <= 0 ||
	    fds[0] < 0) {
		if (fds[0] >= 0)
			close(fds[0]);
		return answer < 0 ? answer : -EPIPE;
	}
	p->pid = answer;
	p->sock = high_fd(fds[0], 2 + actor * 3);
	p->actor = actor;
	/* Not our child, so a pidfd tells when it is really gone. */
	p->pidfd = (int)syscall(SYS_pidfd_open, answer, 0);
	if (p->pidfd >= 0)
		p->pidfd = high_fd(p->pidfd, 4 + actor * 3);
	prof_add(PROF_RESPAWN, t);
	/* Now it knows which actor it is and who: its identity, the
	 * mechanism's setup for that actor, and its audit baseline after it. */
	return peer_setup(p, ident, timeout_ms, ident_err);
}

/* Does the identity live in a network namespace of its own? */
static bool wants_netns(const struct op *ident)
{
	return ident && identity_namespaces(ident, mechanism_namespaces(peers_mech)) & IDENT_NS_NET;
}

int peer_setup(struct peer *p, const struct op *ident, unsigned timeout_ms, int *ident_err)
{
	struct peer_cmd cmd = {.what = PEER_SETUP};
	struct peer_reply rep = {0};

	if (ident)
		cmd.op = *ident;
	cmd.op.actor = (uint8_t)p->actor;
	*ident_err = 0;
	uint64_t t = prof_now();
	/* Lent before it is sent: a peer killed from here on gives it back
	 * (peer_forget) only once it is gone. */
	p->netns = wants_netns(ident) ? netns_pool_take() : 0;
	int lend[2] = {netns_pool_fd(p->netns), -1};
	if (peer_send(p, &cmd, lend) ||
	    peer_wait(p, &rep, NULL, NULL, timeout_ms > 5000 ? timeout_ms : 5000)) {
		peer_kill(p);
		return -EPIPE;
	}
	prof_add(PROF_SETUP, t);
	if (rep.lent_netns <= 0) {
		/* Not needed, or something was left in it (the peer made a new
		 * one): lent again, or never. */
		(rep.lent_netns ? netns_pool_drop : netns_pool_release)(p->netns);
		p->netns = 0;
	}
	p->mq_root = rep.mq_root;
	if ((*ident_err = rep.out.err))
		peer_kill(p);
	return 0;
}

/* Readable once it has exited: its descriptors are closed by then. */
static int pidfd_wait(int pidfd, unsigned timeout_ms)
{
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	int n;

	do
		n = poll(&pfd, 1, (int)timeout_ms);
	while (n < 0 && errno == EINTR);
	return n > 0 ? 0 : -ETIMEDOUT;
}

/* An exited process is readable on its pidfd a moment before the zygote's
 * auto-reap releases it; until then kill() still finds it.  Wait for the
 * release, so that "a signal to a dead pid fails with ESRCH" is exact. */
static void pidfd_wait_reaped(int pidfd)
{
	for (int i = 0; i < 100000; i++) {
		if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0 && errno == ESRCH)
			return;
		if (i > 100)
			usleep(10);
		else
			sched_yield();
	}
}

/* A peer's /proc stat and syscall files, kept open from one await to the
 * next (a look is then two preads, not two opens, reads and closes), one
 * pair per actor, for the peer that actor last had. */
static struct proc_view {
	pid_t pid; /* 0: none open */
	int stat, syscall;
} views[IPCF_ACTORS];

static void view_close(struct proc_view *v)
{
	if (v->pid) {
		close(v->stat);
		close(v->syscall);
	}
	v->pid = 0;
}

static struct proc_view *view_of(const struct peer *p)
{
	struct proc_view *v = &views[p->actor];
	char path[64];

	if (v->pid == p->pid)
		return v;
	view_close(v);
	snprintf(path, sizeof path, "/proc/%d/stat", (int)p->pid);
	int stat = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof path, "/proc/%d/syscall", (int)p->pid);
	int sys = open(path, O_RDONLY | O_CLOEXEC);
	if (stat < 0 || sys < 0) {
		if (stat >= 0)
			close(stat);
		if (sys >= 0)
			close(sys);
		return NULL;
	}
	v->stat = high_fd(stat, 40 + 2 * p->actor);
	v->syscall = high_fd(sys, 41 + 2 * p->actor);
	v->pid = p->pid;
	return v;
}

/* Clears what a peer struct says (pid 0: not running) once the peer has
 * gone or moved to another struct. */
static void peer_clear(struct peer *p)
{
	p->pid = 0;
	p->sock = -1;
	p->pidfd = -1;
	p->mq_root = false;
	p->netns = 0;
}

void peer_move(struct peer *to, struct peer *from)
{
	*to = *from;
	peer_clear(from);
}

static void peer_forget(struct peer *p)
{
	if (views[p->actor].pid == p->pid)
		view_close(&views[p->actor]);
	if (p->pidfd >= 0) {
		pidfd_wait(p->pidfd, 5000);
		pidfd_wait_reaped(p->pidfd);
		close(p->pidfd);
	}
	close(p->sock);
	/* Gone and reaped: nothing of it runs in the namespace lent to it. */
	netns_pool_release(p->netns);
	peer_clear(p);
}

void peer_kill(struct peer *p)
{
	if (!p->pid)
		return;
	if (p->mq_root && p->pidfd >= 0)
		audit_ns_sweep_queues_of(p->pidfd);
	kill(p->pid, SIGKILL);
	peer_forget(p);
}

int peer_expect_death(struct peer *p, unsigned timeout_ms)
{
	int r = 0;

	if (!p->pid)
		return 0;
	if (p->pidfd >= 0)
		r = pidfd_wait(p->pidfd, timeout_ms);
	kill(p->pid, SIGKILL);
	peer_forget(p);
	return r;
}

int peer_send(struct peer *p, const struct peer_cmd *c, const int fds[2])
{
	return send_msg(p->sock, c, sizeof *c, NULL, 0, fds) < 0 ? -errno : 0;
}

int peer_wait(struct peer *p, struct peer_reply *r, uint8_t *data, int fds[2], unsigned timeout_ms)
{
	struct pollfd pfd = {.fd = p->sock, .events = POLLIN};
	size_t dlen = data ? IPCF_MAX_LEN + 1 : 0;
	int n;

	ssize_t got = recv_msg_spin(p->sock, r, sizeof *r, data, dlen, fds,
				    timeout_ms > 2 ? EXEC_SPIN_US : 0);
	if (got != -EAGAIN)
		return got < (ssize_t)sizeof *r ? -EPIPE : 0;
	do
		n = poll(&pfd, 1, (int)timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return -ETIMEDOUT;
	got = recv_msg(p->sock, r, sizeof *r, data, dlen, fds);
	if (got < (ssize_t)sizeof *r)
		return -EPIPE;
	return 0;
}

/* The kernel's view of the peer: sleeping, and in a call other than the
 * recvmsg it waits for commands in. */
static int peer_sleeps_in_op(const struct peer *p)
{
	struct proc_view *v = view_of(p);
	char buf[512];
	long nr = -1;
	char state = 0;

	if (!v)
		return 0;
	ssize_t n = pread(v->stat, buf, sizeof buf - 1, 0);
	if (n > 0) {
		buf[n] = 0;
		char *close_paren = strrchr(buf, ')');
		if (close_paren && close_paren[1])
			state = close_paren[2];
	}
	n = pread(v->syscall, buf, sizeof buf - 1, 0);
	if (n > 0) {
		buf[n] = 0;
		if (sscanf(buf, "%ld", &nr) != 1)
			nr = -1;
	}
	return state == 'S' && nr >= 0 && nr != SYS_recvmsg;
}

int peer_await_blocked(struct peer *p, unsigned timeout_ms)
{
	struct pollfd pfd = {.fd = p->sock, .events = POLLIN};

	/* It is usually there within microseconds: yield first, then sleep. */
	for (unsigned spin = 0; spin < 200000; spin++) {
		if (peer_sleeps_in_op(p))
			return 0;
		if (poll(&pfd, 1, 0) > 0)
			return -EAGAIN; /* it answered: it did not block */
		if (spin < 20)
			sched_yield();
		else if (spin - 20 >= timeout_ms * 10)
			break;
		else
			usleep(100);
	}
	return -ETIMEDOUT;
}

int peer_cancel(struct peer *p, struct peer_reply *r, uint8_t *data, unsigned timeout_ms)
{
	/* A kick that lands before the peer enters its call is absorbed by the
	 * handler, so kick again until the call is interrupted. */
	for (unsigned waited = 0; waited < timeout_ms; waited += 2) {
		kill(p->pid, IPCF_SIG_KICK);
		int e = peer_wait(p, r, data, NULL, 2);
		if (e != -ETIMEDOUT)
			return e;
	}
	return -ETIMEDOUT;
}
