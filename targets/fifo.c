/* fifo: a named pipe.  mkfifo makes it in the sandbox's own directory, a
 * create opens both ends (like pipe2), a join opens it by path with the
 * ends and O_NONBLOCK its flags name, so the open rules are exercised: a
 * lone reader or writer waits for the other side (a peer may be left
 * waiting, bounded by the watchdog), a non-blocking reader opens at once, a
 * non-blocking writer with no reader fails with ENXIO.  Data moves as in a
 * pipe (targets/common/stream_fd.c), judged by the byte-stream model. */
#define _GNU_SOURCE
#include "mechanism.h"

#include "common/stream_fd.h"

#include "../src/prog/to_c_ident.h"
#include "../src/prog/ident.h"
#include "../src/sandbox/sandbox.h"
#include "../src/uring/backend.h"
#include "../src/util/fault.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static void close_both(struct chan *c)
{
	chan_close_fds(c, OPF_READ | OPF_WRITE);
}

/* The open's O_NONBLOCK is for the open alone: a call is non-blocking
 * when its op says so (src/uring/backend.c), never by the file's flag. */
static int open_end(const char *path, int flags, unsigned mode)
{
	int fd = open(path, flags | O_CLOEXEC, mode);
	if (fd >= 0 && (flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, 0);
	return fd;
}

/* Opens the ends asked for; both: the read end first, non-blocking, then
 * the write end, which finds that reader (so neither waits, as O_RDWR). */
static int open_ends(struct chan *c, const char *path, unsigned ends, int nonblock, int creat,
		     unsigned mode)
{
	int extra = (nonblock ? O_NONBLOCK : 0) | (creat ? O_CREAT : 0);

	if (ends == (OPF_READ | OPF_WRITE))
		extra |= O_NONBLOCK;
	if (ends & OPF_READ) {
		c->fd[0] = open_end(path, O_RDONLY | extra, mode);
		if (c->fd[0] < 0)
			return -errno;
		c->ends |= OPF_READ;
	}
	if (ends & OPF_WRITE) {
		c->fd[1] = open_end(path, O_WRONLY | extra, mode);
		if (c->fd[1] < 0) {
			int e = errno;
			close_both(c);
			if (e == ENXIO && fault_on(FAULT_FIFO_ENXIO_ERRNO))
				e = EAGAIN;
			return -e;
		}
		c->ends |= OPF_WRITE;
	}
	return 0;
}

static int fifo_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	unsigned mode = op_create_mode(op);
	int made = 0;

	sandbox_path_name(ref->name, sizeof ref->name, op->obj, op_create_form(op));
	ref->id = -1;
	if (op->flags & OPF_CREAT) {
		made = !mkfifo(ref->name, mode);
		if (!made && (errno != EEXIST || (op->flags & OPF_EXCL)))
			return -errno;
		if (fault_on(FAULT_FIFO_STRAY)) {
			char stray[320];
			snprintf(stray, sizeof stray, "%s.stray", ref->name);
			mkfifo(stray, 0600);
		}
	}
	/* O_CREAT as well, so an existing FIFO of someone else's in a sticky
	 * directory is refused as the kernel refuses it (fs.protected_fifos).
	 * What this create made and cannot open (its mode) goes again. */
	int r = open_ends(c, ref->name, OPF_READ | OPF_WRITE, 1, op->flags & OPF_CREAT, mode);
	if (r && made)
		unlink(ref->name);
	return r;
}

static int fifo_join(struct chan *c, const struct obj_ref *ref)
{
	unsigned ends = c->open_flags & (OPF_READ | OPF_WRITE);
	int r = open_ends(c, ref->name, ends ? ends : OPF_READ | OPF_WRITE,
			  c->open_flags & OPF_NOWAIT, 0, 0);
	return r == -EACCES && fault_on(FAULT_ACCESS_ERRNO) ? -EPERM : r;
}

/* io_uring (src/uring/backend.c, as pipe): a FIFO opened by path has no
 * FMODE_NOWAIT, so the ring refuses RWF_NOWAIT on it (EOPNOTSUPP) and
 * polls it before a blocking READ or WRITE (measured, 6.18): a blocking
 * READ, WRITE, SPLICE or TEE goes through the ring, bounded as every ring
 * call; a non-blocking SPLICE or TEE too (SPLICE_F_NONBLOCK works on any
 * pipe); a non-blocking READ or WRITE is the system call (O_NONBLOCK for
 * the call).  Where polling first makes the ring wait although read(2) or
 * write(2) would not, the byte-stream model says so (fifo_ring_waits).
 * uring-fifo-poll: a non-blocking receive goes to the ring as a blocking
 * one, so it waits where the model expects EAGAIN. */
