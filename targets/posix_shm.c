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

extern const struct mechanism mech_posix_shm;

/* Reproducer C (src/prog/to_c.h): the calls above, as text. */
static void posix_shm_to_c(FILE *f, const struct op *op)
{
	if (shm_to_c_op(f, op, mech_posix_shm.options))
		return;
	shm_to_c_named(f, op, "shm_open(rf->name", "shm_unlink(rf->name)", 0);
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
