/* The layout every shared-memory target keeps in its object, and the code
 * that uses it: a header with a robust process-shared lock, then a region
 * of checksummed records (src/util/record.h) written and read under that
 * lock.  The kernel moves no data here, so a fault is a result too: a store
 * to a read-only mapping (SIGSEGV) returns -EFAULT and an access past the
 * object's end (SIGBUS) returns -ENXIO, caught in that one access. */
#ifndef IPCFUZZ_SHM_REGION_H
#define IPCFUZZ_SHM_REGION_H

#include "../mechanism.h"

#include <pthread.h>
#include <semaphore.h>

#define SHM_MAGIC 0x69706366u /* "ipcf" */

/* sync: what guards the records (setopt guard).  The model predicts whole
 * records for every kind: a program's ops never overlap; only concurrent
 * writers (tests/unit/test_shm_guard.c) tell them apart. */
enum shm_guard_kind {
	SHM_GUARD_MUTEX, /* the robust process-shared mutex (a new object's) */
	SHM_GUARD_SYSV,	 /* a SysV semaphore (SEM_UNDO), keyed by the slot */
	SHM_GUARD_POSIX, /* a POSIX unnamed semaphore (pshared) in the header */
	SHM_GUARD_NONE,	 /* nothing: concurrent writers tear records */
	SHM_GUARD_COUNT
};

struct shm_header {
	union {
		pthread_mutex_t lock; /* SHM_GUARD_MUTEX */
		sem_t sem;	      /* SHM_GUARD_POSIX */
	};
	uint32_t magic;
	uint32_t size;	/* bytes of the record region after the header */
	uint32_t guard; /* enum shm_guard_kind */
	int32_t semkey; /* SHM_GUARD_SYSV: the set's key (looked up per op) */
	uint32_t dirty; /* 1 + the offset of the record a guarded write is in */
	uint32_t poll;	/* the kernel refuses futexes here (a dma-buf): the
			 * mutex is taken by polling (robust_lock_poll) */
};
#define SHM_HDR_BYTES ((sizeof(struct shm_header) + 63u) & ~(size_t)63u)
/* The records start where they always did (seeds, C reproducers). */
_Static_assert(sizeof(struct shm_header) <= 64, "the shm header outgrew its 64 bytes");

/* What a caught fault becomes. */
#define SHM_ERR_SEGV EFAULT
#define SHM_ERR_BUS  ENXIO

uint8_t *shm_region(struct chan *c);
/* A new object's header: the lock and the magic (size: its record bytes). */
void shm_header_init(void *map, uint32_t size);
/* Maps all of fd (`share`: MAP_SHARED or MAP_PRIVATE; read-only when the
 * join said rdonly), notes the mapping for the audit and takes fd into the
 * handle.  -ENODATA when the object has no finished header. */
int shm_map_fd(struct chan *c, int fd, int share);
/* chan.role of a handle whose mapping is MAP_PRIVATE (copy-on-write). */
#define SHM_ROLE_PRIVATE 1
/* A file just opened: a new (empty) one gets its size and header (through a
 * shared mapping, so the file has them), then shm_map_fd.  Closes fd on
 * failure before the map. */
int shm_open_fd(struct chan *c, int fd, unsigned len, int share);
/* A record written / read under the header's lock (a read-only handle, which
 * cannot take the lock, goes unlocked: its write faults). */
ssize_t shm_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len);
ssize_t shm_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap, int64_t *mtype);
/* munmap and close: a handle of a mapped descriptor goes. */
int shm_close(struct chan *c, unsigned ends);
/* Runs fn(arg) with SIGSEGV and SIGBUS caught: fn's value, or -EFAULT /
 * -ENXIO when it faulted (the handlers are put back either way). */
long shm_guard(long (*fn)(void *), void *arg);
/* OP_SETOPT truncate: ftruncate(fd, header + len); the mappings keep
 * their length, and what lies on pages past the new end faults (SIGBUS). */
int64_t shm_truncate(struct chan *c, unsigned len);
/* sync: setopt guard (op->len: enum shm_guard_kind; past it EINVAL),
 * written into the header (a read-only mapping: EFAULT).  SysV's set is
 * made with the slot's key and removed by shm_guard_forget (every shared-
 * memory target's destroy); a handle that cannot reach it (removed, or
 * another IPC namespace) goes unguarded. */
int64_t shm_set_guard(struct chan *c, const struct op *op);
void shm_guard_forget(const struct obj_ref *ref);
/* OPT_GUARD and OPT_TRUNCATE, the options every shared-memory target with
 * a descriptor takes (mmap-anon takes guard only: it has no descriptor). */
int64_t shm_control(struct chan *c, const struct op *op);
#define SHM_OPTIONS (1ull << OPT_GUARD | 1ull << OPT_TRUNCATE)
/* STRESS_RING: the ring owns the record region. */
void *shm_stress_region(struct chan *c, size_t *len);
/* Reproducer C (src/prog/to_c.h, common/shm_to_c.c): the helpers every
 * shared-memory hook starts with (layout, lock, header_init, rec_op with
 * faults as results, fork_write, shm_release, shm_map_fd, shm_open_fd,
 * shm_seal); shm_to_c_op writes them for op NULL, else the C of send,
 * recv, close and setopt (options: the descriptor's, the rest ENOTSUP), and
 * returns 1 when it wrote something. */
void shm_to_c_helpers(FILE *f);
int shm_to_c_op(FILE *f, const struct op *op, uint64_t options);
/* The C of create, join and destroy of an object opened by name: open_call
 * is the call up to its flags ("shm_open(rf->name"), unlink_call the whole
 * unlink; private: create maps MAP_PRIVATE. */
void shm_to_c_named(FILE *f, const struct op *op, const char *open_call, const char *unlink_call,
		    int private);
/* The stress profile of every shared-memory target: a ring in the region. */
extern const struct stress_profile shm_ring_stress;

#endif