static ssize_t fifo_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len)
{
	ssize_t r = stream_fd_send(c, op, buf, len);
	return r == -EPIPE && fault_on(FAULT_FIFO_HIDE_EPIPE) ? (ssize_t)len : r;
}

static ssize_t fifo_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap,
			 int64_t *mtype)
{
	struct op o = *op;
	if ((o.flags & OPF_URING) && fault_on(FAULT_URING_FIFO_POLL))
		o.flags &= (uint8_t)~OPF_NOWAIT;
	return stream_fd_recv(c, &o, buf, cap, mtype);
}

static int fifo_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	if (fault_on(FAULT_FIFO_NO_UNLINK))
		return 0;
	return unlink(ref->name) ? -errno : 0;
}

static int fifo_set_perm(struct chan *c, const struct obj_ref *ref, uint32_t uid, uint32_t gid,
			 unsigned mode)
{
	(void)ref;
	return fd_set_perm(c->fd[0] >= 0 ? c->fd[0] : c->fd[1], uid, gid, mode);
}

static int fifo_exists(const struct obj_ref *ref)
{
	struct stat st;
	return lstat(ref->name, &st) == 0 && S_ISFIFO(st.st_mode);
}

static const char *fifo_probe(void)
{
	return probe_needs("/dev/shm", "no /dev/shm (tmpfs) for the sandbox's FIFOs");
}

/* Reproducer C (src/prog/to_c.h): the same calls as above, as text; the
 * path is the name's in /dev/shm, as the sandbox makes it. */
