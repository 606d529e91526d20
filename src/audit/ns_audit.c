/* Is a peer's private namespace still as it was made (ns_audit.h)? */
#define _GNU_SOURCE
#include "ns_audit.h"

#include "../sandbox/sandbox.h"
#include "../util/fault.h"
#include "audit.h"

#include <fcntl.h>
#include <stdio.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A detached mount of the current IPC namespace's mqueue filesystem: no
 * mount point anywhere, but its root directory's size counts the
 * namespace's queues, which a process that shares its parent's mount
 * namespace could not see otherwise.  Needs CAP_SYS_ADMIN: made before the
 * identity drops it. */
static int mqueue_root(void)
{
	int fs = fsopen("mqueue", FSOPEN_CLOEXEC), root = -1;

	if (fs < 0)
		return -1;
	if (!fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		root = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	close(fs);
	if (root >= 0) {
		int hi = fcntl(root, F_DUPFD_CLOEXEC, AUDIT_MQ_ROOT_FD);
		close(root);
		root = hi;
	}
	return root;
}

/* Sockets of the current network namespace: the lines of /proc/net/unix
 * (a program of a unix-* mechanism makes no other kind). */
static long unix_sockets(void)
{
	char buf[4096];
	long lines = 0;
	ssize_t n;
	int fd = open("/proc/net/unix", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return n < 0 ? -1 : lines;
}

bool audit_ns_net_empty(void)
{
	return unix_sockets() == 1; /* the header line alone */
}

static void count(struct audit_ns *c, int flags, int mq_root, bool mqueues)
{
	c->known = true;
	if (flags & CLONE_NEWIPC) {
		struct audit_snapshot s;
		audit_count_sysv_ns(&s);
		c->msg_queues = s.msg_queues;
		c->shm_segments = s.shm_segments;
		c->sem_sets = s.sem_sets;
		c->mq_names = mq_root >= 0 ? audit_dir_entries(mq_root, "") : -1;
		c->known &= c->mq_names >= 0 || !mqueues;
	}
	if (flags & CLONE_NEWNS) {
		c->shm_names = audit_dir_entries(AT_FDCWD, "/dev/shm");
		c->known &= c->shm_names >= 0;
	}
	if (flags & CLONE_NEWNET) {
		c->unix_sockets = unix_sockets();
		c->known &= c->unix_sockets >= 0;
	}
}

void audit_ns_begin(struct audit_ns *s, int flags, bool mqueues)
{
	audit_ns_end(s);
	s->flags = flags;
	s->mq_root = flags & CLONE_NEWIPC && mqueues ? mqueue_root() : -1;
	s->mqueues = mqueues;
	count(s, flags, s->mq_root, mqueues);
}

bool audit_ns_unchanged(const struct audit_ns *s)
{
	struct audit_ns now = {0};

	if (!s->flags || fault_on(FAULT_NS_AUDIT_BLIND))
		return true;
	count(&now, s->flags, s->mq_root, s->mqueues);
	return s->known && now.known && now.msg_queues == s->msg_queues &&
	       now.shm_segments == s->shm_segments && now.sem_sets == s->sem_sets &&
	       now.mq_names == s->mq_names && now.shm_names == s->shm_names &&
	       now.unix_sockets == s->unix_sockets;
}

static void sweep_queues(int mq_root)
{
	char root[32];

	snprintf(root, sizeof root, "/proc/self/fd/%d", mq_root);
	sandbox_remove_names(root, sandbox_any_name);
}

static void sweep(const struct audit_ns *s)
{
	if (s->flags & CLONE_NEWIPC) {
		sandbox_remove_sysv(sandbox_any_key);
		if (s->mq_root >= 0)
			sweep_queues(s->mq_root);
	}
	if (s->flags & CLONE_NEWNS)
		sandbox_remove_names("/dev/shm", sandbox_any_name);
}

bool audit_ns_reset(const struct audit_ns *s)
{
	/* The fault: "namespaces reused as they are", never swept either. */
	if (audit_ns_unchanged(s))
		return true;
	sweep(s);
	return audit_ns_unchanged(s);
}

void audit_ns_sweep_queues_of(int pidfd)
{
	int root = (int)syscall(SYS_pidfd_getfd, pidfd, AUDIT_MQ_ROOT_FD, 0);

	if (root < 0)
		return;
	if (!fault_on(FAULT_NS_AUDIT_BLIND))
		sweep_queues(root);
	close(root);
}

void audit_ns_end(struct audit_ns *s)
{
	if (s->flags && s->mq_root >= 0)
		close(s->mq_root);
	*s = (struct audit_ns){.mq_root = -1};
}
