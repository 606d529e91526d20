/* memfd: an anonymous shared memory file (memfd_create), reached only by its
 * descriptor: peers join by inheriting it (SCM_RIGHTS from a holder, as
 * fork would give it).  The records and their lock are common/shm_region's;
 * setopt truncates the file and adds seals (F_SEAL_WRITE, SHRINK, GROW,
 * SEAL), which the model predicts op by op. */
#define _GNU_SOURCE
#include "mechanism.h"

#include "common/shm_region.h"

#include "../src/util/fault.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *memfd_probe(void)
{
	int fd = memfd_create("ipcfuzz-probe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return "no memfd_create (CONFIG_MEMFD_CREATE off, or a seccomp filter)";
	close(fd);
	return NULL;
}

static int memfd_create_obj(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	int fd = memfd_create("ipcfuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)(SHM_HDR_BYTES + op->len))) {
		int e = errno;
		close(fd);
		return -e;
	}
	shm_map_fd(c, fd, MAP_SHARED);
	if (!c->map)
		return -ENOMEM;
	shm_header_init(c->map, op->len);
	ref->id = -1;
	ref->size = (uint32_t)c->size;
	return 0;
}

/* The executor has placed the inherited descriptor: map it (read-only when
 * the join says rdonly). */
static int memfd_join(struct chan *c, const struct obj_ref *ref)
{
	(void)ref;
	if (c->fd[1] >= 0 && c->fd[1] != c->fd[0])
		close(c->fd[1]);
	c->fd[1] = -1;
	int r = c->fd[0] < 0 ? -EBADF : shm_map_fd(c, c->fd[0], MAP_SHARED);
	if (r)
		shm_close(c, OPF_READ | OPF_WRITE);
	return r;
}

static int memfd_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	shm_guard_forget(ref);
	return 0; /* no name: the file goes with its last descriptor and mapping */
}

static const unsigned seal_bits[] = {
	[OPT_SEAL_WRITE - OPT_SEAL_WRITE] = F_SEAL_WRITE,
	[OPT_SEAL_SHRINK - OPT_SEAL_WRITE] = F_SEAL_SHRINK,
	[OPT_SEAL_GROW - OPT_SEAL_WRITE] = F_SEAL_GROW,
	[OPT_SEAL_SEAL - OPT_SEAL_WRITE] = F_SEAL_SEAL,
};

/* F_ADD_SEALS.  F_SEAL_WRITE is refused while a writable shared mapping
 * exists, so the handle unmaps its own first and maps the file again after
 * (read-only once it is sealed). */
static int64_t add_seal(struct chan *c, unsigned seal)
{
	if (fault_on(FAULT_SHM_NO_SEAL))
		return 0;
	if (seal != F_SEAL_WRITE)
		return fcntl(c->fd[0], F_ADD_SEALS, seal) ? -errno : 0;
	munmap(c->map, c->map_len);
	c->map = NULL;
	int r = fcntl(c->fd[0], F_ADD_SEALS, seal) ? -errno : 0;
	if (fcntl(c->fd[0], F_GET_SEALS) & F_SEAL_WRITE)
		c->open_flags |= OPF_RDONLY;
	int m = shm_map_fd(c, c->fd[0], MAP_SHARED);
	return r ? r : m;
}

static int64_t memfd_control(struct chan *c, const struct op *op)
{
	unsigned opt = (uint16_t)op->arg;

	if (c->fd[0] < 0)
		return -EBADF;
	if (opt == OPT_TRUNCATE || opt == OPT_GUARD)
		return shm_control(c, op);
	if (opt >= OPT_SEAL_WRITE && opt <= OPT_SEAL_SEAL)
		return add_seal(c, seal_bits[opt - OPT_SEAL_WRITE]);
	return -ENOTSUP;
}

extern const struct mechanism mech_memfd;

/* Reproducer C (src/prog/to_c.h): the calls above, as text.  A join maps
 * the descriptor the emitter dup()ed from the holder (as SCM_RIGHTS would). */
static void memfd_to_c(FILE *f, const struct op *op)
{
	if (shm_to_c_op(f, op, mech_memfd.options))
		return;
	switch (op->kind) {
	case OP_CREATE:
		fprintf(f,
			"\t\tint fd = memfd_create(\"ipcfuzz-repro\", MFD_CLOEXEC | "
			"MFD_ALLOW_SEALING);\n"
			"\t\tif (fd < 0 || ftruncate(fd, (off_t)(HDR + %u))) {\n"
			"\t\t\tr = -errno;\n\t\t\tif (fd >= 0)\n\t\t\t\tclose(fd);\n"
			"\t\t} else {\n\t\t\tshm_map_fd(c, fd, 0, MAP_SHARED); /* no header yet "
			"*/\n"
			"\t\t\tr = c->map ? 0 : -ENOMEM;\n"
			"\t\t\tif (c->map)\n\t\t\t\theader_init(c->map, %u);\n\t\t}\n",
			op->len, op->len);
		break;
	case OP_JOIN:
		fprintf(f,
			"\t\tif (c->fd[1] >= 0)\n\t\t\tclose(c->fd[1]);\n\t\tc->fd[1] = -1;\n"
			"\t\tr = c->fd[0] < 0 ? -EBADF : shm_map_fd(c, c->fd[0], %d, MAP_SHARED);\n"
			"\t\tif (r)\n\t\t\tshm_release(c);\n",
			(op->flags & OPF_RDONLY) != 0);
		break;
	case OP_DESTROY:
		fprintf(f, "\t\tr = 0; /* no name: it goes with its last descriptor */\n");
		break;
	}
}

const struct mechanism mech_memfd = {
	.id = "memfd",
	.summary = "memfd_create shared file, passed by descriptor, with seals and a robust lock",
	.cls = CLASS_SHARED_RECORDS,
	.join_path = JOIN_BY_INHERIT,
	.naming = NAMING_NONE,
	.rdonly_join = true,
	.probe = memfd_probe,
	.create = memfd_create_obj,
	.join = memfd_join,
	.send = shm_send,
	.recv = shm_recv,
	.close = shm_close,
	.destroy = memfd_destroy,
	.control = memfd_control,
	.to_c = memfd_to_c,
	.stress = &shm_ring_stress,
	.options = SHM_OPTIONS | 1ull << OPT_SEAL_WRITE | 1ull << OPT_SEAL_SHRINK |
		   1ull << OPT_SEAL_GROW | 1ull << OPT_SEAL_SEAL,
};