static void fifo_to_c(FILE *f, const struct op *op)
{
	if (!op) {
		fprintf(f,
			"static void fifo_path(struct ref *rf)\n{\n"
			"\tsize_t n = strlen(rf->name);\n"
			"\tif (strncmp(rf->name, \"/dev/shm/\", 9) == 0 || rf->name[0] != '/')\n"
			"\t\treturn;\n"
			"\tif (n == 1)\n\t\trf->name[0] = 0; /* the empty form */\n"
			"\telse if (n + 9 <= sizeof rf->name) {\n"
			"\t\tmemmove(rf->name + 8, rf->name, n + 1);\n"
			"\t\tmemcpy(rf->name, \"/dev/shm\", 8);\n\t}\n}\n\n"
			"/* One process plays every actor, so an open never waits here: a\n"
			" * blocking one that ipcfuzz's peer would leave waiting runs after the\n"
			" * open that wakes it (see above) and finds its partner; a blocking\n"
			" * writer whose reader ipcfuzz has waiting in open (not run yet here)\n"
			" * gets a momentary reader standing in for it. */\n"
			"static long fifo_open(struct chan *c, const char *path, unsigned ends, "
			"int "
			"nowait,\n\t\t      int creat, unsigned mode)\n{\n"
			"\tint x = O_NONBLOCK | (creat ? O_CREAT : 0);\n"
			"\tfor (int i = 0; i < 2; i++) {\n"
			"\t\tif (!(ends & (i ? END_WRITE : END_READ)))\n\t\t\tcontinue;\n"
			"\t\tint fl = (i ? O_WRONLY : O_RDONLY) | O_CLOEXEC | x;\n"
			"\t\tc->fd[i] = open(path, fl, mode);\n"
			"\t\tif (c->fd[i] < 0 && errno == ENXIO && !nowait) {\n"
			"\t\t\tint s = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);\n"
			"\t\t\tc->fd[i] = open(path, fl, mode);\n"
			"\t\t\tif (s >= 0)\n\t\t\t\tclose(s);\n\t\t}\n"
			"\t\tif (c->fd[i] < 0) {\n\t\t\tlong e = -errno;\n"
			"\t\t\tif (i && c->fd[0] >= 0)\n\t\t\t\tclose(c->fd[0]);\n"
			"\t\t\tc->fd[0] = c->fd[1] = -1;\n\t\t\tc->ends = 0;\n"
			"\t\t\treturn e;\n\t\t}\n"
			"\t\tfcntl(c->fd[i], F_SETFL, 0);\n"
			"\t\tc->ends |= i ? END_WRITE : END_READ;\n\t}\n\treturn 0;\n}\n\n"
			"/* Non-blocking per call, as ipcfuzz does: RWF_NOWAIT, which a FIFO\n"
			" * refuses (EOPNOTSUPP): then O_NONBLOCK for the call. */\n"
			"static ssize_t pipe_rw(int fd, void *b, size_t n, int wr, int nowait)\n{\n"
			"\tstruct iovec v = {b, n};\n\tssize_t r;\n"
			"\tif (nowait)\n\t\tfcntl(fd, F_SETFL, O_NONBLOCK);\n"
			"\tr = wr ? writev(fd, &v, 1) : readv(fd, &v, 1);\n"
			"\tif (nowait)\n\t\tfcntl(fd, F_SETFL, 0);\n"
			"\treturn r < 0 ? -errno : r;\n}\n");
		return;
	}
	if (stream_fd_to_c(f, op))
		return;
	unsigned ends = op->flags & (OPF_READ | OPF_WRITE);
	switch (op->kind) {
	case OP_CREATE:
		fprintf(f,
			"\t\tfifo_path(rf);\n\t\tint mk = 0;\n"
			"\t\tif (%d) {\n\t\t\tmk = !mkfifo(rf->name, 0%o);\n"
			"\t\t\tif (!mk && (errno != EEXIST || %d))\n\t\t\t\tr = -errno;\n"
			"\t\t}\n"
			"\t\tif (!r)\n\t\t\tr = fifo_open(c, rf->name, END_READ | END_WRITE, 1, "
			"%d, 0%o);\n"
			"\t\tif (r && mk)\n\t\t\tunlink(rf->name);\n",
			op->flags & OPF_CREAT ? 1 : 0, op_create_mode(op),
			op->flags & OPF_EXCL ? 1 : 0, op->flags & OPF_CREAT ? 1 : 0,
			op_create_mode(op));
		break;
	case OP_JOIN:
		fprintf(f,
			"\t\tfifo_path(rf);\n\t\talarm(5);\n"
			"\t\tr = fifo_open(c, rf->name, 0x%xu, %d, 0, 0);\n\t\talarm(0);\n",
			ends ? ends : OPF_READ | OPF_WRITE, op->flags & OPF_NOWAIT ? 1 : 0);
		break;
	case OP_DESTROY:
		fprintf(f, "\t\tfifo_path(rf);\n\t\tr = unlink(rf->name) ? -errno : 0;\n");
		break;
	case OP_PERM:
		to_c_perm_fd(f, op, "c->fd[0] >= 0 ? c->fd[0] : c->fd[1]");
		break;
	}
}

/* An inode in /dev/shm (sticky, 1777), by path in the mount namespace's
 * /dev/shm: a join asks for the bits of the ends it opens (both: rw), the
 * mode passes through the creator's umask, unlink is EPERM for others. */
static const struct access_rule fifo_access = {
	.perm = PERM_FILE,
	.isolation = IDENT_NS_MNT,
	.join = 6,
	.umask = 1,
	.sticky = 1,
};

const struct mechanism mech_fifo = {
	.id = "fifo",
	.summary = "named pipe (mkfifo+open): byte stream, open rules, joined by path",
	.cls = CLASS_BYTE_STREAM,
	.join_path = JOIN_BY_NAME,
	.naming = NAMING_PATH,
	.open_rule = OPEN_FIFO,
	.probe = fifo_probe,
	.create = fifo_create,
	.join = fifo_join,
	.send = fifo_send,
	.recv = fifo_recv,
	.close = stream_fd_close,
	.destroy = fifo_destroy,
	.setopt = stream_fd_setopt,
	.set_perm = fifo_set_perm,
	.access = &fifo_access,
	.exists = fifo_exists,
	.to_c = fifo_to_c,
	.uring_ops = URING_OPS_PIPE,
	.uring_syscalls = "non-blocking reads and writes: a FIFO has no FMODE_NOWAIT, so the ring "
			  "polls it (RWF_NOWAIT is EOPNOTSUPP)",
	.stress = &stream_fd_stress,
};
