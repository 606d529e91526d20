/* udmabuf: a dma-buf made of a memfd's pages (<linux/udmabuf.h>).
 *
 * create = memfd_create (MFD_ALLOW_SEALING) + ftruncate (header + size,
 * page-rounded) + F_SEAL_SHRINK (udmabuf refuses a memfd that could shrink
 * under it, and one sealed against writes) + UDMABUF_CREATE on /dev/udmabuf;
 * the memfd is closed at once, the buffer keeps the pages.  The device is
 * opened once per actor, before it takes an identity (common/dmabuf.h).
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

static struct dmabuf_device udmabuf_dev = {.path = "/dev/udmabuf", .flags = O_RDWR, .fd = -1};

static int udmabuf_alloc(int dev, size_t len)
{
	int memfd = memfd_create("ipcfuzz-udmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING), r;

	if (memfd < 0)
		return -errno;
	if (ftruncate(memfd, (off_t)len) || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		r = -errno;
	} else {
		struct udmabuf_create uc = {
			.memfd = (uint32_t)memfd, .flags = UDMABUF_FLAGS_CLOEXEC, .size = len};
		r = ioctl(dev, UDMABUF_CREATE, &uc);
		if (r < 0)
			r = -errno;
	}
	close(memfd);
	return r;
}

static const char udmabuf_alloc_c[] =
	"#include <linux/udmabuf.h>\n\n"
	"static long buf_alloc(int dev, size_t len)\n{\n"
	"\tint memfd = memfd_create(\"ipcfuzz-udmabuf\", MFD_CLOEXEC | MFD_ALLOW_SEALING);\n"
	"\tlong r;\n"
	"\tif (memfd < 0)\n\t\treturn -errno;\n"
	"\tif (ftruncate(memfd, (off_t)len) || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {\n"
	"\t\tr = -errno;\n\t} else {\n"
	"\t\tstruct udmabuf_create uc = {.memfd = (uint32_t)memfd, .flags = "
	"UDMABUF_FLAGS_CLOEXEC, .size = len};\n"
	"\t\tr = ioctl(dev, UDMABUF_CREATE, &uc);\n\t\tif (r < 0)\n\t\t\tr = -errno;\n\t}\n"
	"\tclose(memfd);\n\treturn r;\n}\n\n";

static const struct dmabuf_kind udmabuf = {&udmabuf_dev, udmabuf_alloc, udmabuf_alloc_c};
DMABUF_HOOKS(udmabuf)

const struct mechanism mech_udmabuf = {
	.id = "udmabuf",
	.summary = "udmabuf: a sealed memfd's pages as a dma-buf (UDMABUF_CREATE), fd passing",
	.probe = udmabuf_probe,
	DMABUF_MECHANISM(udmabuf),
};
