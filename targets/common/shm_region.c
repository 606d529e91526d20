/* Shared-memory records under a robust process-shared lock, for every
 * shared-memory target (see shm_region.h). */
#define _GNU_SOURCE
#include "shm_region.h"

#include "../../src/audit/audit.h"
#include "../../src/sandbox/sandbox.h"
#include "../../src/sync/robust_lock.h"
#include "../../src/util/fault.h"
#include "../../src/util/record.h"
#include "../../stress/stress.h"
#include "fork_call.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCK_TIMEOUT_MS 2000u

uint8_t *shm_region(struct chan *c)
{
	return (uint8_t *)c->map + SHM_HDR_BYTES;
}

void shm_header_init(void *map, uint32_t size)
{
	struct shm_header *h = map;
	robust_lock_init(&h->lock);
	h->size = size;
	h->guard = SHM_GUARD_MUTEX;
	h->semkey = 0;
	h->dirty = 0;
	h->poll = (uint32_t)sync_futex_refused(&h->magic);
	h->magic = SHM_MAGIC;
}

int shm_map_fd(struct chan *c, int fd, int share)
{
	struct stat st;
	int prot = PROT_READ | PROT_WRITE;

	c->fd[0] = fd; /* the handle owns it from here: a failure closes it */
	c->ends = OPF_READ | OPF_WRITE;
	if (fstat(fd, &st))
		return -errno;
	if ((size_t)st.st_size < SHM_HDR_BYTES)
		return -ENODATA;
	if ((c->open_flags & OPF_RDONLY) && !fault_on(FAULT_SHM_RO_WRITABLE))
		prot = PROT_READ;
	void *p = mmap(NULL, (size_t)st.st_size, prot, share, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	audit_note_map(p, (size_t)st.st_size);
	c->map = p;
	c->map_len = (size_t)st.st_size;
	c->role = share == MAP_PRIVATE ? SHM_ROLE_PRIVATE : 0;
	c->size = c->map_len - SHM_HDR_BYTES;
	return ((struct shm_header *)p)->magic == SHM_MAGIC ? 0 : -ENODATA;
}

int shm_open_fd(struct chan *c, int fd, unsigned len, int share)
{
	struct stat st;

	/* An object that already exists keeps its size and its lock. */
	if (!fstat(fd, &st) && st.st_size == 0) {
		if (ftruncate(fd, (off_t)(SHM_HDR_BYTES + len))) {
			int e = errno;
			close(fd);
			return -e;
		}
		void *p = mmap(NULL, SHM_HDR_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			int e = errno;
			close(fd);
			return -e;
		}
		shm_header_init(p, len);
		munmap(p, SHM_HDR_BYTES);
	}
	return shm_map_fd(c, fd, share);
}

int shm_close(struct chan *c, unsigned ends)
{
	(void)ends; /* one mapping, one descriptor: any close releases both */
	if (c->map && !fault_on(FAULT_SHM_LEAK_MAP))
		munmap(c->map, c->map_len);
	c->map = NULL;
	return chan_close_fds(c, OPF_READ | OPF_WRITE);
}

/* The fault guard: one per thread (the stress mode's threads). */
static _Thread_local sigjmp_buf guard_env;
static _Thread_local volatile sig_atomic_t guard_armed;

static void on_fault(int sig)
{
	if (guard_armed) {
		guard_armed = 0;
		siglongjmp(guard_env, sig);
	}
	signal(sig, SIG_DFL); /* not an access we made: die as we would have */
	raise(sig);
}

long shm_guard(long (*fn)(void *), void *arg)
{
	struct sigaction sa, old_segv, old_bus;
	volatile long r;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	int sig = sigsetjmp(guard_env, 1);
	if (!sig) {
		guard_armed = 1;
		r = fn(arg);
		guard_armed = 0;
	} else {
		r = -(sig == SIGBUS ? SHM_ERR_BUS : SHM_ERR_SEGV);
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return r;
}

struct access {
	uint8_t *region;
	size_t size, off, len;
	const uint8_t *in;
	uint8_t *out;
	int torn;
	struct chan *c; /* send ... fork: what the child writes through */
};

/* The last byte first: a record that reaches past the object's end faults
 * before any of it is written, so what a faulted write leaves is known.
 * guard-die-mid: half of it, then the writer dies (holding the guard). */
static long write_record(void *p)
{
	struct access *a = p;
	if (a->off <= a->size && a->size - a->off >= RECORD_HDR + a->len)
		(void)*(volatile uint8_t *)(a->region + a->off + RECORD_HDR + a->len - 1);
	if (fault_on(FAULT_GUARD_DIE_MID)) {
		record_write(a->region, a->size, a->off, a->in, a->len, 1);
		raise(SIGKILL);
	}
	return record_write(a->region, a->size, a->off, a->in, a->len, a->torn);
}

static long read_record(void *p)
{
	struct access *a = p;
	return record_read(a->region, a->size, a->off, a->out, a->len);
}

/* A guarded write that its writer never finished (the holder died): the
 * record becomes an empty one, so nobody reads half of it. */
static long clear_record(void *p)
{
	static const uint8_t none[1];
	struct access *a = p;
	return record_write(a->region, a->size, a->off, none, 0, 0);
}

/* SysV guard: P (-1) or V (+1) with SEM_UNDO on the set of the header's
 * key; 0 when there is none to reach (removed, another IPC namespace). */
static int sysv_guard(const struct shm_header *h, int sem_op)
{
	struct sembuf sb = {0, (short)sem_op, SEM_UNDO};
	struct timespec bound = {LOCK_TIMEOUT_MS / 1000, 0};
	int id = semget(h->semkey, 0, 0);

	if (id < 0)
		return 0;
	if (!semtimedop(id, &sb, 1, sem_op < 0 ? &bound : NULL))
		return 1;
	if (errno == EINVAL || errno == EIDRM)
		return 0;
	return errno == EAGAIN ? -ETIMEDOUT : -errno;
}

/* Takes the header's guard of this kind: 1, 0 when there is nothing to
 * take, or a negative errno.  The robust mutex says when its holder died
 * (EOWNERDEAD): what that holder was writing is cleared, then it goes on. */
static int guard_take(struct shm_header *h, unsigned kind, struct access *a)
{
	struct timespec t;
	int r;

	if (fault_on(FAULT_GUARD_NOOP))
		return 0;
	switch (kind) {
	case SHM_GUARD_MUTEX:
		r = h->poll ? robust_lock_poll(&h->lock, LOCK_TIMEOUT_MS)
			    : robust_lock(&h->lock, LOCK_TIMEOUT_MS);
		if (r == -EOWNERDEAD && h->dirty) {
			struct access lost = *a;
			lost.off = h->dirty - 1;
			shm_guard(clear_record, &lost);
			h->dirty = 0;
		}
		return r && r != -EOWNERDEAD ? r : 1;
	case SHM_GUARD_SYSV:
		return sysv_guard(h, -1);
	case SHM_GUARD_POSIX:
		sync_deadline(&t, LOCK_TIMEOUT_MS);
		return sem_timedwait(&h->sem, &t) ? -errno : 1;
	}
	return 0;
}

static void guard_give(struct shm_header *h, unsigned kind)
{
	if (kind == SHM_GUARD_MUTEX)
		robust_unlock(&h->lock);
	else if (kind == SHM_GUARD_SYSV)
		sysv_guard(h, 1);
	else if (kind == SHM_GUARD_POSIX)
		sem_post(&h->sem);
}

/* Under the guard, unless the handle cannot take it (read-only) or the
 * torn-record fault skips it on purpose.  A guarded write marks its record
 * dirty until it is done. */
static long locked(struct chan *c, long (*fn)(void *), struct access *a, int unlocked)
{
	struct shm_header *h = c->map;
	unsigned kind = h->guard;

	if (unlocked || (c->open_flags & OPF_RDONLY))
		return shm_guard(fn, a);
	int r = guard_take(h, kind, a);
	if (r < 0)
		return r;
	if (r && fn == write_record)
		h->dirty = (uint32_t)a->off + 1;
	long n = shm_guard(fn, a);
	if (r) {
		h->dirty = 0;
		guard_give(h, kind);
	}
	return n;
}

/* send ... fork: a child of this process writes the record and exits with
 * the errno as its status; a mapping it shares shows the record, a private
 * one (copy-on-write) does not.  Through a shared mapping the child is a
 * vfork child (fork_call.h says why).  It may take the robust mutex there:
 * it locks and unlocks it on the caller's robust list, which it borrows
 * with the memory, and no one kills it in between. */
static long child_write(void *p)
{
	struct access *a = p;
	return locked(a->c, write_record, a, a->torn);
}

ssize_t shm_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len)
{
	int torn = fault_on(FAULT_SHM_TORN);
	if (!c->map)
		return -EBADF;
	struct access a = {shm_region(c), c->size, (uint16_t)op->arg, len, buf, NULL, torn, c};
	long r = !(op->flags & OPF_FORK)      ? locked(c, write_record, &a, torn)
		 : c->role & SHM_ROLE_PRIVATE ? fork_call(child_write, &a)
					      : vfork_call(child_write, &a);
	return r ? r : (ssize_t)len;
}

ssize_t shm_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap, int64_t *mtype)
{
	(void)mtype;
	if (!c->map)
		return -EBADF;
	struct access a = {shm_region(c), c->size, (uint16_t)op->arg, cap, NULL, buf, 0, c};
	return locked(c, read_record, &a, 0);
}

