/* binder: Android Binder IPC, against the kernel ABI (<linux/android/binder.h>).
 *
 * Slot s is the device /dev/binder (s = 0) or /dev/binder<s>, each with its
 * own context.  create = open + mmap + BINDER_VERSION + become the context
 * manager (BINDER_SET_CONTEXT_MGR_EXT, accepting fds) + BC_ENTER_LOOPER:
 * the server.  join = open + mmap + BINDER_VERSION: a client, which talks to
 * the server as handle 0.  A client's send is BC_TRANSACTION (send nowait:
 * TF_ONE_WAY), the server's send is BC_REPLY; recv reads one BR_TRANSACTION
 * or BR_REPLY (or BR_DEAD_REPLY -> EPIPE, BR_FAILED_REPLY -> EPROTO), copies
 * the payload, closes the fds it carried and frees the buffer
 * (BC_FREE_BUFFER).  A negative arg sends an fd object (code = -arg).
 *
 * Every read asks for exactly one work item, so an op never swallows the
 * next op's transaction.  A handle about to close first drains what is
 * queued for it (a two-way request it drops is answered BR_DEAD_REPLY by
 * BINDER_THREAD_EXIT, synchronously) and unmaps before closing: what the
 * kernel would do later in its deferred release happens within the op, so
 * the model's prediction does not race it. */
#define _GNU_SOURCE
#include "mechanism.h"

#include "../src/audit/audit.h"
#include "../src/util/fault.h"
#include "common/actors_to_c.h"
#include "common/binder_state.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/android/binder.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* binder caps the mapping at 4 MiB; half is the async (one-way) space, more
 * than a program's sends can fill, so "out of buffer space" never happens. */
#define MAP_BYTES   (4u << 20)
#define ROLE_CLIENT 0
#define ROLE_SERVER 1
/* A blocking create waits this long for a released context manager to be
 * gone (the kernel clears it in a deferred work item). */
#define CLAIM_WAIT_MS 2000

static void device_name(unsigned slot, char *buf, size_t cap)
{
	if (slot)
		snprintf(buf, cap, "binder%u", slot);
	else
		snprintf(buf, cap, "binder");
}

static const char *binder_probe(void)
{
	if (access("/dev/binder", F_OK))
		return "no /dev/binder (CONFIG_ANDROID_BINDER_IPC) on this kernel";
	if (access("/dev/binder3", F_OK))
		return "needs a device per slot: insmod binder_linux.ko "
		       "devices=binder,binder1,binder2,binder3";
	if (access(BINDER_STATE_PATH, R_OK))
		return "needs debugfs for the leak audit: mount -t debugfs none /sys/kernel/debug";
	return NULL;
}

static int write_cmds(struct chan *c, const void *buf, size_t len)
{
	struct binder_write_read bwr = {.write_size = len, .write_buffer = (uintptr_t)buf};

	if (ioctl(c->fd[0], BINDER_WRITE_READ, &bwr) < 0)
		return -errno;
	/* An unread BR_*_REPLY error stops the thread's writes. */
	return bwr.write_consumed < len ? -EAGAIN : 0;
}

static int write_u32(struct chan *c, uint32_t cmd)
{
	return write_cmds(c, &cmd, sizeof cmd);
}

/* Reads one work item into *cmd (tr filled for BR_TRANSACTION and
 * BR_REPLY); 0 or -errno.  The buffer has room for a BR_NOOP and exactly
 * one item: the kernel stops before the next one. */
static int read_one(struct chan *c, bool nowait, uint32_t *cmd, struct binder_transaction_data *tr)
{
	uint8_t buf[4 + sizeof(struct binder_transaction_data_secctx) + 4];

	fcntl(c->fd[0], F_SETFL, nowait ? O_NONBLOCK : 0);
	for (;;) {
		struct binder_write_read bwr = {.read_size = sizeof buf,
						.read_buffer = (uintptr_t)buf};
		if (ioctl(c->fd[0], BINDER_WRITE_READ, &bwr) < 0)
			return -errno;
		for (size_t off = 0; off + 4 <= bwr.read_consumed;) {
			memcpy(cmd, buf + off, 4);
			off += 4;
			if (*cmd == BR_NOOP)
				continue;
			if ((*cmd == BR_TRANSACTION || *cmd == BR_REPLY) &&
			    off + sizeof *tr <= bwr.read_consumed)
				memcpy(tr, buf + off, sizeof *tr);
			return 0;
		}
		/* Only BR_NOOP (a new thread's first read returns at once): again. */
	}
}

