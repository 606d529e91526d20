/* Access control: who may open, use, change and remove an object, predicted
 * from the mechanism's rule (targets' struct access_rule) and the actor's
 * identity, the way the kernel decides it:
 *
 * - PERM_SYSV follows ipcperms(): the owner class when euid is the uid or
 *   the creator's uid, the group class when a group is gid or cgid; any
 *   missing bit is EACCES unless CAP_IPC_OWNER.  IPC_RMID and IPC_SET need
 *   euid == uid or cuid, or CAP_SYS_ADMIN (EPERM).  No umask.
 * - PERM_FILE follows generic_permission(): owner, else group (egid or a
 *   supplementary group), else other; CAP_DAC_OVERRIDE passes read and
 *   write, CAP_DAC_READ_SEARCH read.  chown needs CAP_CHOWN except to give
 *   the owner's file to one of the owner's groups, chmod the owner or
 *   CAP_FOWNER; unlinking from a sticky directory the file's or the
 *   directory's owner or CAP_FOWNER; fs.protected_regular refuses O_CREAT
 *   of someone else's file there even to root.
 *
 * - UNIX sockets (by_connect): connect(2) to a path walks to it (ENOENT in
 *   another mount namespace), needs search on the create's directory and
 *   write on the socket file (EACCES; CAP_DAC_OVERRIDE passes both,
 *   CAP_DAC_READ_SEARCH the search); an abstract name has no permission
 *   at all and is found only in its own network namespace (ECONNREFUSED).
 *   Removing the path needs write and search on that directory, chown and
 *   chmod of it (perm) search, then the file rules.
 *
 * The executor usually runs as root with nearly every capability, which
 * bypasses all of it: that is why capabilities are modelled as a set and
 * never inferred from uid 0. */
#include "model.h"

#include "../prog/ident.h"

#include <errno.h>
#include <string.h>

enum {
	CAP_CHOWN_ = 0,
	CAP_DAC_OVERRIDE_ = 1,
	CAP_DAC_READ_SEARCH_ = 2,
	CAP_FOWNER_ = 3,
	CAP_SETGID_ = 6,
	CAP_SETUID_ = 7,
	CAP_IPC_OWNER_ = 15,
	CAP_SYS_ADMIN_ = 21,
};

static const struct access_rule no_rule = {.perm = PERM_NONE};

static const struct access_rule *rule(const struct model *m)
{
	return m->mech->access ? m->mech->access : &no_rule;
}

static unsigned ns_index(unsigned bit)
{
	return bit == IDENT_NS_NET ? 1 : bit == IDENT_NS_MNT ? 2 : 0;
}

MODEL_BOOKKEEPING void access_reset(struct model *m)
{
	for (int a = 0; a < IPCF_ACTORS; a++)
		m->cred[a] = m->lim.self;
	m->next_ns = 0;
	memset(m->ns_had_objs, 0, sizeof m->ns_had_objs);
}

bool access_cap(const struct model *m, int actor, int cap)
{
	return (m->cred[actor].caps >> cap) & 1;
}

int access_ns(const struct model *m, int actor)
{
	unsigned iso = rule(m)->isolation;
	return iso ? m->cred[actor].ns[ns_index(iso)] : 0;
}

/* Nothing but its peer lives in a private namespace: when the peer goes,
 * so does the namespace and every name in it. */
static void ns_died(struct model *m, int ns)
{
	for (int k = 0; ns && k < MODEL_MAX_KOBJ; k++)
		if (m->objs[k].used && m->objs[k].ns == ns)
			m->objs[k].named = false;
}

/* Namespace ids: at most three per ident or kill, so they always fit. */
static int new_ns(struct model *m)
{
	return ++m->next_ns;
}

void access_restart(struct model *m, int actor)
{
	struct cred *c = &m->cred[actor];
	int old = access_ns(m, actor);

	for (int i = 0; i < 3; i++)
		if (c->ns[i])
			c->ns[i] = new_ns(m);
	ns_died(m, old);
}

static bool mapped(const struct model *m, unsigned index)
{
	return (m->lim.mapped >> index) & 1;
}

int access_ident(struct model *m, const struct op *op)
{
	const struct cred *self = &m->lim.self;
	struct cred *c = &m->cred[op->actor];
	unsigned groups = op_ident_groups(op);

	if (op->actor == 0) {
		c->umask = op_ident_umask(op); /* the executor takes only that */
		return 0;
	}
	/* What a fresh peer (a copy of the executor) can do, in the order
	 * identity_apply() tries: unshare, setgroups, setresgid, setresuid. */
	if (op_ident_ns(op) && !((self->caps >> CAP_SYS_ADMIN_) & 1))
		return EPERM;
	if (!((self->caps >> CAP_SETGID_) & 1) || !m->lim.setgroups_ok)
		return EPERM;
	for (unsigned i = 0; i < IDENT_IDS; i++)
		if ((groups >> i & 1) && !mapped(m, i))
			return EINVAL;
	if (!mapped(m, op_ident_gid(op)))
		return EINVAL;
	if (!((self->caps >> CAP_SETUID_) & 1))
		return EPERM;
	if (!mapped(m, op_ident_uid(op)))
		return EINVAL;

	int old_ns = access_ns(m, op->actor);
	memset(c, 0, sizeof *c);
	c->uid = ident_id(op_ident_uid(op));
	c->gid = ident_id(op_ident_gid(op));
	for (unsigned i = 0; i < IDENT_IDS; i++)
		if (groups >> i & 1)
			c->groups[c->ngroups++] = ident_id(i);
	/* setresuid() away from 0 clears every capability. */
	c->caps = c->uid == 0 && !op_ident_nocap(op) ? self->caps : 0;
	c->umask = op_ident_umask(op);
	for (unsigned i = 0; i < 3; i++)
		c->ns[i] = (op_ident_ns(op) >> i & 1) ? new_ns(m) : 0;
	ns_died(m, old_ns);
	return 0;
}

