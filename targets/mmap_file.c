/* mmap-file: a regular file in the sandbox's private directory (its own
 * tmpfs /dev/shm, or unique names there in fallback mode), opened by path
 * and mapped MAP_SHARED; create name=private maps it MAP_PRIVATE, whose
 * stores stay in the handle's own copies.  Names follow shm_open's rules
 * (the same directory), the records and lock are common/shm_region's, and
 * setopt truncate shrinks the file under the mappings (SIGBUS past it). */
#define _GNU_SOURCE
#include "mechanism.h"

#include "common/shm_region.h"

#include "../src/prog/ident.h"
#include "../src/sandbox/sandbox.h"
#include "../src/util/fault.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define FILE_DIR "/dev/shm"

static void file_path(char *out, size_t cap, const struct obj_ref *ref)
{
	snprintf(out, cap, FILE_DIR "%s", ref->name);
}

static const char *mmap_file_probe(void)
{
	return probe_needs(FILE_DIR, "no " FILE_DIR " (tmpfs) for the sandbox's files");
}

static int mmap_file_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	unsigned form = op_create_form(op);
	int flags = O_RDWR | O_CLOEXEC;
	char path[sizeof ref->name + sizeof FILE_DIR];

	/* shm_open's name rules, checked the way the C library checks them. */
	if (form == NAME_EMPTY || form == NAME_SLASH)
		return -EINVAL;
	sandbox_posix_name(ref->name, sizeof ref->name, op->obj, form);
	file_path(path, sizeof path, ref);
	if (op->flags & OPF_CREAT)
		flags |= O_CREAT;
	if (op->flags & OPF_EXCL)
		flags |= O_EXCL;
	int fd = open(path, flags, op_create_mode(op));
	if (fd < 0)
		return -errno;
	int private = form == NAME_PRIVATE && !fault_on(FAULT_SHM_PRIVATE_SHARED);
	int r = shm_open_fd(c, fd, op->len, private ? MAP_PRIVATE : MAP_SHARED);
	ref->size = (uint32_t)c->size;
	return r;
}

static int mmap_file_join(struct chan *c, const struct obj_ref *ref)
{
	char path[sizeof ref->name + sizeof FILE_DIR];

	file_path(path, sizeof path, ref);
	int ro = (c->open_flags & OPF_RDONLY) && !fault_on(FAULT_SHM_RO_WRITABLE);
	int fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return fault_on(FAULT_ACCESS_ERRNO) && errno == EACCES ? -EPERM : -errno;
	return shm_map_fd(c, fd, MAP_SHARED);
}

static int mmap_file_destroy(struct chan *c, const struct obj_ref *ref)
{
	char path[sizeof ref->name + sizeof FILE_DIR];

	(void)c;
	shm_guard_forget(ref);
	if (fault_on(FAULT_SHM_NO_UNLINK_FILE))
		return 0;
	file_path(path, sizeof path, ref);
	return unlink(path) ? -errno : 0;
}

static int mmap_file_exists(const struct obj_ref *ref)
{
	char path[sizeof ref->name + sizeof FILE_DIR];

	file_path(path, sizeof path, ref);
	return access(path, F_OK) == 0;
}

static int mmap_file_set_perm(struct chan *c, const struct obj_ref *ref, uint32_t uid, uint32_t gid,
			      unsigned mode)
{
	(void)ref;
	return fd_set_perm(c->fd[0], uid, gid, mode);
}

/* An inode in a sticky 1777 directory: opened read-write (read-only for a
 * rdonly join), created through the umask; unlink(2) says EPERM. */
static const struct access_rule mmap_file_access = {
	.perm = PERM_FILE,
	.isolation = IDENT_NS_MNT,
	.join = 6,
	.umask = 1,
	.sticky = 1,
};

extern const struct mechanism mech_mmap_file;

/* Reproducer C (src/prog/to_c.h): the calls above, as text; the file is
 * the name's in /dev/shm. */
static void mmap_file_to_c(FILE *f, const struct op *op)
{
	if (!op) {
		shm_to_c_helpers(f);
		fprintf(f, "static void file_path(char *out, size_t cap, const struct ref *rf)\n{\n"
			   "\tsnprintf(out, cap, \"" FILE_DIR "%%s\", rf->name);\n}\n");
		return;
	}
	if (shm_to_c_op(f, op, mech_mmap_file.options))
		return;
	unsigned form = op->kind == OP_CREATE ? op_create_form(op) : NAME_SLOT;
	if (form == NAME_EMPTY || form == NAME_SLASH) {
		fprintf(f, "\t\tr = -EINVAL; /* shm_open's name rules */\n");
		return;
	}
	fprintf(f, "\t\tchar path[sizeof rf->name + 16];\n\t\tfile_path(path, sizeof path, rf);\n");
	shm_to_c_named(f, op, "open(path", "unlink(path)", form == NAME_PRIVATE);
}

const struct mechanism mech_mmap_file = {
	.id = "mmap-file",
	.summary =
		"file mapping (open+mmap MAP_SHARED; MAP_PRIVATE copy-on-write) with a robust lock",
	.cls = CLASS_SHARED_RECORDS,
	.join_path = JOIN_BY_NAME,
	.naming = NAMING_POSIX_NAME,
	.rdonly_join = true,
	.probe = mmap_file_probe,
	.create = mmap_file_create,
	.join = mmap_file_join,
	.send = shm_send,
	.recv = shm_recv,
	.close = shm_close,
	.destroy = mmap_file_destroy,
	.control = shm_control,
	.to_c = mmap_file_to_c,
	.set_perm = mmap_file_set_perm,
	.access = &mmap_file_access,
	.exists = mmap_file_exists,
	.stress = &shm_ring_stress,
	.options = SHM_OPTIONS,
	.cow_private = 1,
};