static int open_device(struct chan *c, unsigned slot)
{
	char path[32], name[16];
	struct binder_version v = {0};

	device_name(slot, name, sizeof name);
	snprintf(path, sizeof path, "/dev/%s", name);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, BINDER_VERSION, &v) < 0 ||
	    v.protocol_version != BINDER_CURRENT_PROTOCOL_VERSION) {
		close(fd);
		return -EPROTO;
	}
	/* binder refuses writable mappings: the buffers are the kernel's. */
	void *map = mmap(NULL, MAP_BYTES, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		int err = -errno;
		close(fd);
		return err;
	}
	audit_note_map(map, MAP_BYTES);
	c->fd[0] = c->fd[1] = fd;
	c->map = map;
	c->map_len = MAP_BYTES;
	c->id = (int)slot;
	c->ends = OPF_READ | OPF_WRITE;
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {0, (long)ms * 1000000L};
	nanosleep(&ts, NULL);
}

static int become_manager(struct chan *c, bool nowait)
{
	struct flat_binder_object fbo = {.flags = FLAT_BINDER_FLAG_ACCEPTS_FDS};

	for (unsigned waited = 0;; waited++) {
		if (!ioctl(c->fd[0], BINDER_SET_CONTEXT_MGR_EXT, &fbo))
			break;
		if (errno != EBUSY || nowait || waited >= CLAIM_WAIT_MS)
			return -errno;
		sleep_ms(1);
	}
	c->role = ROLE_SERVER;
	return write_u32(c, BC_ENTER_LOOPER); /* only loopers take process work */
}

static int binder_close(struct chan *c, unsigned ends);

static int binder_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	int r = open_device(c, ref->slot);

	if (!r)
		r = become_manager(c, op->flags & OPF_NOWAIT);
	if (r && c->ends)
		binder_close(c, OPF_READ | OPF_WRITE);
	return r;
}

static int binder_join(struct chan *c, const struct obj_ref *ref)
{
	c->role = ROLE_CLIENT;
	return open_device(c, ref->slot);
}

/* Each fd object a received buffer carries, by callback; returns where the
 * payload starts (objects come first). */
static size_t each_fd(const struct binder_transaction_data *tr, void (*fn)(int fd))
{
	const uint8_t *data = (const uint8_t *)(uintptr_t)tr->data.ptr.buffer;
	const binder_size_t *offs = (const binder_size_t *)(uintptr_t)tr->data.ptr.offsets;
	size_t start = 0;

	for (size_t i = 0; i < tr->offsets_size / sizeof *offs; i++) {
		struct binder_fd_object fo;
		if (offs[i] + sizeof fo > tr->data_size)
			continue;
		memcpy(&fo, data + offs[i], sizeof fo);
		if (fo.hdr.type == BINDER_TYPE_FD && fn)
			fn((int)fo.fd);
		if (offs[i] + sizeof fo > start)
			start = offs[i] + sizeof fo;
	}
	return start;
}

static void close_received(int fd)
{
	if (!fault_on(FAULT_BINDER_KEEP_FD))
		close(fd);
}

/* Done with a received buffer: close the fds it brought, give it back. */
static void consume_buffer(struct chan *c, const struct binder_transaction_data *tr)
{
	each_fd(tr, close_received);
	if (!fault_on(FAULT_BINDER_NO_FREE)) {
		struct {
			uint32_t cmd;
			binder_uintptr_t ptr;
		} __attribute__((packed)) fb = {BC_FREE_BUFFER, tr->data.ptr.buffer};
		write_cmds(c, &fb, sizeof fb);
	}
}

