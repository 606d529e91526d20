/* ion: Android's ION allocator (/dev/ion), the dma-buf heaps' predecessor,
 * removed from mainline in 5.11; exercised only where a kernel still has it.
 *
 * The ABI is ION's last one (4.12 to 5.10, drivers/staging/android/uapi/
 * ion.h, no longer in the kernel's headers, so spelled here):
 * ION_IOC_HEAP_QUERY finds the system heap, ION_IOC_ALLOC returns a dma-buf
 * descriptor (O_CLOEXEC).  The device is opened once per actor, before it
 * takes an identity (common/dmabuf.h); from there on the buffer is the
 * dma-buf channel of common/dmabuf.c, as dma-heap's. */
#define _GNU_SOURCE
#include "mechanism.h"

#include "common/dmabuf.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <linux/types.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct ion_allocation_data {
	__u64 len;
	__u32 heap_id_mask;
	__u32 flags;
	__u32 fd;
	__u32 unused;
};

struct ion_heap_data {
	char name[32];
	__u32 type;
	__u32 heap_id;
	__u32 reserved0, reserved1, reserved2;
};

struct ion_heap_query {
	__u32 cnt;
	__u32 reserved0;
	__u64 heaps; /* struct ion_heap_data[cnt] */
	__u32 reserved1, reserved2;
};

#define ION_IOC_MAGIC	     'I'
#define ION_IOC_ALLOC	     _IOWR(ION_IOC_MAGIC, 0, struct ion_allocation_data)
#define ION_IOC_HEAP_QUERY   _IOWR(ION_IOC_MAGIC, 8, struct ion_heap_query)
#define ION_HEAP_TYPE_SYSTEM 0
#define ION_FLAG_CACHED	     1
#define MAX_HEAPS	     32

static const char *ion_probe(void)
{
	return probe_needs("/dev/ion", "no /dev/ion: removed from mainline in 5.11");
}

/* The system heap's id mask; every heap when the query finds none. */
static __u32 system_heaps(int ion)
{
	struct ion_heap_data heaps[MAX_HEAPS];
	struct ion_heap_query q = {.cnt = MAX_HEAPS, .heaps = (uintptr_t)heaps};

	memset(heaps, 0, sizeof heaps);
	if (ioctl(ion, ION_IOC_HEAP_QUERY, &q) < 0)
		return ~0u;
	for (__u32 i = 0; i < q.cnt && i < MAX_HEAPS; i++)
		if (heaps[i].type == ION_HEAP_TYPE_SYSTEM && heaps[i].heap_id < 32)
			return 1u << heaps[i].heap_id;
	return ~0u;
}

static struct dmabuf_device ion_dev = {.path = "/dev/ion", .flags = O_RDONLY, .fd = -1};

static int ion_alloc(int ion, size_t len)
{
	struct ion_allocation_data d = {
		.len = len, .heap_id_mask = system_heaps(ion), .flags = ION_FLAG_CACHED};

	return ioctl(ion, ION_IOC_ALLOC, &d) < 0 ? -errno : (int)d.fd;
}

#define STR_(x) #x
#define STR(x)	STR_(x)

/* The same allocation as C for the reproducer (the ABI spelled as above:
 * no kernel header has it any more). */
static const char ion_alloc_c[] =
	"struct ion_allocation_data {\n\t__u64 len;\n\t__u32 heap_id_mask, flags, fd, unused;\n};\n"
	"struct ion_heap_data {\n\tchar name[32];\n\t__u32 type, heap_id;\n"
	"\t__u32 reserved0, reserved1, reserved2;\n};\n"
	"struct ion_heap_query {\n\t__u32 cnt, reserved0;\n\t__u64 heaps;\n"
	"\t__u32 reserved1, reserved2;\n};\n"
	"#define ION_IOC_ALLOC _IOWR('I', 0, struct ion_allocation_data)\n"
	"#define ION_IOC_HEAP_QUERY _IOWR('I', 8, struct ion_heap_query)\n"
	"#define MAX_HEAPS " STR(
		MAX_HEAPS) "\n\n"
			   "/* ION_IOC_HEAP_QUERY's system heap, else every heap. */\n"
			   "static long buf_alloc(int dev, size_t len)\n{\n"
			   "\tstruct ion_heap_data heaps[MAX_HEAPS];\n"
			   "\tstruct ion_heap_query q = {.cnt = MAX_HEAPS, .heaps = "
			   "(uintptr_t)heaps};\n"
			   "\tstruct ion_allocation_data d = {.len = len, .heap_id_mask = ~0u,\n"
			   "\t\t\t\t\t .flags = " STR(
				   ION_FLAG_CACHED) "};\n"
						    "\tmemset(heaps, 0, sizeof heaps);\n"
						    "\tif (ioctl(dev, ION_IOC_HEAP_QUERY, &q) >= "
						    "0)\n"
						    "\t\tfor (__u32 i = 0; i < q.cnt && i < "
						    "MAX_HEAPS; i++)\n"
						    "\t\t\tif (heaps[i].type == " STR(
							    ION_HEAP_TYPE_SYSTEM) " && "
										  "heaps[i].heap_"
										  "id < 32) {\n"
										  "\t\t\t\td.heap_"
										  "id_mask = 1u << "
										  "heaps[i].heap_"
										  "id;"
										  "\n\t\t\t\tbreak;"
										  "\n\t\t\t}\n"
										  "\treturn "
										  "ioctl(dev, "
										  "ION_IOC_ALLOC, "
										  "&d) < 0 ? "
										  "-errno : "
										  "(long)d.fd;\n}"
										  "\n\n";

static const struct dmabuf_kind ion = {&ion_dev, ion_alloc, ion_alloc_c};
DMABUF_HOOKS(ion)

const struct mechanism mech_ion = {
	.id = "ion",
	.summary = "Android ION (/dev/ion, ION_IOC_ALLOC): a dma-buf, mmap, SYNC, fd passing",
	.probe = ion_probe,
	DMABUF_MECHANISM(ion),
};
