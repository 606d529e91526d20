/* udmabuf: a dma-buf made of a memfd's pages (<linux/udmabuf.h>).
 *
 * create = memfd_create (MFD_ALLOW_SEALING) + ftruncate (header + size,
 * page-rounded) + F_SEAL_SHRINK (udmabuf refuses a memfd that could shrink
 * under it, and one sealed against writes) + UDMABUF_CREATE on /dev/udmabuf;
 * the memfd and the device are closed at once, the buffer keeps the pages.
 * From there on it is the dma-buf channel of common/dmabuf.c, as dma-heap. */
#define _GNU_SOURCE
#include "mechanism.h"

#include "common/dmabuf.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/udmabuf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *udmabuf_probe(void)
{
	return probe_needs("/dev/udmabuf", "no /dev/udmabuf on this kernel (CONFIG_UDMABUF)");
}

static int udmabuf_alloc(size_t len)
{
	int memfd = memfd_create("ipcfuzz-udmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING), dev = -1;
	int r;

	if (memfd < 0)
		return -errno;
	if (ftruncate(memfd, (off_t)len) || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) ||
	    (dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC)) < 0) {
		r = -errno;
	} else {
		struct udmabuf_create uc = {
			.memfd = (uint32_t)memfd, .flags = UDMABUF_FLAGS_CLOEXEC, .size = len};
		r = ioctl(dev, UDMABUF_CREATE, &uc);
		if (r < 0)
			r = -errno;
	}
	if (dev >= 0)
		close(dev);
	close(memfd);
	return r;
}

static int udmabuf_new(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	return dmabuf_create(c, ref, op, udmabuf_alloc);
}

const struct mechanism mech_udmabuf = {
	.id = "udmabuf",
	.summary = "udmabuf: a sealed memfd's pages as a dma-buf (UDMABUF_CREATE), fd passing",
	.probe = udmabuf_probe,
	.create = udmabuf_new,
	DMABUF_MECHANISM,
};
