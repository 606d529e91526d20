/* sysv-sem: a SysV semaphore set, found by key (or, for IPC_PRIVATE, by its
 * identifier), judged by the counting-semaphore model: send is V (semop
 * +len), recv is P (semop -len), len 0 waits for zero, arg is the
 * semaphore; setopt getval/setval/semstat are semctl, undo makes the
 * handle's semops SEM_UNDO (see targets/common/sem_count.h). */
#define _GNU_SOURCE
#include "mechanism.h"

#include "common/fork_call.h"
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
	return op->kind == OP_SEND && (op->flags & OPF_FORK) ? fork_call(do_semop, &s)
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
};
