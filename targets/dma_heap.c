/* dma-heap: a dma-buf from the system heap (<linux/dma-heap.h>).
 *
 * create = open /dev/dma_heap/system + DMA_HEAP_IOCTL_ALLOC (header + size
 * bytes, page-rounded) + mmap; the heap's descriptor is closed at once, the
 * buffer lives on in its own.  join = the buffer's descriptor inherited
 * (SCM_RIGHTS from a holder) and mapped; send/recv = a record under the
 * buffer's lock, bracketed by DMA_BUF_IOCTL_SYNC (common/dmabuf.c).  The
 * leak audit sees a forgotten buffer by its /proc/self/fdinfo exp_name. */
#define _GNU_SOURCE
#include "mechanism.h"

#include "common/dmabuf.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/dma-heap.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define HEAP "/dev/dma_heap/system"

static const char *dma_heap_probe(void)
{
	if (access("/dev/dma_heap", F_OK))
		return "no /dev/dma_heap on this kernel (CONFIG_DMABUF_HEAPS)";
	return probe_needs(HEAP, "no system heap: " HEAP " (CONFIG_DMABUF_HEAPS_SYSTEM)");
}

static int heap_alloc(size_t len)
{
	struct dma_heap_allocation_data d = {.len = len, .fd_flags = O_RDWR | O_CLOEXEC};
	int heap = open(HEAP, O_RDONLY | O_CLOEXEC);

	if (heap < 0)
		return -errno;
	int r = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) < 0 ? -errno : (int)d.fd;
	close(heap);
	return r;
}

static int dma_heap_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	return dmabuf_create(c, ref, op, heap_alloc);
}

const struct mechanism mech_dma_heap = {
	.id = "dma-heap",
	.summary = "dma-buf heap (/dev/dma_heap/system): mmap, DMA_BUF_IOCTL_SYNC, fd passing",
	.probe = dma_heap_probe,
	.create = dma_heap_create,
	DMABUF_MECHANISM,
};
