/* sysv-sem: a SysV semaphore set, found by key (or, for IPC_PRIVATE, by its
 * identifier), judged by the counting-semaphore model: send is V (semop
 * +len), recv is P (semop -len), len 0 waits for zero, arg is the
 * semaphore; setopt getval/setval/semstat are semctl, undo makes the
 * handle's semops SEM_UNDO (see targets/common/sem_count.h). */
#define _GNU_SOURCE
#include "mechanism.h"

#include "common/fork_call.h"
#include "common/sem_to_c.h"
#include "common/sysv_ipc.h"
#include "common/sem_count.h"
#include "common/sem_stress.h"

#include "../src/prog/ident.h"
#include "../src/util/fault.h"

#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <time.h>
#include <unistd.h>

union semun_ {
	int val;
	struct semid_ds *buf;
};

static const char *sysv_sem_probe(void)
{
	return probe_needs("/proc/sysvipc/sem", "no SysV semaphores (CONFIG_SYSVIPC off)");
}

static int sysv_sem_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	key_t key = sysv_create_key(op);
	int r = sysv_hold(c, semget(key, op->len, sysv_create_flags(op)));
	if (r)
		return r;
	c->role = 0; /* no SEM_UNDO until setopt undo */
	ref->key = key;
	ref->id = c->id;
	return 0;
}

static int sem_by_key(key_t key)
{
	return semget(key, 0, 0);
}

static int sysv_sem_join(struct chan *c, const struct obj_ref *ref)
{
	c->role = 0;
	return sysv_hold(c, sysv_join_id(ref, sem_by_key));
}

struct semop_call {
	int id;
	struct sembuf sb;
};

/* A blocking semop is semtimedop, bounded; the watchdog's kick ends it
 * sooner (EINTR). */
static long do_semop(void *p)
{
	struct semop_call *s = p;
	struct timespec bound = {SEM_PEER_BOUND_S, 0};
	int r = s->sb.sem_flg & IPC_NOWAIT ? semop(s->id, &s->sb, 1)
					   : semtimedop(s->id, &s->sb, 1, &bound);
	if (!r)
		return 0;
	if (fault_on(FAULT_SEM_BAD_ERRNO) && errno == ERANGE)
		return -EINVAL;
	return fault_on(FAULT_ACCESS_ERRNO) && errno == EACCES ? -EPERM : -errno;
}

static ssize_t sem_call(struct chan *c, const struct op *op, int sem_op)
{
	struct semop_call s = {c->id, {(unsigned short)op->arg, (short)sem_op, 0}};

	if (op->arg < 0) /* sem_num is unsigned: past any set */
		s.sb.sem_num = (unsigned short)0xffff;
	if (op->flags & OPF_NOWAIT)
		s.sb.sem_flg |= IPC_NOWAIT;
	if (c->role && !fault_on(FAULT_SEM_NO_UNDO))
		s.sb.sem_flg |= SEM_UNDO;
	return op->kind == OP_SEND && (op->flags & OPF_FORK) ? vfork_call(do_semop, &s)
							     : do_semop(&s);
}

static ssize_t sysv_sem_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len)
{
	(void)buf;
	int n = (int)len;
	if (fault_on(FAULT_SEM_LOST_POST) && n > 0)
		n--;
	return sem_call(c, op, n);
}

static ssize_t sysv_sem_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap,
			     int64_t *mtype)
{
	(void)buf;
	(void)mtype;
	if (fault_on(FAULT_HANG)) {
		pause(); /* waits although the model says it can go on */
		return -errno;
	}
	return sem_call(c, op, -(int)cap);
}

static int sysv_sem_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)ref;
	if (fault_on(FAULT_SEM_NO_RMID))
		return 0;
	return semctl(c->id, 0, IPC_RMID) ? -errno : 0;
}

static long stat_set(int id, struct semid_ds *ds)
{
	union semun_ arg = {.buf = ds};
	return semctl(id, 0, IPC_STAT, arg) ? -errno : 0;
}