static int reply_errno(uint32_t cmd)
{
	switch (cmd) {
	case BR_DEAD_REPLY:
		return fault_on(FAULT_BINDER_DEAD_ERRNO) ? -EPROTO : -EPIPE;
	case BR_FROZEN_REPLY:
		return -EAGAIN;
	default:
		return -EPROTO; /* BR_FAILED_REPLY, or anything we did not ask for */
	}
}

static ssize_t binder_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap,
			   int64_t *mtype)
{
	struct binder_transaction_data tr;
	uint32_t cmd;
	int err;

	if (c->fd[0] < 0)
		return -EBADF;
	if (fault_on(FAULT_HANG)) {
		pause(); /* waits although the model says a transaction is there */
		return -errno;
	}
	do /* completions of earlier sends are not results */
		err = read_one(c, op->flags & OPF_NOWAIT, &cmd, &tr);
	while (!err && (cmd == BR_TRANSACTION_COMPLETE || cmd == BR_ONEWAY_SPAM_SUSPECT));
	if (err)
		return err;
	if (cmd != BR_TRANSACTION && cmd != BR_REPLY)
		return reply_errno(cmd);
	const uint8_t *data = (const uint8_t *)(uintptr_t)tr.data.ptr.buffer;
	size_t start = each_fd(&tr, NULL);
	size_t len = tr.data_size > start ? tr.data_size - start : 0;
	size_t n = len < cap ? len : cap;
	memcpy(buf, data + start, n); /* before the buffer goes back */
	consume_buffer(c, &tr);
	if (fault_on(FAULT_BINDER_DROP_BYTE) && n)
		n--;
	if (fault_on(FAULT_BINDER_FLIP) && n)
		buf[n / 2] ^= 0x20;
	*mtype = tr.code + (fault_on(FAULT_BINDER_WRONG_CODE) ? 1 : 0);
	return (ssize_t)n;
}

/* BC_TRANSACTION to handle 0, or BC_REPLY: [fd object][payload]. */
static ssize_t binder_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len)
{
	static uint8_t data[sizeof(struct binder_fd_object) + IPCF_MAX_LEN + 1];
	binder_size_t off0 = 0;
	bool reply = c->role == ROLE_SERVER, with_fd = op->arg < 0;
	struct {
		uint32_t cmd;
		struct binder_transaction_data tr;
	} __attribute__((packed)) w;
	size_t head = with_fd ? sizeof(struct binder_fd_object) : 0;
	int fd = -1;

	if (c->fd[0] < 0)
		return -EBADF;
	if (with_fd) {
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		struct binder_fd_object fo = {.hdr.type = BINDER_TYPE_FD, .fd = (__u32)fd};
		memcpy(data, &fo, sizeof fo);
	}
	memcpy(data + head, buf, len);
	memset(&w, 0, sizeof w);
	w.cmd = reply ? BC_REPLY : BC_TRANSACTION;
	w.tr.target.handle = 0;
	w.tr.code = (uint32_t)(op->arg < 0 ? -op->arg : op->arg);
	w.tr.flags = TF_ACCEPT_FDS | (!reply && (op->flags & OPF_NOWAIT) ? TF_ONE_WAY : 0);
	w.tr.data_size = head + len;
	w.tr.offsets_size = with_fd ? sizeof off0 : 0;
	w.tr.data.ptr.buffer = (uintptr_t)data;
	w.tr.data.ptr.offsets = (uintptr_t)&off0;
	if (!reply && fault_on(FAULT_BINDER_LEAK_REF)) {
		struct {
			uint32_t cmd, handle;
		} acq = {BC_ACQUIRE, 0};
		write_cmds(c, &acq, sizeof acq);
	}
	int r = write_cmds(c, &w, sizeof w);
	if (fd >= 0)
		close(fd); /* the transaction holds its own reference */
	if (r < 0 || !reply)
		return r < 0 ? r : (ssize_t)len;
	/* A reply's result is the next item on this thread. */
	struct binder_transaction_data tr;
	uint32_t cmd;
	if ((r = read_one(c, true, &cmd, &tr)))
		return r == -EAGAIN ? -EPROTO : r;
	return cmd == BR_TRANSACTION_COMPLETE ? (ssize_t)len : reply_errno(cmd);
}

