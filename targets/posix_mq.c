/* posix-mq: a POSIX message queue, found by name in the IPC namespace's
 * mqueue file system (the sandbox also mounts it, so the audit sees every
 * name).  Judged by the priority-queue model (src/model/priority_queue.c):
 * priority order with FIFO inside a priority, EMSGSIZE both ways, full ->
 * EAGAIN on an O_NONBLOCK descriptor or ETIMEDOUT from mq_timed* (an op's
 * nowait: an expired timeout), mq_notify, mq_setattr/mq_getattr. */
#define _GNU_SOURCE
#include "mechanism.h"

#include "../src/prog/to_c_ident.h"
#include "../src/model/model.h"
#include "../src/prog/ident.h"
#include "../src/sandbox/sandbox.h"
#include "../src/util/fault.h"
#include "../stress/stress.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A receive's own buffer, as large as a message may be (one per thread). */
static _Thread_local uint8_t spare[IPCF_MAX_LEN + 1];

static const char *posix_mq_probe(void)
{
	return probe_needs("/proc/sys/fs/mqueue",
			   "no POSIX message queues (CONFIG_POSIX_MQUEUE off)");
}

static int posix_mq_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	struct mq_attr a = {0};
	long maxmsg, msgsize;
	int flags = O_RDWR | O_CLOEXEC;
	struct limits none = {0};

	sandbox_posix_name(ref->name, sizeof ref->name, op->obj, op_create_form(op));
	mq_attr_of(&none, op->len, &maxmsg, &msgsize);
	a.mq_maxmsg = maxmsg;
	a.mq_msgsize = msgsize;
	if (op->flags & OPF_CREAT)
		flags |= O_CREAT;
	if (op->flags & OPF_EXCL)
		flags |= O_EXCL;
	mqd_t q = mq_open(ref->name, flags, op_create_mode(op), op->len ? &a : NULL);
	if (q == (mqd_t)-1)
		return -errno;
	if (fault_on(FAULT_MQ_STRAY) && (op->flags & OPF_CREAT)) {
		char stray[320];
		snprintf(stray, sizeof stray, "%s.stray", ref->name);
		mqd_t s = mq_open(stray, O_RDWR | O_CREAT | O_CLOEXEC, 0600, NULL);
		if (s != (mqd_t)-1)
			mq_close(s);
	}
	c->fd[0] = c->fd[1] = q;
	c->ends = OPF_READ | OPF_WRITE;
	ref->id = -1;
	return 0;
}

static int posix_mq_join(struct chan *c, const struct obj_ref *ref)
{
	mqd_t q = mq_open(ref->name, O_RDWR | O_CLOEXEC);
	if (q == (mqd_t)-1)
		return fault_on(FAULT_ACCESS_ERRNO) && errno == EACCES ? -EPERM : -errno;
	c->fd[0] = c->fd[1] = q;
	c->ends = OPF_READ | OPF_WRITE;
	return 0;
}

/* nowait: the timed call with a timeout long past, so "would wait" is
 * ETIMEDOUT at once whatever the descriptor's O_NONBLOCK says. */
static const struct timespec *deadline(const struct op *op)
{
	static const struct timespec past = {0, 0};
	return op->flags & OPF_NOWAIT ? &past : NULL;
}

static ssize_t posix_mq_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len)
{
	unsigned prio = (uint16_t)op->arg;
	int r = deadline(op) ? mq_timedsend(c->fd[1], (const char *)buf, len, prio, deadline(op))
			     : mq_send(c->fd[1], (const char *)buf, len, prio);
	return r ? -errno : (ssize_t)len; /* the byte count, as every send reports it */
}

/* reorder: takes two messages and puts the first back at the end of its
 * priority, so FIFO within a priority is broken. */
static ssize_t reorder(struct chan *c, uint8_t *buf, size_t cap, unsigned *prio)
{
	unsigned p2;
	ssize_t n = mq_receive(c->fd[0], (char *)spare, cap, prio);
	if (n < 0)
		return -errno;
	ssize_t n2 = mq_receive(c->fd[0], (char *)buf, cap, &p2);
	if (n2 < 0)
		return -errno;
	mq_send(c->fd[1], (const char *)spare, (size_t)n, *prio);
	*prio = p2;
	return n2;
}