static int64_t sysv_sem_control(struct chan *c, const struct op *op)
{
	struct semid_ds ds;
	long r;

	switch (op->arg) {
	case OPT_GETVAL:
		r = semctl(c->id, op->len, GETVAL);
		return r < 0 ? -errno : r;
	case OPT_SETVAL: {
		union semun_ arg = {.val = (int)sem_setval_val(op->len)};
		return semctl(c->id, (int)sem_setval_num(op->len), SETVAL, arg) ? -errno : 0;
	}
	case OPT_SEMSTAT:
		r = stat_set(c->id, &ds);
		return r ? r : (int64_t)ds.sem_nsems;
	case OPT_UNDO:
		if ((r = stat_set(c->id, &ds)))
			return r;
		c->role = op->len & 1;
		return 0;
	}
	return -ENOTSUP;
}

/* IPC_SET takes only the owner and mode: no IPC_STAT first. */
static int sysv_sem_set_perm(struct chan *c, const struct obj_ref *ref, uint32_t uid, uint32_t gid,
			     unsigned mode)
{
	struct semid_ds ds;
	union semun_ arg = {.buf = &ds};

	(void)ref;
	memset(&ds, 0, sizeof ds);
	ds.sem_perm.uid = uid;
	ds.sem_perm.gid = gid;
	ds.sem_perm.mode = (unsigned short)mode;
	return semctl(c->id, 0, IPC_SET, arg) ? -errno : 0;
}

/* ipc_perm: semget(key, 0) asks nothing; semop's bits depend on the op
 * and semctl's on the command, so the model asks them itself
 * (access_bits): nothing here but the owner rules. */
static const struct access_rule sysv_sem_access = {
	.perm = PERM_SYSV,
	.isolation = IDENT_NS_IPC,
};

static int sysv_sem_exists(const struct obj_ref *ref)
{
	struct semid_ds ds;
	return stat_set(ref->id, &ds) == 0;
}

/* Reproducer C (src/prog/to_c.h): the calls above, as text, in the actor's
 * own process (common/sem_to_c.c).  c->size is the handle's SEM_UNDO. */
