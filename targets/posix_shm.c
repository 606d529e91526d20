/* posix-shm: a named POSIX shared memory object.  The kernel moves no data,
 * so the segment carries its own robust process-shared lock in a header and
 * the channel is a region of checksummed records written and read under it. */
#define _GNU_SOURCE
#include "mechanism.h"

#include "common/shm_region.h"

#include "../src/audit/audit.h"
#include "../src/prog/ident.h"
#include "../src/sandbox/sandbox.h"
#include "../src/util/fault.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int posix_shm_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	int flags = O_RDWR | O_CLOEXEC;

	sandbox_posix_name(ref->name, sizeof ref->name, op->obj, op_create_form(op));
	if (op->flags & OPF_CREAT)
		flags |= O_CREAT;
	if (op->flags & OPF_EXCL)
		flags |= O_EXCL;
	int fd = shm_open(ref->name, flags, op_create_mode(op));
	if (fd < 0)
		return -errno;
	int r = shm_open_fd(c, fd, op->len, MAP_SHARED);
	ref->size = (uint32_t)c->size;
	return r;
}

static int posix_shm_join(struct chan *c, const struct obj_ref *ref)
{
	int fd = shm_open(ref->name, (c->open_flags & OPF_RDONLY ? O_RDONLY : O_RDWR) | O_CLOEXEC,
			  0);
	if (fd < 0)
		return fault_on(FAULT_ACCESS_ERRNO) && errno == EACCES ? -EPERM : -errno;
	return shm_map_fd(c, fd, MAP_SHARED);
}

static int posix_shm_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	shm_guard_forget(ref);
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
		shm_to_c_helpers(f);
		fprintf(f,
			"/* a read-only mapping has only the read end */\n"
			"static long map_object(struct chan *c, int fd, int ro)\n{\n\tstruct stat "
			"st;\n"
			"\tif (fstat(fd, &st))\n\t\treturn -errno;\n"
			"\tif ((size_t)st.st_size < HDR)\n\t\treturn -ENODATA;\n"
			"\tvoid *p = mmap(NULL, (size_t)st.st_size, ro ? PROT_READ : PROT_READ | "
			"PROT_WRITE, MAP_SHARED, fd, 0);\n"
			"\tif (p == MAP_FAILED)\n\t\treturn -errno;\n"
			"\tc->map = p;\n\tc->map_len = (size_t)st.st_size;\n\tc->size = c->map_len "
			"- HDR;\n"
			"\tc->fd[0] = fd;\n\tc->ends = ro ? END_READ : END_READ | END_WRITE;\n"
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
			"\t\tvoid *h = mmap(NULL, HDR, PROT_READ | PROT_WRITE, MAP_SHARED, fd, "
			"0);\n"
			"\t\tif (h == MAP_FAILED) {\n\t\t\tint e = "
			"errno;\n\t\t\tclose(fd);\n\t\t\treturn -e;\n\t\t}\n"
			"\t\theader_init(h, len);\n\t\tmunmap(h, HDR);\n\t}\n"
			"\tlong r = map_object(c, fd, 0);\n\trf->size = c->size;\n\treturn "
			"r;\n}\n",
			SHM_MAGIC);
		return;
	}
	switch (op->kind) {
	case OP_CREATE:
		fprintf(f, "\t\tr = shm_create(c, rf, %s%s, 0%o, %u);\n",
			op->flags & OPF_CREAT ? "O_CREAT" : "0",
			op->flags & OPF_EXCL ? " | O_EXCL" : "", op_create_mode(op), op->len);
		break;
	case OP_JOIN: {
		int ro = (op->flags & OPF_RDONLY) != 0;
		fprintf(f,
			"\t\tint fd = shm_open(rf->name, %s | O_CLOEXEC, 0);\n"
			"\t\tr = fd < 0 ? -errno : map_object(c, fd, %d);\n",
			ro ? "O_RDONLY" : "O_RDWR", ro);
		break;
	}
	case OP_SEND:
	case OP_RECV:
		shm_to_c_record_op(f, op);
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
		if (op->arg == OPT_TRUNCATE)
			fprintf(f, "\t\tr = ftruncate(c->fd[0], (off_t)(HDR + %u)) ? -errno : 0;\n",
				op->len);
		else if (op->arg == OPT_GUARD)
			shm_to_c_guard(f, op);
		else
			fprintf(f, "\t\tr = -ENOTSUP; /* no such option */\n");
		break;
	}
}

const struct mechanism mech_posix_shm = {
	.id = "posix-shm",
	.summary = "POSIX shared memory (shm_open+mmap) with a robust process-shared lock",
	.cls = CLASS_SHARED_RECORDS,
	.join_path = JOIN_BY_NAME,
	.naming = NAMING_POSIX_NAME,
	.rdonly_join = true,
	.probe = posix_shm_probe,
	.create = posix_shm_create,
	.join = posix_shm_join,
	.send = shm_send,
	.recv = shm_recv,
	.close = shm_close,
	.destroy = posix_shm_destroy,
	.setopt = NULL,
	.to_c = posix_shm_to_c,
	.set_perm = posix_shm_set_perm,
	.access = &posix_shm_access,
	.exists = posix_shm_exists,
	.stress = &shm_ring_stress,
	.control = shm_control,
	.options = SHM_OPTIONS,
};