static ssize_t posix_mq_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap,
			     int64_t *mtype)
{
	unsigned prio = 0;
	struct mq_attr a;
	ssize_t n;

	if (fault_on(FAULT_MQ_REORDER) && !mq_getattr(c->fd[0], &a) && a.mq_curmsgs >= 2 &&
	    cap >= (size_t)a.mq_msgsize)
		n = reorder(c, buf, cap, &prio);
	else if (deadline(op))
		n = mq_timedreceive(c->fd[0], (char *)buf, cap, &prio, deadline(op));
	else
		n = mq_receive(c->fd[0], (char *)buf, cap, &prio);
	if (n < 0 && (n == -1 ? errno : (int)-n) == EMSGSIZE && fault_on(FAULT_MQ_BAD_ERRNO))
		return -EINVAL;
	if (n == -1)
		return -errno;
	if (n < 0)
		return n;
	if (fault_on(FAULT_MQ_FLIP) && n > 0)
		buf[n - 1] ^= 0x20;
	*mtype = prio + (fault_on(FAULT_MQ_WRONG_PRIO) ? 1 : 0);
	return n;
}

static int posix_mq_close(struct chan *c, unsigned ends)
{
	(void)ends; /* one descriptor: any close is mq_close */
	return chan_close_fds(c, OPF_READ | OPF_WRITE);
}

static int posix_mq_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	if (fault_on(FAULT_MQ_NO_UNLINK))
		return 0;
	return mq_unlink(ref->name) ? -errno : 0;
}

/* OPT_NONBLOCK: mq_setattr, then mq_getattr packed (mq_attr_word);
 * OPT_NOTIFY: mq_notify with SIGEV_NONE, or NULL to remove. */
static int64_t posix_mq_control(struct chan *c, const struct op *op)
{
	struct mq_attr set = {0}, old, now;
	struct sigevent ev = {.sigev_notify = SIGEV_NONE};

	switch (op->arg) {
	case OPT_NONBLOCK:
		set.mq_flags = op->len & 1 ? O_NONBLOCK : 0;
		if (mq_setattr(c->fd[0], &set, &old) || mq_getattr(c->fd[0], &now))
			return -errno;
		return mq_attr_word(now.mq_msgsize, now.mq_maxmsg, (old.mq_flags & O_NONBLOCK) != 0,
				    now.mq_curmsgs);
	case OPT_NOTIFY:
		return mq_notify(c->fd[0], op->len & 1 ? &ev : NULL) ? -errno : 0;
	}
	return -ENOTSUP;
}

static int posix_mq_set_perm(struct chan *c, const struct obj_ref *ref, uint32_t uid, uint32_t gid,
			     unsigned mode)
{
	(void)ref;
	return fd_set_perm(c->fd[0], uid, gid, mode);
}

static int posix_mq_exists(const struct obj_ref *ref)
{
	mqd_t q = mq_open(ref->name, O_RDONLY | O_CLOEXEC);
	if (q != (mqd_t)-1)
		mq_close(q);
	return q != (mqd_t)-1;
}

