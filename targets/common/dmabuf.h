/* A dma-buf as a shared-records channel: what ion, dma-heap and udmabuf
 * share once their allocator has handed back a dma-buf descriptor.
 *
 * The buffer is mapped whole and laid out as every shared-memory target's
 * object (common/shm_region.h): a header with a robust process-shared lock,
 * then checksummed records, written and read by shm_send / shm_recv.  Every CPU access is
 * bracketed by DMA_BUF_IOCTL_SYNC START/END, as the dma-buf rules want.
 * The lock is taken by polling (the header's poll, which shm_header_init
 * sets when it finds the kernel refusing futexes here), never by a futex wait:
 * dma-buf mappings are VM_PFNMAP, where the kernel refuses shared futexes
 * (EFAULT) and glibc's pthread_mutex_timedlock aborts on that.
 * A peer joins by inheriting the descriptor (SCM_RIGHTS from a holder) and
 * maps it itself. */
#ifndef IPCFUZZ_DMABUF_H
#define IPCFUZZ_DMABUF_H

#include "../mechanism.h"
#include "shm_region.h" /* the layout, the record ops and the stress ring */

/* An allocator: a dma-buf of len bytes (page-rounded), O_RDWR|O_CLOEXEC,
 * made through the allocator's device `dev`; or a negative errno. */
typedef int (*dmabuf_alloc_fn)(int dev, size_t len);

/* The allocator's device (the heap, /dev/udmabuf, /dev/ion), opened once
 * per process and kept: every actor opens it in its actor_setup, before it
 * takes an identity, as a privileged process that hands an allocator to
 * unprivileged code does.  So an actor under another uid allocates too,
 * and the model need not know the device node's owner and mode. */
struct dmabuf_device {
	const char *path;
	int flags;
	int fd;	    /* -1 until opened */
	dev_t rdev; /* what fd must still be (a zygote closes what it inherits) */
	int kept;   /* opened by an actor_setup: stays open */
};
/* actor_setup: opens the device (if it is not, or no longer, open) and
 * keeps it open for the life of the process. */
int dmabuf_device_keep(struct dmabuf_device *d);

/* Allocates through d (kept open if an actor_setup kept it, else opened and
 * closed again: the stress driver has no actor_setup), maps, and lays the
 * header over the buffer. */
int dmabuf_create(struct chan *c, struct obj_ref *ref, const struct op *op, struct dmabuf_device *d,
		  dmabuf_alloc_fn alloc);
int dmabuf_join(struct chan *c, const struct obj_ref *ref);
ssize_t dmabuf_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len);
ssize_t dmabuf_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap, int64_t *mtype);
int dmabuf_close(struct chan *c, unsigned ends);
int dmabuf_destroy(struct chan *c, const struct obj_ref *ref);

/* What one dma-buf target is: its allocator's device, the allocation, and
 * the allocation as C for the reproducer (its includes and a `static long
 * buf_alloc(int dev, size_t len)` returning a dma-buf fd or -errno). */
struct dmabuf_kind {
	struct dmabuf_device *dev;
	dmabuf_alloc_fn alloc;
	const char *alloc_c;
};
/* actor_setup: the device kept open (dmabuf_device_keep). */
int dmabuf_kind_setup(const struct dmabuf_kind *k);
/* The to_c hook's body (src/prog/to_c.h): the device is opened once,
 * before any actor takes an identity, as the actors' actor_setup does. */
void dmabuf_to_c(FILE *f, const struct op *op, const struct dmabuf_kind *k);

/* The hooks that name a target's struct dmabuf_kind `kind` (a descriptor's
 * functions take no context), and the descriptor fields the three targets
 * share, spelled once: DMABUF_HOOKS(kind) defines kind_setup, kind_create
 * and kind_to_c, DMABUF_MECHANISM(kind) names them. */
#define DMABUF_HOOKS(kind)                                                                         \
	static int kind##_setup(int actor)                                                         \
	{                                                                                          \
		(void)actor;                                                                       \
		return dmabuf_kind_setup(&kind);                                                   \
	}                                                                                          \
	static int kind##_create(struct chan *c, struct obj_ref *ref, const struct op *op)         \
	{                                                                                          \
		return dmabuf_create(c, ref, op, kind.dev, kind.alloc);                            \
	}                                                                                          \
	static void kind##_to_c(FILE *f, const struct op *op)                                      \
	{                                                                                          \
		dmabuf_to_c(f, op, &kind);                                                         \
	}

#define DMABUF_MECHANISM(kind)                                                                     \
	.cls = CLASS_SHARED_RECORDS, .join_path = JOIN_BY_INHERIT, .naming = NAMING_NONE,          \
	.create = kind##_create, .actor_setup = kind##_setup, .to_c = kind##_to_c,                 \
	.join = dmabuf_join, .send = dmabuf_send, .recv = dmabuf_recv, .close = dmabuf_close,      \
	.destroy = dmabuf_destroy, .stress = &shm_ring_stress

#endif
