#define _GNU_SOURCE
#include "dmabuf.h"

#include "../../src/audit/audit.h"
#include "../../src/util/fault.h"
#include "../../src/util/record.h"
#include "shm_region.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* DMA_BUF_IOCTL_SYNC; the kernel may ask to be called again (EINTR, EAGAIN
 * while a fence is pending), a few times at most. */
static int sync_buf(struct chan *c, uint64_t flags)
{
	struct dma_buf_sync s = {.flags = flags};

	if (fault_on(FAULT_DMA_SYNC_BAD))
		s.flags &= ~(uint64_t)DMA_BUF_SYNC_RW; /* no direction: EINVAL */
	for (int i = 0; i < 100; i++) {
		if (!ioctl(c->fd[0], DMA_BUF_IOCTL_SYNC, &s))
			return 0;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

/* Maps the whole buffer; with `init`, writes the header first. */
static int map_buf(struct chan *c, int fd, uint32_t init_size, int init)
{
	off_t end = lseek(fd, 0, SEEK_END); /* a dma-buf's size */

	c->fd[0] = fd;
	c->fd[1] = -1; /* one descriptor is both ends */
	c->ends = OPF_READ | OPF_WRITE;
	if (end < 0)
		return -errno;
	if ((size_t)end < SHM_HDR_BYTES)
		return -ENODATA;
	void *p = mmap(NULL, (size_t)end, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	audit_note_map(p, (size_t)end);
	c->map = p;
	c->map_len = (size_t)end;
	struct shm_header *h = p;
	if (init) {
		int r = sync_buf(c, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
		if (r)
			return r;
		shm_header_init(h, init_size); /* finds that it must poll */
		if ((r = sync_buf(c, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE)))
			return r;
	}
	if (h->magic != SHM_MAGIC)
		return -ENODATA;
	c->size = h->size < c->map_len - SHM_HDR_BYTES ? h->size : c->map_len - SHM_HDR_BYTES;
	return 0;
}

/* The device's descriptor, opened now if it is not (or no longer) open. */
static int device_fd(struct dmabuf_device *d)
{
	struct stat st;

	if (d->fd >= 0 && !fstat(d->fd, &st) && S_ISCHR(st.st_mode) && st.st_rdev == d->rdev)
		return d->fd;
	if ((d->fd = open(d->path, d->flags | O_CLOEXEC)) < 0 || fstat(d->fd, &st)) {
		int e = errno;
		if (d->fd >= 0)
			close(d->fd);
		d->fd = -1;
		return -e;
	}
	d->rdev = st.st_rdev;
	return d->fd;
}

int dmabuf_device_keep(struct dmabuf_device *d)
{
	d->kept = 1;
	int fd = device_fd(d);
	return fd < 0 ? fd : 0;
}

static void device_put(struct dmabuf_device *d)
{
	if (!d->kept && d->fd >= 0) {
		close(d->fd);
		d->fd = -1;
	}
}

int dmabuf_create(struct chan *c, struct obj_ref *ref, const struct op *op, struct dmabuf_device *d,
		  dmabuf_alloc_fn alloc)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int dev = device_fd(d), fd = dev;

	if (dev >= 0)
		fd = alloc(dev, (SHM_HDR_BYTES + op->len + page - 1) & ~(page - 1));
	device_put(d);
	ref->id = -1;
	if (fd < 0)
		return fd;
	int r = map_buf(c, fd, op->len, 1);
	ref->size = (uint32_t)c->size;
	return r;
}

int dmabuf_join(struct chan *c, const struct obj_ref *ref)
{
	(void)ref;
	int fd = c->fd[0] >= 0 ? c->fd[0] : c->fd[1];

	if (fd < 0)
		return -EBADF;
	if (c->fd[1] >= 0 && c->fd[1] != fd)
		close(c->fd[1]); /* a second copy of the same buffer */
	return map_buf(c, fd, 0, 0);
}

/* One record op between SYNC START and END: a write of `in` or a read into
 * `out`.  Read-write both ways: taking the lock writes its word, which is
 * in the buffer too. */
static ssize_t synced(struct chan *c, const struct op *op, const uint8_t *in, uint8_t *out,
		      size_t len)
{
	if (!c->map)
		return -EBADF;
	int r = sync_buf(c, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	if (r)
		return r;
	ssize_t n = in ? shm_send(c, op, in, len) : shm_recv(c, op, out, len, NULL);
	r = sync_buf(c, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
	n = n < 0 ? n : r ? r : n;
	return n == -ERANGE && fault_on(FAULT_DMA_BAD_ERRNO) ? -EINVAL : n;
}

ssize_t dmabuf_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len)
{
	if (c->map && fault_on(FAULT_DMA_TORN))
		return record_write(shm_region(c), c->size, (uint16_t)op->arg, buf, len, 1)
			       ?: (ssize_t)len;
	return synced(c, op, buf, NULL, len);
}

ssize_t dmabuf_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap, int64_t *mtype)
{
	(void)mtype;
	return synced(c, op, NULL, buf, cap);
}

int dmabuf_close(struct chan *c, unsigned ends)
{
	(void)ends; /* one mapping, one descriptor: any close releases both */
	if (c->map && !fault_on(FAULT_DMA_LEAK_MAP))
		munmap(c->map, c->map_len);
	c->map = NULL;
	if (fault_on(FAULT_DMA_LEAK_FD)) {
		c->fd[0] = c->fd[1] = -1; /* forgotten, still open */
		c->ends = 0;
		return 0;
	}
	return chan_close_fds(c, OPF_READ | OPF_WRITE);
}

int dmabuf_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	(void)ref;
	return 0; /* a dma-buf dies with its last descriptor and mapping */
}

/* Reproducer C (src/prog/to_c.h): the buffer layout and the calls above as
 * text; `alloc_c` is the allocator's part (its includes and a
 * `static long buf_alloc(int dev, size_t len)` returning a dma-buf fd or
 * -errno), buf_new opens the device around it. */
static const char to_c_helpers[] =
	"#include <sys/ioctl.h>\n"
	"#include <linux/dma-buf.h>\n"
	"%s\n"
	"/* A dma-buf: a header with a robust lock, then records; every access\n"
	" * between DMA_BUF_IOCTL_SYNC start and end (ipcfuzz targets/common/dmabuf.c;\n"
	" * the start of its shm_region.h header). */\n"
	"struct dmabuf_header {\n"
	"\tpthread_mutex_t lock;\n"
	"\tuint32_t magic, size;\n"
	"};\n"
	"#define DHDR ((sizeof(struct dmabuf_header) + 63u) & ~(size_t)63u)\n"
	"\n"
	"static long buf_sync(struct chan *c, uint64_t flags)\n"
	"{\n"
	"\tstruct dma_buf_sync s = {.flags = flags};\n"
	"\treturn ioctl(c->fd[0], DMA_BUF_IOCTL_SYNC, &s) ? -errno : 0;\n"
	"}\n"
	"\n"
	"static long buf_map(struct chan *c, int fd, long init)\n"
	"{\n"
	"\toff_t end = lseek(fd, 0, SEEK_END);\n"
	"\tc->fd[0] = fd;\n"
	"\tc->fd[1] = -1;\n"
	"\tc->ends = END_READ | END_WRITE;\n"
	"\tif (end < 0)\n"
	"\t\treturn -errno;\n"
	"\tif ((size_t)end < DHDR)\n"
	"\t\treturn -ENODATA;\n"
	"\tvoid *p = mmap(NULL, (size_t)end, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);\n"
	"\tif (p == MAP_FAILED)\n"
	"\t\treturn -errno;\n"
	"\tc->map = p;\n"
	"\tc->map_len = (size_t)end;\n"
	"\tstruct dmabuf_header *h = p;\n"
	"\tif (init >= 0) {\n"
	"\t\tlong r = buf_sync(c, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);\n"
	"\t\tif (r)\n"
	"\t\t\treturn r;\n"
	"\t\tpthread_mutexattr_t a;\n"
	"\t\tpthread_mutexattr_init(&a);\n"
	"\t\tpthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);\n"
	"\t\tpthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);\n"
	"\t\tpthread_mutex_init(&h->lock, &a);\n"
	"\t\tpthread_mutexattr_destroy(&a);\n"
	"\t\th->size = (uint32_t)init;\n"
	"\t\th->magic = 0x%xu;\n"
	"\t\tif ((r = buf_sync(c, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE)))\n"
	"\t\t\treturn r;\n"
	"\t}\n"
	"\tif (h->magic != 0x%xu)\n"
	"\t\treturn -ENODATA;\n"
	"\tc->size = h->size < c->map_len - DHDR ? h->size : c->map_len - DHDR;\n"
	"\treturn 0;\n"
	"}\n"
	"\n"
	"/* One mapping, one descriptor: a close releases both. */\n"
	"static void buf_close(struct chan *c)\n"
	"{\n"
	"\tif (c->map)\n"
	"\t\tmunmap(c->map, c->map_len);\n"
	"\tif (c->fd[0] >= 0)\n"
	"\t\tclose(c->fd[0]);\n"
	"\tc->map = NULL;\n"
	"\tc->fd[0] = -1;\n"
	"\tc->ends = 0;\n"
	"}\n"
	"\n"
	"/* One record written (pay) or read (buf) under the lock, taken by trylock:\n"
	" * a futex on a dma-buf mapping (VM_PFNMAP) fails with EFAULT. */\n"
	"static long buf_record(struct chan *c, unsigned off, unsigned len, int write)\n"
	"{\n"
	"\tstruct dmabuf_header *h = c->map;\n"
	"\tlong r = buf_sync(c, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);\n"
	"\tif (r)\n"
	"\t\treturn r;\n"
	"\tint e = pthread_mutex_trylock(&h->lock);\n"
	"\tif (e == EOWNERDEAD)\n"
	"\t\te = pthread_mutex_consistent(&h->lock);\n"
	"\tif (e) {\n"
	"\t\tbuf_sync(c, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);\n"
	"\t\treturn -e;\n"
	"\t}\n"
	"\tuint8_t *region = (uint8_t *)c->map + DHDR;\n"
	"\tif (write)\n"
	"\t\tr = record_write(region, c->size, off, pay, len, 0) ?: (long)len;\n"
	"\telse\n"
	"\t\tr = record_read(region, c->size, off, buf, len);\n"
	"\tpthread_mutex_unlock(&h->lock);\n"
	"\tlong s = buf_sync(c, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);\n"
	"\treturn r < 0 ? r : s ? s : r;\n"
	"}\n"
	"\n";

int dmabuf_kind_setup(const struct dmabuf_kind *k)
{
	dmabuf_device_keep(k->dev);
	return 0;
}

void dmabuf_to_c(FILE *f, const struct op *op, const struct dmabuf_kind *k)
{
	if (!op) {
		fprintf(f, to_c_helpers, k->alloc_c, SHM_MAGIC, SHM_MAGIC);
		fprintf(f,
			"/* The allocator's device, opened before main (and any identity). */\n"
			"static int dev_fd = -1, dev_err;\n\n"
			"__attribute__((constructor)) static void dev_open(void)\n{\n"
			"\tdev_fd = open(\"%s\", %s | O_CLOEXEC);\n\tdev_err = errno;\n}\n\n"
			"static long buf_new(size_t len)\n{\n"
			"\treturn dev_fd < 0 ? -dev_err : buf_alloc(dev_fd, len);\n}\n\n",
			k->dev->path,
			(k->dev->flags & O_ACCMODE) == O_RDWR ? "O_RDWR" : "O_RDONLY");
		return;
	}
	switch (op->kind) {
	case OP_CREATE:
		fprintf(f,
			"\t\t{\n\t\t\tsize_t pg = (size_t)sysconf(_SC_PAGESIZE);\n"
			"\t\t\tlong fd = buf_new((DHDR + %u + pg - 1) & ~(pg - 1));\n"
			"\t\t\tr = fd < 0 ? fd : buf_map(c, (int)fd, %u);\n\t\t}\n",
			op->len, op->len);
		break;
	case OP_JOIN:
		fprintf(f, "\t\tr = c->fd[0] < 0 ? -EBADF : buf_map(c, c->fd[0], -1);\n");
		break;
	case OP_SEND:
	case OP_RECV:
		fprintf(f, "\t\tr = buf_record(c, %u, %u, %d);\n", (uint16_t)op->arg, op->len,
			op->kind == OP_SEND);
		break;
	case OP_CLOSE:
		fprintf(f, "\t\tbuf_close(c);\n");
		break;
	case OP_DESTROY:
		fprintf(f, "\t\tr = 0; /* a dma-buf dies with its last fd and mapping */\n");
		break;
	case OP_SETOPT:
		fprintf(f, "\t\tr = -ENOTSUP; /* no option to set */\n");
		break;
	}
}