void access_own(struct model *m, int actor, struct kobj *o, const struct op *create)
{
	const struct cred *c = &m->cred[actor];
	unsigned mode = rule(m)->fixed_mode ? rule(m)->fixed_mode : op_create_mode(create);

	if (rule(m)->umask && !rule(m)->fixed_mode)
		mode &= ~c->umask;
	o->perm = (struct perm){c->uid, c->gid, c->uid, c->gid, mode, 0};
	o->ns = access_ns(m, actor);
	if (rule(m)->abstract_isolation && op_create_form(create) == NAME_PRIVATE)
		o->ns = c->ns[ns_index(rule(m)->abstract_isolation)]; /* dir_mode 0 */
	else if (rule(m)->dir_search)
		o->perm.dir_mode = 0700 | (op_create_mode(create) & 0011);
	m->ns_had_objs[o->ns] = true;
}

static bool in_group(const struct cred *c, uint32_t gid)
{
	if (c->gid == gid)
		return true;
	for (int i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

/* The rwx bits the actor's class is granted. */
static unsigned granted(const struct cred *c, const struct perm *p, bool sysv)
{
	if (c->uid == p->uid || (sysv && c->uid == p->cuid))
		return (p->mode >> 6) & 7;
	if (in_group(c, p->gid) || (sysv && in_group(c, p->cgid)))
		return (p->mode >> 3) & 7;
	return p->mode & 7;
}

static int check_bits(const struct model *m, int actor, const struct kobj *o, unsigned want)
{
	const struct cred *c = &m->cred[actor];
	bool sysv = rule(m)->perm == PERM_SYSV;
	unsigned missing = want & ~granted(c, &o->perm, sysv) & 7;

	if (!missing)
		return 0;
	if (sysv)
		return access_cap(m, actor, CAP_IPC_OWNER_) ? 0 : EACCES;
	if (access_cap(m, actor, CAP_DAC_OVERRIDE_))
		return 0; /* read and write; we never ask for execute */
	if (!(missing & 2) && access_cap(m, actor, CAP_DAC_READ_SEARCH_))
		return 0; /* read, and search (asked of directories only) */
	return EACCES;
}

/* The bits want of the directory a socket's path is in: the creator's
 * (a chown of the socket file leaves it so). */
static int dir_bits(const struct model *m, int actor, const struct kobj *o, unsigned want)
{
	struct kobj dir = *o;
	dir.perm.uid = o->perm.cuid;
	dir.perm.gid = o->perm.cgid;
	dir.perm.mode = o->perm.dir_mode;
	return check_bits(m, actor, &dir, want);
}

/* connect(2) to a unix socket's address, in the kernel's order. */
static int connect_check(const struct model *m, int actor, const struct kobj *o)
{
	const struct access_rule *r = rule(m);
	int err;

	if (!o->perm.dir_mode) /* an abstract name */
		return o->ns == m->cred[actor].ns[ns_index(r->abstract_isolation)] ? 0
										   : ECONNREFUSED;
	if (o->ns != access_ns(m, actor))
		return ENOENT;
	if (r->dir_search && (err = dir_bits(m, actor, o, 1)))
		return err;
	return check_bits(m, actor, o, r->join);
}

int access_bits(const struct model *m, int actor, const struct kobj *o, unsigned bits)
{
	return rule(m)->perm == PERM_NONE ? 0 : check_bits(m, actor, o, bits);
}

/* IPC_RMID and IPC_SET: owner, creator or CAP_SYS_ADMIN. */
static int sysv_owner(const struct model *m, int actor, const struct kobj *o)
{
	uint32_t uid = m->cred[actor].uid;
	bool ok = uid == o->perm.uid || uid == o->perm.cuid || access_cap(m, actor, CAP_SYS_ADMIN_);
	return ok ? 0 : EPERM;
}

/* The requested bits of a msgget/shmget flag word: ipcperms() folds the
 * owner, group and other bits of the create's mode together. */
static unsigned sysv_requested(unsigned mode)
{
	return ((mode >> 6) | (mode >> 3) | mode) & 7;
}

/* chown(uid, gid) then chmod(mode) of an inode (setattr_prepare). */
static int file_set(const struct model *m, int actor, const struct kobj *o, const struct op *op)
{
	const struct cred *c = &m->cred[actor];
	uint32_t uid = ident_id(op_perm_uid(op)), gid = ident_id(op_perm_gid(op));

	if (!mapped(m, op_perm_uid(op)) || !mapped(m, op_perm_gid(op)))
		return EINVAL;
	bool owner = c->uid == o->perm.uid, can_chown = access_cap(m, actor, CAP_CHOWN_);
	if (!(owner && uid == o->perm.uid) && !can_chown)
		return EPERM;
	if (!(owner && (in_group(c, gid) || gid == o->perm.gid)) && !can_chown)
		return EPERM;
	/* chmod is judged against the owner chown just set. */
	if (c->uid != uid && !access_cap(m, actor, CAP_FOWNER_))
		return EPERM;
	return 0;
}

/* Unlink from a sticky directory (/dev/shm, made by the executor). */
static int sticky_unlink(const struct model *m, int actor, const struct kobj *o)
{
	uint32_t uid = m->cred[actor].uid;
	bool ok = uid == o->perm.uid || uid == m->lim.self.uid || access_cap(m, actor, CAP_FOWNER_);
	return ok ? 0 : EPERM;
}

/* O_CREAT of an existing file in a world-writable sticky directory. */
static int protected_create(const struct model *m, int actor, const struct kobj *o)
{
	uint32_t uid = m->cred[actor].uid;
	if (!m->lim.protected_regular || o->perm.uid == m->lim.self.uid || o->perm.uid == uid)
		return 0;
	return EACCES;
}

int access_check(const struct model *m, int actor, const struct kobj *o, enum access_want w,
		 const struct op *op)
{
	const struct access_rule *r = rule(m);
	bool sysv = r->perm == PERM_SYSV;
	int err;

	if (r->perm == PERM_NONE)
		return 0;
	switch (w) {
	case WANT_OPEN:
		if (op->kind == OP_JOIN && m->mech->open_rule == OPEN_FIFO &&
		    (op->flags & (OPF_READ | OPF_WRITE)))
			/* a join that opens one end asks for that end's bit */
			return check_bits(m, actor, o,
					  (op->flags & OPF_READ ? 4u : 0u) |
						  (op->flags & OPF_WRITE ? 2u : 0u));
		if (op->kind != OP_CREATE) /* a read-only join asks only to read */
			return check_bits(m, actor, o,
					  (op->flags & OPF_RDONLY) && m->mech->rdonly_join
						  ? r->join & 4u
						  : r->join);
		if (sysv) /* msgget(key, flags) of an existing key */
			return check_bits(m, actor, o, sysv_requested(op_create_mode(op)));
		if (r->sticky && !r->no_protected && (op->flags & OPF_CREAT) &&
		    (err = protected_create(m, actor, o)))
			return err;
		return check_bits(m, actor, o, r->join);
	case WANT_SEND:
		return check_bits(m, actor, o, r->send);
	case WANT_RECV:
		return check_bits(m, actor, o, r->recv);
	case WANT_STAT:
		return check_bits(m, actor, o, r->ctl);
	case WANT_CTL:
		if ((err = check_bits(m, actor, o, r->ctl)))
			return err;
		return sysv ? sysv_owner(m, actor, o) : 0;
	case WANT_PERM:
		if (r->dir_search && (err = dir_bits(m, actor, o, 1)))
			return err; /* chown(path) walks the directory */
		if (!sysv)
			return file_set(m, actor, o, op);
		if ((err = check_bits(m, actor, o, r->ctl)) || (err = sysv_owner(m, actor, o)))
			return err;
		if (m->cls->set_err && (err = m->cls->set_err(m, actor, o)))
			return err;
		return mapped(m, op_perm_uid(op)) && mapped(m, op_perm_gid(op)) ? 0 : EINVAL;
	case WANT_CONNECT:
		return connect_check(m, actor, o);
	case WANT_UNLINK:
		if (r->dir_search)
			return o->perm.dir_mode ? dir_bits(m, actor, o, 3) : 0;
		if (sysv)
			return sysv_owner(m, actor, o);
		if (!r->sticky || !(err = sticky_unlink(m, actor, o)))
			return 0;
		return r->unlink_errno ? r->unlink_errno : err;
	}
	return 0;
}

int access_fifo_read_end(const struct model *m, int actor, const struct kobj *o,
			 const struct op *op)
{
	const struct access_rule *r = rule(m);
	int err;

	if (r->perm == PERM_NONE)
		return 0;
	if (op->kind == OP_CREATE && r->sticky && !r->no_protected && (op->flags & OPF_CREAT) &&
	    (err = protected_create(m, actor, o)))
		return err;
	return check_bits(m, actor, o, 4u);
}

void access_set(struct kobj *o, const struct op *op)
{
	o->perm.uid = ident_id(op_perm_uid(op));
	o->perm.gid = ident_id(op_perm_gid(op));
	o->perm.mode = op_perm_mode(op);
}
