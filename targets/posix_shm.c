/* posix-shm: a named POSIX shared memory object.  The kernel moves no data,
 * so the segment carries its own robust process-shared lock in a header and
 * the channel is a region of checksummed records written and read under it. */
#define _GNU_SOURCE
#include "mechanism.h"

#include "../src/audit/audit.h"
#include "../src/prog/ident.h"
#include "../src/sandbox/sandbox.h"
#include "../src/sync/robust_lock.h"
#include "../src/util/fault.h"
#include "../src/util/record.h"
#include "../stress/stress.h"
#include "common/shm_records.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHM_MAGIC 0x69706366u /* "ipcf" */

struct shm_header {
	pthread_mutex_t lock;
	uint32_t magic;
	uint32_t size; /* bytes of the record region after the header */
};
#define SHM_HDR_BYTES ((sizeof(struct shm_header) + 63u) & ~(size_t)63u)

static uint8_t *region(struct chan *c)
{
	return (uint8_t *)c->map + SHM_HDR_BYTES;
}

/* Maps the whole object and checks that its creator finished the header. */
static int map_object(struct chan *c, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if ((size_t)st.st_size < SHM_HDR_BYTES)
		return -ENODATA;
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	audit_note_map(p, (size_t)st.st_size);
	c->map = p;
	c->map_len = (size_t)st.st_size;
	c->size = c->map_len - SHM_HDR_BYTES;
	c->fd[0] = fd;
	c->ends = OPF_READ | OPF_WRITE;
	return ((struct shm_header *)p)->magic == SHM_MAGIC ? 0 : -ENODATA;
}

static int posix_shm_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	int flags = O_RDWR | O_CLOEXEC;
	struct stat st;

	sandbox_posix_name(ref->name, sizeof ref->name, op->obj, op_create_form(op));
	if (op->flags & OPF_CREAT)
		flags |= O_CREAT;
	if (op->flags & OPF_EXCL)
		flags |= O_EXCL;
	int fd = shm_open(ref->name, flags, op_create_mode(op));
	if (fd < 0)
		return -errno;
	/* An object that already exists keeps its size and its lock. */
	if (!fstat(fd, &st) && st.st_size == 0) {
		if (ftruncate(fd, (off_t)(SHM_HDR_BYTES + op->len))) {
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
		struct shm_header *h = p;
		robust_lock_init(&h->lock);
		h->size = op->len;
		h->magic = SHM_MAGIC;
		munmap(p, SHM_HDR_BYTES);
	}
	int r = map_object(c, fd);
	ref->size = (uint32_t)c->size;
	return r;
}

static int posix_shm_join(struct chan *c, const struct obj_ref *ref)
{
	int fd = shm_open(ref->name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		return fault_on(FAULT_ACCESS_ERRNO) && errno == EACCES ? -EPERM : -errno;
	return map_object(c, fd);
}

static ssize_t posix_shm_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len)
{
	struct shm_header *h = c->map;
	size_t off = (uint16_t)op->arg;

	if (fault_on(FAULT_SHM_TORN))
		return record_write(region(c), c->size, off, buf, len, 1) ?: (ssize_t)len;
	return locked_record_write(&h->lock, LOCK_FUTEX, region(c), c->size, op, buf, len);
}

static ssize_t posix_shm_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap,
			      int64_t *mtype)
{
	struct shm_header *h = c->map;
	(void)mtype;
	return locked_record_read(&h->lock, LOCK_FUTEX, region(c), c->size, op, buf, cap);
}

static int posix_shm_close(struct chan *c, unsigned ends)
{
	(void)ends; /* one mapping, one descriptor: any close releases both */
	if (c->map && !fault_on(FAULT_SHM_LEAK_MAP))
		munmap(c->map, c->map_len);
	c->map = NULL;
	return chan_close_fds(c, OPF_READ | OPF_WRITE);
}

static int posix_shm_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	if (fault_on(FAULT_SHM_NO_UNLINK))
		return 0;
	return shm_unlink(ref->name) ? -errno : 0;
}

