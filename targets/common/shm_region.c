/* Shared-memory records under a robust process-shared lock, for every
 * shared-memory target (see shm_region.h). */
#define _GNU_SOURCE
#include "shm_region.h"

#include "../../src/audit/audit.h"
#include "../../src/sync/robust_lock.h"
#include "../../src/util/fault.h"
#include "../../src/util/record.h"
#include "../../stress/stress.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
};

/* The last byte first: a record that reaches past the object's end faults
 * before any of it is written, so what a faulted write leaves is known. */
static long write_record(void *p)
{
	struct access *a = p;
	if (a->off <= a->size && a->size - a->off >= RECORD_HDR + a->len)
		(void)*(volatile uint8_t *)(a->region + a->off + RECORD_HDR + a->len - 1);
	return record_write(a->region, a->size, a->off, a->in, a->len, a->torn);
}

static long read_record(void *p)
{
	struct access *a = p;
	return record_read(a->region, a->size, a->off, a->out, a->len);
}

/* Under the lock, unless the handle cannot take it (read-only) or the
 * torn-record fault skips it on purpose. */
static long locked(struct chan *c, long (*fn)(void *), struct access *a, int unlocked)
{
	struct shm_header *h = c->map;

	if (unlocked || (c->open_flags & OPF_RDONLY))
		return shm_guard(fn, a);
	int r = robust_lock(&h->lock, LOCK_TIMEOUT_MS);
	if (r && r != -EOWNERDEAD)
		return r;
	long n = shm_guard(fn, a);
	robust_unlock(&h->lock);
	return n;
}

/* send ... fork: a child of this process writes the record and exits with
 * the errno as its status; a mapping it shares shows the record, a private
 * one (copy-on-write) does not. */
static long in_child(struct chan *c, struct access *a, int torn)
{
	int status;

	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit((int)-locked(c, write_record, a, torn));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? -WEXITSTATUS(status) : -ECHILD;
}

ssize_t shm_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len)
{
	int torn = fault_on(FAULT_SHM_TORN);
	if (!c->map)
		return -EBADF;
	struct access a = {shm_region(c), c->size, (uint16_t)op->arg, len, buf, NULL, torn};
	long r = op->flags & OPF_FORK ? in_child(c, &a, torn) : locked(c, write_record, &a, torn);
	return r ? r : (ssize_t)len;
}

ssize_t shm_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap, int64_t *mtype)
{
	(void)mtype;
	if (!c->map)
		return -EBADF;
	struct access a = {shm_region(c), c->size, (uint16_t)op->arg, cap, NULL, buf, 0};
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