/* Takes everything queued for this handle, as if it read and dropped it.
 * A request the server read and did not answer keeps it from taking more,
 * so its thread goes first (the sender gets BR_DEAD_REPLY now).  Not a
 * client's: its thread's replies would be dropped with their buffers still
 * allocated until the deferred release. */
static void drain(struct chan *c)
{
	struct binder_transaction_data tr;

	if (c->role == ROLE_SERVER) {
		ioctl(c->fd[0], BINDER_THREAD_EXIT, 0);
		write_u32(c, BC_ENTER_LOOPER);
	}
	for (int i = 0; i < 4 * IPCF_MAX_OPS; i++) {
		uint32_t cmd;
		if (read_one(c, true, &cmd, &tr))
			break;
		if (cmd != BR_TRANSACTION && cmd != BR_REPLY)
			continue;
		consume_buffer(c, &tr);
		if (cmd == BR_TRANSACTION && !(tr.flags & TF_ONE_WAY)) {
			/* Unanswered: the sender gets BR_DEAD_REPLY now. */
			ioctl(c->fd[0], BINDER_THREAD_EXIT, 0);
			write_u32(c, BC_ENTER_LOOPER); /* a new thread: a looper again */
		}
	}
}

/* A closed context manager stays the context's manager until the kernel's
 * deferred release runs, and until then a transaction to handle 0 from this
 * same process fails as "to context manager from process owning it"
 * (BR_FAILED_REPLY) instead of finding it dead (BR_DEAD_REPLY): waiting for
 * the release keeps the outcome the one the model predicts.  The wait is
 * bounded; without debugfs there is nothing to wait on. */
static void await_release(unsigned slot)
{
	char name[16];

	device_name(slot, name, sizeof name);
	for (unsigned waited = 0; waited < CLAIM_WAIT_MS; waited++) {
		if (binder_state_procs(name) <= 0)
			return;
		sleep_ms(1);
	}
}

static int binder_close(struct chan *c, unsigned ends)
{
	(void)ends; /* one descriptor: any close is the whole handle */
	if (c->fd[0] < 0)
		return 0;
	drain(c);
	ioctl(c->fd[0], BINDER_THREAD_EXIT, 0);
	/* Unmapped first: transactions to a server without a mapping fail at
	 * once (BR_DEAD_REPLY), not after the deferred release. */
	if (c->map)
		munmap(c->map, c->map_len);
	c->map = NULL;
	int server = c->role == ROLE_SERVER;
	int r = chan_close_fds(c, OPF_READ | OPF_WRITE);
	if (server)
		await_release((unsigned)c->id);
	return r;
}

static int binder_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	(void)ref;
	return 0; /* the context dies with its manager's descriptor */
}

static void binder_audit(struct chan *c, char *why, size_t cap)
{
	char name[16];
	struct binder_held h;
	size_t n = strlen(why);

	drain(c);
	device_name((unsigned)c->id, name, sizeof name);
	if (binder_state_held(name, &h) < 0)
		return;
	int nodes = h.nodes - (c->role == ROLE_SERVER); /* its context node */
	if (h.buffers && n < cap)
		n += (size_t)snprintf(
			why + n, cap - n,
			"leak:binder-buffer %d buffers on %s never freed (BC_FREE_BUFFER)\n",
			h.buffers, name);
	if (h.refs && n < cap)
		n += (size_t)snprintf(why + n, cap - n,
				      "leak:binder-ref %d refs on %s never released\n", h.refs,
				      name);
	if (nodes > 0 && n < cap)
		snprintf(why + n, cap - n, "leak:binder-node %d nodes on %s never released\n",
			 nodes, name);
}

