/* dma-heap: a dma-buf from the system heap (<linux/dma-heap.h>).
 *
 * create = DMA_HEAP_IOCTL_ALLOC on /dev/dma_heap/system (header + size
 * bytes, page-rounded) + mmap; the heap is opened once per actor, before
 * it takes an identity (common/dmabuf.h), and the buffer lives in its own
 * descriptor.  join = the buffer's descriptor inherited
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

/* Allocating needs only a read-only descriptor of the heap (Android gives
 * every app /dev/dma_heap/system 0444). */
static struct dmabuf_device heap_dev = {.path = HEAP, .flags = O_RDONLY, .fd = -1};

static int heap_alloc(int dev, size_t len)
{
	struct dma_heap_allocation_data d = {.len = len, .fd_flags = O_RDWR | O_CLOEXEC};

	return ioctl(dev, DMA_HEAP_IOCTL_ALLOC, &d) < 0 ? -errno : (int)d.fd;
}

static const char heap_alloc_c[] =
	"#include <linux/dma-heap.h>\n\n"
	"static long buf_alloc(int dev, size_t len)\n{\n"
	"\tstruct dma_heap_allocation_data d = {.len = len, .fd_flags = O_RDWR | O_CLOEXEC};\n"
	"\treturn ioctl(dev, DMA_HEAP_IOCTL_ALLOC, &d) < 0 ? -errno : (long)d.fd;\n}\n\n";

static const struct dmabuf_kind heap = {&heap_dev, heap_alloc, heap_alloc_c};
DMABUF_HOOKS(heap)

const struct mechanism mech_dma_heap = {
	.id = "dma-heap",
	.summary = "dma-buf heap (/dev/dma_heap/system): mmap, DMA_BUF_IOCTL_SYNC, fd passing",
	.probe = dma_heap_probe,
	DMABUF_MECHANISM(heap),
};