static int posix_shm_set_perm(struct chan *c, const struct obj_ref *ref, uint32_t uid, uint32_t gid,
			      unsigned mode)
{
	(void)ref;
	return fd_set_perm(c->fd[0], uid, gid, mode);
}

/* A file in /dev/shm (sticky, 1777): opened read-write, by name in the
 * mount namespace's /dev/shm, created through the umask. */
static const struct access_rule posix_shm_access = {
	.perm = PERM_FILE,
	.isolation = IDENT_NS_MNT,
	.join = 6,
	.umask = 1,
	.sticky = 1,
	.unlink_errno = EACCES, /* glibc's shm_unlink turns EPERM into EACCES */
};

static const char *posix_shm_probe(void)
{
	return probe_needs("/dev/shm", "no /dev/shm (tmpfs) for POSIX shared memory");
}

static int posix_shm_exists(const struct obj_ref *ref)
{
	int fd = shm_open(ref->name, O_RDONLY | O_CLOEXEC, 0);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* Reproducer C (src/prog/to_c.h): the segment layout and calls above, as
 * text: a header with a robust process-shared lock, then the records. */
static void posix_shm_to_c(FILE *f, const struct op *op)
{
	if (!op) {
		fprintf(f,
			"struct shm_header {\n\tpthread_mutex_t lock;\n\tuint32_t magic, "
			"size;\n};\n"
			"#define HDR ((sizeof(struct shm_header) + 63u) & ~(size_t)63u)\n\n"
			"static long map_object(struct chan *c, int fd)\n{\n\tstruct stat st;\n"
			"\tif (fstat(fd, &st))\n\t\treturn -errno;\n"
			"\tif ((size_t)st.st_size < HDR)\n\t\treturn -ENODATA;\n"
			"\tvoid *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, "
			"MAP_SHARED, fd, 0);\n"
			"\tif (p == MAP_FAILED)\n\t\treturn -errno;\n"
			"\tc->map = p;\n\tc->map_len = (size_t)st.st_size;\n\tc->size = c->map_len "
			"- HDR;\n"
			"\tc->fd[0] = fd;\n\tc->ends = END_READ | END_WRITE;\n"
			"\treturn ((struct shm_header *)p)->magic == 0x%xu ? 0 : -ENODATA;\n}\n\n"
			"static long shm_create(struct chan *c, struct ref *rf, int flags, "
			"unsigned mode,\n"
			"\t\t       unsigned len)\n{\n\tstruct stat st;\n"
			"\tint fd = shm_open(rf->name, O_RDWR | O_CLOEXEC | flags, mode);\n"
			"\tif (fd < 0)\n\t\treturn -errno;\n"
			"\tif (!fstat(fd, &st) && st.st_size == 0) { /* new: size, header, lock "
			"*/\n"
			"\t\tif (ftruncate(fd, (off_t)(HDR + len))) {\n"
			"\t\t\tint e = errno;\n\t\t\tclose(fd);\n\t\t\treturn -e;\n\t\t}\n"
			"\t\tstruct shm_header *h = mmap(NULL, HDR, PROT_READ | PROT_WRITE, "
			"MAP_SHARED, fd, 0);\n"
			"\t\tif (h == MAP_FAILED) {\n\t\t\tint e = "
			"errno;\n\t\t\tclose(fd);\n\t\t\treturn -e;\n\t\t}\n"
			"\t\tpthread_mutexattr_t a;\n\t\tpthread_mutexattr_init(&a);\n"
			"\t\tpthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);\n"
			"\t\tpthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);\n"
			"\t\tpthread_mutex_init(&h->lock, "
			"&a);\n\t\tpthread_mutexattr_destroy(&a);\n"
			"\t\th->size = len;\n\t\th->magic = 0x%xu;\n\t\tmunmap(h, HDR);\n\t}\n"
			"\tlong r = map_object(c, fd);\n\trf->size = c->size;\n\treturn r;\n}\n\n"
			"static long shm_lock(struct chan *c)\n{\n"
			"\tstruct shm_header *h = c->map;\n\tstruct timespec t;\n"
			"\tclock_gettime(CLOCK_REALTIME, &t);\n\tt.tv_sec += 2;\n"
			"\tint r = pthread_mutex_timedlock(&h->lock, &t);\n"
			"\tif (r == EOWNERDEAD)\n\t\tr = pthread_mutex_consistent(&h->lock);\n"
			"\treturn -r;\n}\n",
			SHM_MAGIC, SHM_MAGIC);
		return;
	}
	switch (op->kind) {
	case OP_CREATE:
		fprintf(f, "\t\tr = shm_create(c, rf, %s%s, 0%o, %u);\n",
			op->flags & OPF_CREAT ? "O_CREAT" : "0",
			op->flags & OPF_EXCL ? " | O_EXCL" : "", op_create_mode(op), op->len);
		break;
	case OP_JOIN:
		fprintf(f, "\t\tint fd = shm_open(rf->name, O_RDWR | O_CLOEXEC, 0);\n"
			   "\t\tr = fd < 0 ? -errno : map_object(c, fd);\n");
		break;
	case OP_SEND:
		fprintf(f,
			"\t\tif (!(r = shm_lock(c))) {\n"
			"\t\t\tr = record_write((uint8_t *)c->map + HDR, c->size, %u, pay, %u, "
			"0);\n"
			"\t\t\tpthread_mutex_unlock(&((struct shm_header *)c->map)->lock);\n"
			"\t\t\tr = r ? r : %u;\n\t\t}\n",
			(uint16_t)op->arg, op->len, op->len);
		break;
	case OP_RECV:
		fprintf(f,
			"\t\tif (!(r = shm_lock(c))) {\n"
			"\t\t\tr = record_read((uint8_t *)c->map + HDR, c->size, %u, buf, %u);\n"
			"\t\t\tpthread_mutex_unlock(&((struct shm_header "
			"*)c->map)->lock);\n\t\t}\n",
			(uint16_t)op->arg, op->len);
		break;
	case OP_CLOSE:
		fprintf(f, "\t\tif (c->map)\n\t\t\tmunmap(c->map, c->map_len);\n"
			   "\t\tc->map = NULL;\n\t\tif (c->fd[0] >= 0)\n\t\t\tclose(c->fd[0]);\n"
			   "\t\tc->fd[0] = -1;\n\t\tc->ends = 0;\n");
		break;
	case OP_DESTROY:
		fprintf(f, "\t\tr = shm_unlink(rf->name) ? -errno : 0;\n");
		break;
	case OP_SETOPT:
		fprintf(f, "\t\tr = -ENOTSUP; /* no option to set */\n");
		break;
	}
}

/* The stress ring owns everything after the header: the header's lock
 * guards the record ops, the ring brings its own. */
static void *posix_shm_stress_region(struct chan *c, size_t *len)
{
	*len = c->size;
	return region(c);
}

static const struct stress_profile posix_shm_stress = {
	.kind = STRESS_RING,
	.max_frame = 8192,
	.create_len = 65535,
	.region = posix_shm_stress_region,
};

const struct mechanism mech_posix_shm = {
	.id = "posix-shm",
	.summary = "POSIX shared memory (shm_open+mmap) with a robust process-shared lock",
	.cls = CLASS_SHARED_RECORDS,
	.join_path = JOIN_BY_NAME,
	.naming = NAMING_POSIX_NAME,
	.probe = posix_shm_probe,
	.create = posix_shm_create,
	.join = posix_shm_join,
	.send = posix_shm_send,
	.recv = posix_shm_recv,
	.close = posix_shm_close,
	.destroy = posix_shm_destroy,
	.setopt = NULL,
	.to_c = posix_shm_to_c,
	.set_perm = posix_shm_set_perm,
	.access = &posix_shm_access,
	.exists = posix_shm_exists,
	.stress = &posix_shm_stress,
};