/* Also the fault that hides SIGBUS: a shrink that grows back at once. */
int64_t shm_truncate(struct chan *c, unsigned len)
{
	off_t to = (off_t)(SHM_HDR_BYTES + len);
	struct stat st;

	if (fault_on(FAULT_SHM_BUS_HIDDEN) && !fstat(c->fd[0], &st) && st.st_size > to) {
		if (ftruncate(c->fd[0], to))
			return -errno;
		to = st.st_size; /* ... and grows back: nothing past the end faults */
	}
	if (!ftruncate(c->fd[0], to))
		return 0;
	return fault_on(FAULT_SHM_SEAL_ERRNO) && errno == EPERM ? -EBUSY : -errno;
}

struct set_guard {
	struct shm_header *h;
	unsigned kind;
	int32_t key;
};

/* The header is written first (a read-only mapping faults before anything
 * else happens); the mutex is made again only when it comes back. */
static long set_guard(void *p)
{
	struct set_guard *g = p;
	struct shm_header *h = g->h;
	union {
		int val;
	} one = {1};

	*(volatile uint32_t *)&h->dirty = 0;
	if (g->kind == SHM_GUARD_SYSV) {
		int id = semget(g->key, 1, IPC_CREAT | IPC_EXCL | 0666);
		if (id >= 0 && semctl(id, 0, SETVAL, one))
			return -errno;
		if (id < 0 && errno != EEXIST)
			return -errno;
	}
	if (g->kind == SHM_GUARD_POSIX && sem_init(&h->sem, 1, 1))
		return -errno;
	if (g->kind == SHM_GUARD_MUTEX && h->guard != SHM_GUARD_MUTEX)
		robust_lock_init(&h->lock);
	h->semkey = g->key;
	h->guard = g->kind;
	return 0;
}

int64_t shm_set_guard(struct chan *c, const struct op *op)
{
	struct set_guard g = {c->map, op->len, sandbox_sysv_key(op->obj)};

	if (op->len >= SHM_GUARD_COUNT)
		return -EINVAL;
	if (!c->map)
		return -EBADF;
	return shm_guard(set_guard, &g);
}

void shm_guard_forget(const struct obj_ref *ref)
{
	int id = semget(sandbox_sysv_key(ref->slot), 0, 0);
	if (id >= 0)
		semctl(id, 0, IPC_RMID);
}

int64_t shm_control(struct chan *c, const struct op *op)
{
	if (op->arg == OPT_GUARD)
		return shm_set_guard(c, op);
	return op->arg == OPT_TRUNCATE ? shm_truncate(c, op->len) : -ENOTSUP;
}

void *shm_stress_region(struct chan *c, size_t *len)
{
	*len = c->size;
	return shm_region(c);
}

/* The ring owns everything after the header: the header's lock guards the
 * record ops, the ring brings its own. */
const struct stress_profile shm_ring_stress = {
	.kind = STRESS_RING,
	.max_frame = 8192,
	.create_len = 65535,
	.region = shm_stress_region,
};
