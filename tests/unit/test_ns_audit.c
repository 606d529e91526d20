/* A peer's own namespaces (ns_audit.h): each kind of object left in them
 * makes them "changed", and they are "as made" again once it is gone.  Runs
 * in a child that makes the namespaces, as an identity's peer does. */
#define _GNU_SOURCE
#include "../../src/audit/ns_audit.h"
#include "../../src/sandbox/sandbox.h"
#include "../../src/util/fault.h"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void in_namespaces(void)
{
	struct audit_ns ns = {.mq_root = -1};

	audit_ns_begin(&ns, CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWNET, true);
	CHECK(ns.known, "every count can be taken in fresh namespaces");
	CHECK(audit_ns_unchanged(&ns), "fresh namespaces are as made");

	int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	CHECK(q >= 0 && !audit_ns_unchanged(&ns), "a SysV queue left in the IPC namespace");
	msgctl(q, IPC_RMID, NULL);
	CHECK(audit_ns_unchanged(&ns), "the queue removed");

	mqd_t mq = mq_open("/ns-audit", O_CREAT | O_RDWR, 0600, NULL);
	CHECK(mq != (mqd_t)-1, "mq_open");
	mq_close(mq);
	CHECK(!audit_ns_unchanged(&ns), "a POSIX queue's name (seen through the detached mount)");
	mq_unlink("/ns-audit");
	CHECK(audit_ns_unchanged(&ns), "the queue unlinked");

	int f = open("/dev/shm/ns-audit", O_CREAT | O_RDWR, 0600);
	CHECK(f >= 0, "a file in the private /dev/shm");
	close(f);
	CHECK(!audit_ns_unchanged(&ns), "a name left in the mount namespace's /dev/shm");
	unlink("/dev/shm/ns-audit");
	CHECK(audit_ns_unchanged(&ns), "the name unlinked");

	/* A socket someone still holds (a peer's, passed to the executor). */
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(s >= 0 && !audit_ns_unchanged(&ns), "a socket of the network namespace");
	close(s);
	CHECK(audit_ns_unchanged(&ns), "the socket closed");

	/* What a program leaves, swept at its end. */
	q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	mq = mq_open("/ns-audit", O_CREAT | O_RDWR, 0600, NULL);
	mq_close(mq);
	close(open("/dev/shm/ns-audit", O_CREAT | O_RDWR, 0600));
	mkdir("/dev/shm/ns-audit.d", 0700);
	close(open("/dev/shm/ns-audit.d/s", O_CREAT | O_RDWR, 0600));
	CHECK(q >= 0 && !audit_ns_unchanged(&ns), "objects left");
	CHECK(audit_ns_reset(&ns) && audit_ns_unchanged(&ns),
	      "swept: a queue, a POSIX queue, a name, a directory");

	/* A killed identity's queues are swept through its pidfd before the
	 * kill (peer_kill): a dying namespace gives its queues' bytes back to
	 * the user's RLIMIT_MSGQUEUE only after an RCU grace period, which a
	 * next program could find spent (EMFILE).  Whether it does is the
	 * kernel's timing; the sweep is checked here, where it is not. */
	int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	mq = mq_open("/ns-audit", O_CREAT | O_RDWR, 0600, NULL);
	mq_close(mq);
	CHECK(self >= 0 && ns.mq_root == AUDIT_MQ_ROOT_FD,
	      "a pidfd, the mqueue root where it looks");
	audit_ns_sweep_queues_of(self);
	/* Looked up by name: the fault blinds the counts, not this. */
	mqd_t left = mq_open("/ns-audit", O_RDWR);
	CHECK(left == (mqd_t)-1 && errno == ENOENT,
	      "the queues of a killed identity swept through its pidfd");
	if (left != (mqd_t)-1)
		mq_close(left);
	mq_unlink("/ns-audit");
	if (self >= 0)
		close(self);

	audit_ns_end(&ns);
	CHECK(ns.mq_root == -1 && audit_ns_unchanged(&ns), "ended: no namespaces to judge");
	int rc = check_done("test_ns_audit");
	fflush(stdout);
	_exit(rc);
}

/* IPCFUZZ_FAULT=ns-audit-blind shows every check here failing. */
int main(void)
{
	fault_init();
	sandbox_enter();
	pid_t pid = fork();
	if (pid == 0) {
		if (sandbox_private(CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWNET)) {
			printf("test_ns_audit: skipped (may not make namespaces here)\n");
			fflush(stdout);
			_exit(77);
		}
		in_namespaces();
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}
