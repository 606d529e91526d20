/* Network namespaces made once and lent to one identity at a time
 * (netns_pool.h). */
#define _GNU_SOURCE
#include "netns_pool.h"

#include "../audit/audit.h"
#include "sandbox.h"

#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <unistd.h>

/* Enough for a live peer and every parked one (PARK_SLOTS) of each of the
 * two peer actors; the descriptors sit above the audited range, below a
 * 1024-file limit. */
#define POOL_SIZE    24
#define POOL_FD_BASE (AUDIT_HIGH_FD + 96)

static struct {
	int fd; /* 0: not made (or dropped) */
	bool lent;
} pool[POOL_SIZE];

/* The sandbox's own network namespace, to come back to after making one. */
static int home = -1;

/* The calling thread's network namespace, above the audited range. */
static int this_netns(void)
{
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, POOL_FD_BASE);
	close(fd);
	return hi;
}

/* A new namespace with its loopback up, made by this thread stepping into
 * it and back (unshare(CLONE_NEWNET) moves only the calling thread). */
static int make_netns(void)
{
	if (sandbox_mode() != SANDBOX_NAMESPACES)
		return -1;
	if (home < 0 && (home = this_netns()) < 0)
		return -1;
	if (sandbox_private(CLONE_NEWNET))
		return -1;
	int fd = this_netns();
	if (setns(home, CLONE_NEWNET)) {
		/* Stuck outside the sandbox's namespace: nothing run here
		 * would be what the programs expect. */
		_exit(2);
	}
	return fd;
}

int netns_pool_take(void)
{
	int unmade = -1;

	for (int i = 0; i < POOL_SIZE; i++) {
		if (pool[i].fd > 0 && !pool[i].lent) {
			pool[i].lent = true;
			return i + 1;
		}
		if (!pool[i].fd && unmade < 0)
			unmade = i;
	}
	if (unmade < 0)
		return 0;
	int fd = make_netns();
	if (fd < 0)
		return 0;
	pool[unmade].fd = fd;
	pool[unmade].lent = true;
	return unmade + 1;
}

int netns_pool_fd(int slot)
{
	return slot > 0 && slot <= POOL_SIZE && pool[slot - 1].fd > 0 ? pool[slot - 1].fd : -1;
}

void netns_pool_release(int slot)
{
	if (slot > 0 && slot <= POOL_SIZE)
		pool[slot - 1].lent = false;
}

void netns_pool_drop(int slot)
{
	if (slot <= 0 || slot > POOL_SIZE || !pool[slot - 1].fd)
		return;
	close(pool[slot - 1].fd);
	pool[slot - 1].fd = 0;
	pool[slot - 1].lent = false;
}