/* Reproducer C (src/prog/to_c.h): the same calls as above, as text. */
static void posix_mq_to_c(FILE *f, const struct op *op)
{
	struct limits none = {0};
	long maxmsg, msgsize;

	if (!op) {
		fprintf(f, "#include <mqueue.h>\n\n"
			   "/* nowait: mq_timed* with a timeout long past (ETIMEDOUT) */\n"
			   "static const struct timespec mq_past = {0, 0};\n"
			   "static const struct timespec *mq_past_p(void)\n{\n\treturn "
			   "&mq_past;\n}\n\n");
		return;
	}
	switch (op->kind) {
	case OP_CREATE:
		mq_attr_of(&none, op->len, &maxmsg, &msgsize);
		fprintf(f,
			"\t\tstruct mq_attr a = {.mq_maxmsg = %ld, .mq_msgsize = %ld};\n"
			"\t\tmqd_t q = mq_open(rf->name, O_RDWR | O_CLOEXEC%s%s, 0%o, %s);\n"
			"\t\t(void)a;\n",
			maxmsg, msgsize, op->flags & OPF_CREAT ? " | O_CREAT" : "",
			op->flags & OPF_EXCL ? " | O_EXCL" : "", op_create_mode(op),
			op->len ? "&a" : "NULL");
		fprintf(f, "\t\tif (q == (mqd_t)-1) {\n\t\t\tr = -errno;\n\t\t} else {\n"
			   "\t\t\tc->fd[0] = c->fd[1] = q;\n\t\t\tc->ends = END_READ | END_WRITE;\n"
			   "\t\t}\n");
		break;
	case OP_JOIN:
		fprintf(f, "\t\tmqd_t q = mq_open(rf->name, O_RDWR | O_CLOEXEC);\n"
			   "\t\tif (q == (mqd_t)-1) {\n\t\t\tr = -errno;\n\t\t} else {\n"
			   "\t\t\tc->fd[0] = c->fd[1] = q;\n\t\t\tc->ends = END_READ | END_WRITE;\n"
			   "\t\t}\n");
		break;
	case OP_SEND:
		if (op->flags & OPF_NOWAIT)
			fprintf(f,
				"\t\tr = mq_timedsend(c->fd[1], (const char *)pay, %u, %u, "
				"&mq_past);\n",
				op->len, (uint16_t)op->arg);
		else
			fprintf(f, "\t\tr = mq_send(c->fd[1], (const char *)pay, %u, %u);\n",
				op->len, (uint16_t)op->arg);
		fprintf(f, "\t\tr = r ? -errno : %u;\n", op->len);
		break;
	case OP_RECV:
		fprintf(f, "\t\tunsigned prio = 0;\n");
		if (op->flags & OPF_NOWAIT)
			fprintf(f,
				"\t\tr = mq_timedreceive(c->fd[0], (char *)buf, %u, &prio, "
				"&mq_past);\n",
				op->len);
		else
			fprintf(f, "\t\tr = mq_receive(c->fd[0], (char *)buf, %u, &prio);\n",
				op->len);
		fprintf(f, "\t\tr = r < 0 ? -errno : r;\n\t\tmtype = prio;\n");
		break;
	case OP_CLOSE:
		fprintf(f, "\t\tif (c->fd[0] >= 0)\n\t\t\tmq_close(c->fd[0]);\n"
			   "\t\tc->fd[0] = c->fd[1] = -1;\n\t\tc->ends = 0;\n");
		break;
	case OP_DESTROY:
		fprintf(f, "\t\tr = mq_unlink(rf->name) ? -errno : 0;\n");
		break;
	case OP_PERM:
		to_c_perm_fd(f, op, "c->fd[0]");
		break;
	case OP_SETOPT:
		if (op->arg == OPT_NONBLOCK)
			fprintf(f,
				"\t\tstruct mq_attr set = {.mq_flags = %s}, old, now;\n"
				"\t\tif (mq_setattr(c->fd[0], &set, &old) || mq_getattr(c->fd[0], "
				"&now))\n\t\t\tr = -errno;\n\t\telse /* packed as ipcfuzz does */\n"
				"\t\t\tr = now.mq_msgsize << 40 | now.mq_maxmsg << 16 |\n"
				"\t\t\t    (long)((old.mq_flags & O_NONBLOCK) != 0) << 15 | "
				"now.mq_curmsgs;\n",
				op->len & 1 ? "O_NONBLOCK" : "0");
		else if (op->arg == OPT_NOTIFY)
			fprintf(f,
				"\t\tstruct sigevent ev = {.sigev_notify = SIGEV_NONE};\n"
				"\t\tr = mq_notify(c->fd[0], %s) ? -errno : 0;\n\t\t(void)ev;\n",
				op->len & 1 ? "&ev" : "NULL");
		else
			fprintf(f, "\t\tr = -ENOTSUP;\n");
		break;
	}
}

/* An inode of the IPC namespace's mqueue file system (its root is sticky,
 * 1777): opened read-write, created through the umask, mq_unlink by others
 * refused (EACCES: glibc's mq_unlink turns EPERM into it); mq_send,
 * mq_receive, mq_setattr and mq_notify go by the descriptor alone. */
static const struct access_rule posix_mq_access = {
	.perm = PERM_FILE,
	.isolation = IDENT_NS_IPC,
	.mqueue_names = 1,
	.join = 6,
	.umask = 1,
	.sticky = 1,
	.unlink_errno = EACCES,
	.no_protected = 1,
};

/* One frame per message, up to the default mq_msgsize (a create of size 0:
 * msg_default messages of msgsize_default bytes). */
static const struct stress_profile posix_mq_stress = {.kind = STRESS_MESSAGES, .max_frame = 8192};

const struct mechanism mech_posix_mq = {
	.id = "posix-mq",
	.summary = "POSIX message queue (mq_open/mq_send/mq_receive): priority queue",
	.cls = CLASS_PRIORITY_QUEUE,
	.join_path = JOIN_BY_NAME,
	.naming = NAMING_MQ_NAME,
	.probe = posix_mq_probe,
	.create = posix_mq_create,
	.join = posix_mq_join,
	.send = posix_mq_send,
	.recv = posix_mq_recv,
	.close = posix_mq_close,
	.destroy = posix_mq_destroy,
	.control = posix_mq_control,
	.set_perm = posix_mq_set_perm,
	.access = &posix_mq_access,
	.exists = posix_mq_exists,
	.to_c = posix_mq_to_c,
	.stress = &posix_mq_stress,
};
