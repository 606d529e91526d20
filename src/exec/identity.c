/* Taking an identity, in the order the privileges allow: namespaces while
 * we may still unshare, then supplementary groups and gid while CAP_SETGID
 * lasts, then uid (which clears the capabilities), then what a credential
 * change resets. */
#define _GNU_SOURCE
#include "identity.h"

#include "../audit/ns_audit.h"
#include "../prog/ident.h"
#include "../sandbox/sandbox.h"
#include "../util/fault.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int ns_flags(unsigned ns)
{
	return (ns & IDENT_NS_IPC ? CLONE_NEWIPC : 0) | (ns & IDENT_NS_NET ? CLONE_NEWNET : 0) |
	       (ns & IDENT_NS_MNT ? CLONE_NEWNS : 0);
}

/* uid 0 that is subject to every permission check. */
static int drop_caps(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {{0, 0, 0}, {0, 0, 0}};
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

static int drop(const struct op *op)
{
	gid_t groups[IDENT_IDS];
	size_t n = 0;
	uid_t uid = (uid_t)ident_id(op_ident_uid(op));
	gid_t gid = (gid_t)ident_id(op_ident_gid(op));

	for (unsigned i = 0; i < IDENT_IDS; i++)
		if (op_ident_groups(op) >> i & 1)
			groups[n++] = (gid_t)ident_id(i);
	if (setgroups(n, groups) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
		return -errno;
	if (uid == 0 && op_ident_nocap(op))
		return drop_caps();
	return 0;
}

static bool may_unshare(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	return !syscall(SYS_capget, &h, d) &&
	       (d[CAP_SYS_ADMIN / 32].effective >> (CAP_SYS_ADMIN % 32) & 1);
}

unsigned identity_namespaces(const struct op *op, unsigned visible)
{
	return op_ident_ns(op) & visible;
}

/* New namespaces of flags, but for the network one the lent namespace
 * (netns_pool.h) when it holds no socket: *lent 1 when joined, -1 when
 * found used (a new one is made instead), 0 when not offered or asked. */
static int enter_namespaces(int flags, int lent_netns, int *lent)
{
	*lent = 0;
	if ((flags & CLONE_NEWNET) && lent_netns >= 0) {
		*lent = -1;
		if (!setns(lent_netns, CLONE_NEWNET) && audit_ns_net_empty()) {
			*lent = 1;
			flags &= ~CLONE_NEWNET;
		}
	}
	return sandbox_private(flags);
}

int identity_apply(const struct op *op, const struct mechanism *m, struct audit_ns *made,
		   int lent_netns, int *lent)
{
	unsigned ns = op_ident_ns(op), visible = mechanism_namespaces(m);
	int err;

	*lent = 0;
	audit_ns_end(made);
	if (ns && may_unshare())
		ns = identity_namespaces(op, visible);
	if (ns && !fault_on(FAULT_IDENT_NO_NS)) {
		if ((err = enter_namespaces(ns_flags(ns), lent_netns, lent)))
			return err;
		/* While it may still mount. */
		audit_ns_begin(made, ns_flags(ns), m->access && m->access->mqueue_names);
	}
	if (!fault_on(FAULT_IDENT_NO_DROP) && (err = drop(op)))
		return err;
	/* A credential change makes the process undumpable, which hands its
	 * /proc/self files to root (the peer's own audit reads them), and
	 * clears the parent-death signal. */
	prctl(PR_SET_DUMPABLE, 1);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	umask((mode_t)op_ident_umask(op));
	return 0;
}

bool identity_private(const struct op *op, unsigned ns)
{
	return op->kind == OP_IDENT && (op_ident_ns(op) & ns) != 0;
}
