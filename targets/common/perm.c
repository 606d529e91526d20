/* OP_PERM of any object that is an inode (POSIX shm, and mqueues, FIFOs and
 * socket files reached by a descriptor): the owner first, then the mode, so
 * the mode change is judged against the new owner as the kernel does. */
#include "../mechanism.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

int fd_set_perm(int fd, uint32_t uid, uint32_t gid, unsigned mode)
{
	if (fd < 0)
		return -EBADF;
	if (fchown(fd, (uid_t)uid, (gid_t)gid) || fchmod(fd, (mode_t)mode))
		return -errno;
	return 0;
}