/* Reproducer C (src/prog/to_c.h): the calls above, as text.  A context
 * manager refuses transactions from its own process, so every actor is a
 * process of its own (common/actors_to_c.c); c->size holds the role. */
static const char binder_to_c_helpers[] =
	"#include <linux/android/binder.h>\n#include <sys/ioctl.h>\n\n"
	"#define MAP_BYTES (4u << 20)\n#define ROLE_SERVER 1\n#define F_NOWAIT %u\n\n"
	"static void peer_setup(void)\n{\n}\n\n"
	"static void device_name(unsigned slot, char *b, size_t cap)\n{\n"
	"\tsnprintf(b, cap, slot ? \"binder%%u\" : \"binder\", slot);\n}\n\n"
	"static long write_cmds(struct chan *c, const void *b, size_t len)\n{\n"
	"\tstruct binder_write_read bwr = {.write_size = len, .write_buffer = (uintptr_t)b};\n"
	"\tif (ioctl(c->fd[0], BINDER_WRITE_READ, &bwr) < 0)\n\t\treturn -errno;\n"
	"\treturn bwr.write_consumed < len ? -EAGAIN : 0;\n}\n\n"
	"static long write_u32(struct chan *c, uint32_t cmd)\n{\n"
	"\treturn write_cmds(c, &cmd, sizeof cmd);\n}\n\n"
	"/* One work item (room for a BR_NOOP and exactly one). */\n"
	"static long read_one(struct chan *c, int nowait, uint32_t *cmd,\n"
	"\t\t     struct binder_transaction_data *tr)\n{\n"
	"\tuint8_t b[4 + sizeof(struct binder_transaction_data_secctx) + 4];\n"
	"\tfcntl(c->fd[0], F_SETFL, nowait ? O_NONBLOCK : 0);\n"
	"\tfor (;;) {\n"
	"\t\tstruct binder_write_read bwr = {.read_size = sizeof b, .read_buffer = "
	"(uintptr_t)b};\n"
	"\t\tif (ioctl(c->fd[0], BINDER_WRITE_READ, &bwr) < 0)\n\t\t\treturn -errno;\n"
	"\t\tfor (size_t off = 0; off + 4 <= bwr.read_consumed;) {\n"
	"\t\t\tmemcpy(cmd, b + off, 4);\n\t\t\toff += 4;\n"
	"\t\t\tif (*cmd == BR_NOOP)\n\t\t\t\tcontinue;\n"
	"\t\t\tif ((*cmd == BR_TRANSACTION || *cmd == BR_REPLY) &&\n"
	"\t\t\t    off + sizeof *tr <= bwr.read_consumed)\n"
	"\t\t\t\tmemcpy(tr, b + off, sizeof *tr);\n\t\t\treturn 0;\n\t\t}\n\t}\n}\n\n"
	"static long open_device(struct chan *c, unsigned slot)\n{\n"
	"\tchar path[32], name[16];\n\tstruct binder_version v = {0};\n"
	"\tdevice_name(slot, name, sizeof name);\n"
	"\tsnprintf(path, sizeof path, \"/dev/%%s\", name);\n"
	"\tint fd = open(path, O_RDWR | O_CLOEXEC);\n"
	"\tif (fd < 0)\n\t\treturn -errno;\n"
	"\tif (ioctl(fd, BINDER_VERSION, &v) < 0 ||\n"
	"\t    v.protocol_version != BINDER_CURRENT_PROTOCOL_VERSION) {\n"
	"\t\tclose(fd);\n\t\treturn -EPROTO;\n\t}\n"
	"\tvoid *map = mmap(NULL, MAP_BYTES, PROT_READ, MAP_PRIVATE, fd, 0);\n"
	"\tif (map == MAP_FAILED) {\n\t\tlong e = -errno;\n\t\tclose(fd);\n\t\treturn e;\n\t}\n"
	"\tc->fd[0] = c->fd[1] = fd;\n\tc->map = map;\n\tc->map_len = MAP_BYTES;\n"
	"\tc->id = (int)slot;\n\tc->ends = END_READ | END_WRITE;\n\treturn 0;\n}\n\n"
	"static long become_manager(struct chan *c, int nowait)\n{\n"
	"\tstruct flat_binder_object fbo = {.flags = FLAT_BINDER_FLAG_ACCEPTS_FDS};\n"
	"\tfor (int waited = 0;; waited++) {\n"
	"\t\tif (!ioctl(c->fd[0], BINDER_SET_CONTEXT_MGR_EXT, &fbo))\n\t\t\tbreak;\n"
	"\t\tif (errno != EBUSY || nowait || waited >= 2000)\n\t\t\treturn -errno;\n"
	"\t\tusleep(1000);\n\t}\n"
	"\tc->size = ROLE_SERVER;\n\treturn write_u32(c, BC_ENTER_LOOPER);\n}\n\n"
	"/* Closes the fds a received buffer carried (when asked); where the\n"
	" * payload starts. */\n"
	"static size_t each_fd(const struct binder_transaction_data *tr, int close_them)\n{\n"
	"\tconst uint8_t *data = (const uint8_t *)(uintptr_t)tr->data.ptr.buffer;\n"
	"\tconst binder_size_t *offs = (const binder_size_t *)(uintptr_t)tr->data.ptr.offsets;\n"
	"\tsize_t start = 0;\n"
	"\tfor (size_t i = 0; i < tr->offsets_size / sizeof *offs; i++) {\n"
	"\t\tstruct binder_fd_object fo;\n"
	"\t\tif (offs[i] + sizeof fo > tr->data_size)\n\t\t\tcontinue;\n"
	"\t\tmemcpy(&fo, data + offs[i], sizeof fo);\n"
	"\t\tif (fo.hdr.type == BINDER_TYPE_FD && close_them)\n\t\t\tclose((int)fo.fd);\n"
	"\t\tif (offs[i] + sizeof fo > start)\n\t\t\tstart = offs[i] + sizeof fo;\n\t}\n"
	"\treturn start;\n}\n\n"
	"static void consume_buffer(struct chan *c, const struct binder_transaction_data *tr)\n{\n"
	"\tstruct {\n\t\tuint32_t cmd;\n\t\tbinder_uintptr_t ptr;\n"
	"\t} __attribute__((packed)) fb = {BC_FREE_BUFFER, tr->data.ptr.buffer};\n"
	"\teach_fd(tr, 1);\n\twrite_cmds(c, &fb, sizeof fb);\n}\n\n"
	"static long reply_errno(uint32_t cmd)\n{\n"
	"\treturn cmd == BR_DEAD_REPLY ? -EPIPE : cmd == BR_FROZEN_REPLY ? -EAGAIN : -EPROTO;\n"
	"}\n\n"
	"static long b_recv(struct chan *c, size_t cap, int nowait, uint8_t *out, int64_t "
	"*mtype)\n{\n"
	"\tstruct binder_transaction_data tr;\n\tuint32_t cmd;\n\tlong err;\n"
	"\tif (c->fd[0] < 0)\n\t\treturn -EBADF;\n"
	"\tdo /* completions of earlier sends are not results */\n"
	"\t\terr = read_one(c, nowait, &cmd, &tr);\n"
	"\twhile (!err && (cmd == BR_TRANSACTION_COMPLETE || cmd == BR_ONEWAY_SPAM_SUSPECT));\n"
	"\tif (err)\n\t\treturn err;\n"
	"\tif (cmd != BR_TRANSACTION && cmd != BR_REPLY)\n\t\treturn reply_errno(cmd);\n"
	"\tconst uint8_t *data = (const uint8_t *)(uintptr_t)tr.data.ptr.buffer;\n"
	"\tsize_t start = each_fd(&tr, 0);\n"
	"\tsize_t len = tr.data_size > start ? tr.data_size - start : 0;\n"
	"\tsize_t n = len < cap ? len : cap;\n"
	"\tmemcpy(out, data + start, n);\n\tconsume_buffer(c, &tr);\n"
	"\t*mtype = tr.code;\n\treturn (long)n;\n}\n\n"
	"/* BC_TRANSACTION to handle 0, or (the server) BC_REPLY: [fd object][payload]. */\n"
	"static long b_send(struct chan *c, int arg, int nowait, size_t len)\n{\n"
	"\tstatic uint8_t data[sizeof(struct binder_fd_object) + 32768];\n"
	"\tbinder_size_t off0 = 0;\n\tint reply = c->size == ROLE_SERVER, with_fd = arg < 0, fd = "
	"-1;\n"
	"\tstruct {\n\t\tuint32_t cmd;\n\t\tstruct binder_transaction_data tr;\n"
	"\t} __attribute__((packed)) w;\n"
	"\tsize_t head = with_fd ? sizeof(struct binder_fd_object) : 0;\n"
	"\tif (c->fd[0] < 0)\n\t\treturn -EBADF;\n"
	"\tif (with_fd) {\n\t\tfd = open(\"/dev/null\", O_RDONLY | O_CLOEXEC);\n"
	"\t\tstruct binder_fd_object fo = {.hdr.type = BINDER_TYPE_FD, .fd = (__u32)fd};\n"
	"\t\tmemcpy(data, &fo, sizeof fo);\n\t}\n"
	"\tmemcpy(data + head, pay, len);\n\tmemset(&w, 0, sizeof w);\n"
	"\tw.cmd = reply ? BC_REPLY : BC_TRANSACTION;\n"
	"\tw.tr.code = (uint32_t)(arg < 0 ? -arg : arg);\n"
	"\tw.tr.flags = TF_ACCEPT_FDS | (!reply && nowait ? TF_ONE_WAY : 0);\n"
	"\tw.tr.data_size = head + len;\n\tw.tr.offsets_size = with_fd ? sizeof off0 : 0;\n"
	"\tw.tr.data.ptr.buffer = (uintptr_t)data;\n"
	"\tw.tr.data.ptr.offsets = (uintptr_t)&off0;\n"
	"\tlong r = write_cmds(c, &w, sizeof w);\n"
	"\tif (fd >= 0)\n\t\tclose(fd);\n"
	"\tif (r < 0 || !reply)\n\t\treturn r < 0 ? r : (long)len;\n"
	"\tstruct binder_transaction_data tr;\n\tuint32_t cmd;\n"
	"\tif ((r = read_one(c, 1, &cmd, &tr)))\n\t\treturn r == -EAGAIN ? -EPROTO : r;\n"
	"\treturn cmd == BR_TRANSACTION_COMPLETE ? (long)len : reply_errno(cmd);\n}\n\n"
	"/* What is queued for a handle about to close, taken and dropped (an\n"
	" * unanswered request's sender gets BR_DEAD_REPLY now). */\n"
	"static void drain(struct chan *c)\n{\n"
	"\tstruct binder_transaction_data tr;\n"
	"\tif (c->size == ROLE_SERVER) {\n"
	"\t\tioctl(c->fd[0], BINDER_THREAD_EXIT, 0);\n\t\twrite_u32(c, BC_ENTER_LOOPER);\n\t}\n"
	"\tfor (int i = 0; i < 128; i++) {\n\t\tuint32_t cmd;\n"
	"\t\tif (read_one(c, 1, &cmd, &tr))\n\t\t\tbreak;\n"
	"\t\tif (cmd != BR_TRANSACTION && cmd != BR_REPLY)\n\t\t\tcontinue;\n"
	"\t\tconsume_buffer(c, &tr);\n"
	"\t\tif (cmd == BR_TRANSACTION && !(tr.flags & TF_ONE_WAY)) {\n"
	"\t\t\tioctl(c->fd[0], BINDER_THREAD_EXIT, 0);\n"
	"\t\t\twrite_u32(c, BC_ENTER_LOOPER);\n\t\t}\n\t}\n}\n\n"
	"/* This process's sections of the context in binder/state (debugfs). */\n"
	"static int state_procs(const char *context)\n{\n"
	"\tFILE *f = fopen(\"%s\", \"r\");\n"
	"\tchar line[512], ctx[64] = \"\";\n\tint pid = -1, n = 0;\n"
	"\tif (!f)\n\t\treturn -1;\n"
	"\twhile (fgets(line, sizeof line, f)) {\n"
	"\t\tif (!strncmp(line, \"proc \", 5)) {\n"
	"\t\t\tn += pid == getpid() && !strcmp(ctx, context);\n"
	"\t\t\tsscanf(line + 5, \"%%d\", &pid);\n\t\t\tctx[0] = 0;\n"
	"\t\t} else if (!strncmp(line, \"context \", 8)) {\n"
	"\t\t\tsscanf(line + 8, \"%%63s\", ctx);\n\t\t}\n\t}\n"
	"\tn += pid == getpid() && !strcmp(ctx, context);\n"
	"\tfclose(f);\n\treturn n;\n}\n\n"
	"static long b_close(struct chan *c)\n{\n"
	"\tchar name[16];\n"
	"\tif (c->fd[0] < 0)\n\t\treturn 0;\n"
	"\tdrain(c);\n\tioctl(c->fd[0], BINDER_THREAD_EXIT, 0);\n"
	"\tif (c->map)\n\t\tmunmap(c->map, c->map_len);\n"
	"\tclose(c->fd[0]);\n"
	"\tif (c->size == ROLE_SERVER) { /* until the deferred release is done */\n"
	"\t\tdevice_name((unsigned)c->id, name, sizeof name);\n"
	"\t\tfor (int i = 0; i < 2000 && state_procs(name) > 0; i++)\n\t\t\tusleep(1000);\n\t}\n"
	"\treset(c);\n\treturn 0;\n}\n\n"
	"/* The slot (which device) is the low bits of the slot's key. */\n"
	"static long do_op(const struct cmd *m, struct chan *c, struct ref *rf, uint8_t *out,\n"
	"\t\t  int64_t *mtype)\n{\n"
	"\tunsigned slot = (unsigned)rf->key & 0xf;\n\tlong r;\n"
	"\tswitch (m->kind) {\n"
	"\tcase K_CREATE:\n\t\tif (!(r = open_device(c, slot)))\n"
	"\t\t\tr = become_manager(c, m->flags & F_NOWAIT);\n"
	"\t\tif (r && c->ends)\n\t\t\tb_close(c);\n\t\treturn r;\n"
	"\tcase K_JOIN:\n\t\tc->size = 0;\n\t\treturn open_device(c, slot);\n"
	"\tcase K_SEND:\n\t\treturn b_send(c, m->arg, m->flags & F_NOWAIT, (size_t)m->len);\n"
	"\tcase K_RECV:\n\t\treturn b_recv(c, (size_t)m->len, m->flags & F_NOWAIT, out, mtype);\n"
	"\tcase K_CLOSE:\n\t\treturn b_close(c);\n\t}\n"
	"\treturn 0; /* destroy: the context dies with its manager */\n}\n";

static void binder_helpers_c(FILE *f)
{
	fprintf(f, binder_to_c_helpers, (unsigned)OPF_NOWAIT, BINDER_STATE_PATH);
}

static void binder_to_c(FILE *f, const struct op *op)
{
	actors_to_c(f, op, binder_helpers_c);
}

const struct mechanism mech_binder = {
	.id = "binder",
	.summary = "Android Binder: context manager + clients, transactions and replies",
	.cls = CLASS_REQUEST_REPLY,
	.join_path = JOIN_BY_NAME,
	.naming = NAMING_DEVICE,
	.probe = binder_probe,
	.create = binder_create,
	.join = binder_join,
	.send = binder_send,
	.recv = binder_recv,
	.close = binder_close,
	.destroy = binder_destroy,
	.audit = binder_audit,
	.to_c = binder_to_c,
	.to_c_actors = 1,
};