static const char sysv_sem_do_op[] =
	"union semun_ {\n\tint val;\n\tstruct semid_ds *buf;\n};\n\n"
	"static long semop_call(const struct cmd *m, struct chan *c)\n{\n"
	"\tstruct sembuf sb = {(unsigned short)(m->arg < 0 ? 0xffff : m->arg),\n"
	"\t\t\t     (short)(m->kind == K_SEND ? m->len : -m->len), 0};\n"
	"\tstruct timespec bound = {SEM_BOUND_S, 0};\n"
	"\tif (m->flags & F_NOWAIT)\n\t\tsb.sem_flg |= IPC_NOWAIT;\n"
	"\tif (c->size)\n\t\tsb.sem_flg |= SEM_UNDO;\n"
	"\tint r = (m->flags & F_NOWAIT) ? semop(c->id, &sb, 1) : semtimedop(c->id, &sb, 1, "
	"&bound);\n"
	"\treturn r ? -errno : 0;\n}\n\n"
	"static long setopt_op(const struct cmd *m, struct chan *c)\n{\n"
	"\tstruct semid_ds ds;\n\tunion semun_ u = {.buf = &ds};\n\tlong r;\n"
	"\tswitch (m->arg) {\n"
	"\tcase O_GETVAL:\n\t\tr = semctl(c->id, m->len, GETVAL);\n\t\treturn r < 0 ? -errno : r;\n"
	"\tcase O_SETVAL:\n\t\tu.val = m->len & 0xfff;\n"
	"\t\treturn semctl(c->id, m->len >> 12, SETVAL, u) ? -errno : 0;\n"
	"\tcase O_SEMSTAT:\n"
	"\t\treturn semctl(c->id, 0, IPC_STAT, u) ? -errno : (long)ds.sem_nsems;\n"
	"\tcase O_UNDO:\n\t\tif (semctl(c->id, 0, IPC_STAT, u))\n\t\t\treturn -errno;\n"
	"\t\tc->size = m->len & 1;\n\t\treturn 0;\n\t}\n"
	"\treturn -ENOTSUP;\n}\n\n"
	"/* One op in the actor's own process. */\n"
	"static long do_op(const struct cmd *m, struct chan *c, struct ref *rf, uint8_t *out,\n"
	"\t\t  int64_t *mtype)\n{\n"
	"\tstruct semid_ds ds;\n\tunion semun_ u = {.buf = &ds};\n\tint id;\n"
	"\t(void)out;\n\t(void)mtype;\n"
	"\tswitch (m->kind) {\n\tcase K_CREATE:\n"
	"\t\tif ((m->arg & 7) == FORM_PRIVATE)\n\t\t\trf->key = IPC_PRIVATE;\n"
	"\t\tid = semget(rf->key, m->len, ((m->arg >> 3) & 0777) | (m->flags & F_CREAT ? "
	"IPC_CREAT : 0) |\n"
	"\t\t\t\t\t\t    (m->flags & F_EXCL ? IPC_EXCL : 0));\n"
	"\t\tif (id < 0)\n\t\t\treturn -errno;\n"
	"\t\tc->id = rf->id = id;\n\t\tc->ends = END_READ | END_WRITE;\n"
	"\t\tc->size = 0; /* no SEM_UNDO until setopt undo */\n\t\treturn 0;\n"
	"\tcase K_JOIN:\n\t\tid = rf->key == IPC_PRIVATE ? rf->id : semget(rf->key, 0, 0);\n"
	"\t\tif (id < 0)\n\t\t\treturn -errno;\n"
	"\t\tc->id = id;\n\t\tc->ends = END_READ | END_WRITE;\n\t\tc->size = 0;\n\t\treturn 0;\n"
	"\tcase K_SEND:\n\t\treturn (m->flags & F_FORK) ? in_child(semop_call, m, c) : "
	"semop_call(m, c);\n"
	"\tcase K_RECV:\n\t\treturn semop_call(m, c);\n"
	"\tcase K_CLOSE: /* an id is not a descriptor: forget it */\n"
	"\t\tc->id = -1;\n\t\tc->ends = 0;\n\t\treturn 0;\n"
	"\tcase K_DESTROY:\n\t\treturn semctl(c->id, 0, IPC_RMID) ? -errno : 0;\n"
	"\tcase K_SETOPT:\n\t\treturn setopt_op(m, c);\n"
	"\tcase K_PERM: /* IPC_SET takes only the owner and mode */\n"
	"\t\tmemset(&ds, 0, sizeof ds);\n\t\tds.sem_perm.uid = perm_uid(m);\n"
	"\t\tds.sem_perm.gid = perm_gid(m);\n\t\tds.sem_perm.mode = (unsigned short)perm_mode(m);\n"
	"\t\treturn semctl(c->id, 0, IPC_SET, u) ? -errno : 0;\n\t}\n"
	"\treturn -ENOTSUP;\n}\n";

static void sysv_sem_to_c(FILE *f, const struct op *op)
{
	sem_to_c(f, op, sysv_sem_do_op);
}

const struct mechanism mech_sysv_sem = {
	.id = "sysv-sem",
	.summary = "SysV semaphore set (semget/semop/semctl, SEM_UNDO): counting semaphores",
	.cls = CLASS_COUNTING_SEM,
	.join_path = JOIN_BY_NAME,
	.naming = NAMING_SYSV_KEY,
	.probe = sysv_sem_probe,
	.create = sysv_sem_create,
	.join = sysv_sem_join,
	.send = sysv_sem_send,
	.recv = sysv_sem_recv,
	.close = sysv_close,
	.destroy = sysv_sem_destroy,
	.control = sysv_sem_control,
	.set_perm = sysv_sem_set_perm,
	.access = &sysv_sem_access,
	.exists = sysv_sem_exists,
	.stress = &sysv_sem_stress,
	.options = 1ull << OPT_GETVAL | 1ull << OPT_SETVAL | 1ull << OPT_SEMSTAT | 1ull << OPT_UNDO,
	.to_c = sysv_sem_to_c,
	.to_c_actors = 1,
};
