/* Sockets, shared by every socket target (see socket.h). */
#define _GNU_SOURCE
#include "socket.h"

#include "../../src/exec/actor.h"
#include "../../src/sandbox/sandbox.h"
#include "../../src/uring/backend.h"
#include "../../src/util/fault.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* c->role: the socket's type and family (type | family << 8), so send and
 * recv know edges from streams and where ancillary data can go. */
static int is_stream(const struct chan *c)
{
	return (c->role & 0xff) == SOCK_STREAM;
}

static int is_unix(const struct chan *c)
{
	return c->role >> 8 == AF_UNIX;
}

static int set_int(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof v);
}

/* The sender's buffer: as large as we may make it, so that the model's
 * capacity holds (it reads the same limits). */
static void grow_buf(int fd, int force, int opt)
{
	if (set_int(fd, SOL_SOCKET, force, SOCK_SNDBUF_WANT))
		set_int(fd, SOL_SOCKET, opt, SOCK_SNDBUF_WANT);
}

/* The address of a slot: a path in the sandbox's /dev/shm (ref->name), or
 * an abstract name (ref->name starts with '@', it dies with its socket). */
static socklen_t unix_addr(struct sockaddr_un *a, const struct obj_ref *ref)
{
	size_t n = strlen(ref->name);

	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	if (n >= sizeof a->sun_path)
		n = sizeof a->sun_path - 1;
	memcpy(a->sun_path, ref->name, n);
	if (ref->name[0] == '@')
		a->sun_path[0] = 0;
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
}

static unsigned abstract_seq;

static void unix_name(struct obj_ref *ref, const struct op *op)
{
	char base[200];

	sandbox_posix_name(base, sizeof base, op->obj, NAME_SLOT);
	if (op_create_form(op) == NAME_SLOT)
		snprintf(ref->name, sizeof ref->name, "/dev/shm%s.sock", base);
	else /* unique (pid, count): a datagram receiver keeps its name while it lives */
		snprintf(ref->name, sizeof ref->name, "@%s.%d.%u.sock", base + 1, (int)getpid(),
			 ++abstract_seq);
}

#define ACCEPT_WAIT_MS 1000
#define PAIR_TRIES     3

/* Binds a receiver (listening, for connected types) and connects a sender
 * to it: out[0] receives, out[1] sends. */
static int pair_by_address(const struct sock_kind *k, struct obj_ref *ref, const struct op *op,
			   int out[2])
{
	struct sockaddr_storage ss;
	struct sockaddr_un *un = (struct sockaddr_un *)&ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	socklen_t alen;
	int fl = k->type | SOCK_CLOEXEC, err = 0;
	int l = socket(k->domain, fl, 0), s = socket(k->domain, fl, 0);

	if (l < 0 || s < 0) {
		err = -errno;
		goto fail;
	}
	if (k->domain != AF_UNIX) /* before listen: the window scale follows it */
		grow_buf(l, SO_RCVBUFFORCE, SO_RCVBUF);
	if (k->domain == AF_UNIX) {
		unix_name(ref, op);
		alen = unix_addr(un, ref);
		if (ref->name[0] == '/')
			unlink(ref->name); /* the slot's name: a new create replaces it */
	} else {
		memset(in, 0, sizeof *in);
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		alen = sizeof *in;
		snprintf(ref->name, sizeof ref->name, "127.0.0.1");
	}
	if (bind(l, (struct sockaddr *)&ss, alen) ||
	    getsockname(l, (struct sockaddr *)&ss, &alen) ||
	    (k->type != SOCK_DGRAM && listen(l, 1)) || connect(s, (struct sockaddr *)&ss, alen)) {
		err = -errno;
		goto fail;
	}
	if (k->type != SOCK_DGRAM) {
		/* The connection is queued by the time connect returns; should
		 * the handshake still be lost (seen once in a fuzz run, on
		 * loopback), the caller makes the pair again. */
		struct pollfd p = {.fd = l, .events = POLLIN};
		if (poll(&p, 1, ACCEPT_WAIT_MS) == 0) {
			err = -ETIMEDOUT;
			goto fail;
		}
		int a = accept4(l, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (a < 0 || fcntl(a, F_SETFL, 0)) {
			err = -errno;
			if (a >= 0)
				close(a);
			goto fail;
		}
		close(l);
		l = a;
	}
	out[0] = l;
	out[1] = s;
	return 0;
fail:
	if (l >= 0)
		close(l);
	if (s >= 0)
		close(s);
	if (ref->name[0] == '/')
		unlink(ref->name);
	ref->name[0] = 0;
	return err;
}

int sock_create(const struct sock_kind *k, struct chan *c, struct obj_ref *ref, const struct op *op)
{
	int fd[2], err = 0;
	unsigned form = op_create_form(op);

	ref->id = -1;
	ref->name[0] = 0;
	if (k->domain == AF_UNIX && form != NAME_SLOT && form != NAME_PRIVATE) {
		if (socketpair(AF_UNIX, k->type | SOCK_CLOEXEC, 0, fd))
			return -errno;
	} else {
		for (int tries = 0; (err = pair_by_address(k, ref, op, fd)) == -ETIMEDOUT;)
			if (++tries == PAIR_TRIES)
				break;
		if (err)
			return err;
	}
	grow_buf(fd[1], SO_SNDBUFFORCE, SO_SNDBUF);
	if (k->domain == AF_UNIX && k->type != SOCK_STREAM)
		set_int(fd[0], SOL_SOCKET, SO_PASSCRED, 1);
	if (k->domain == AF_INET && k->type == SOCK_STREAM)
		set_int(fd[1], IPPROTO_TCP, TCP_NODELAY, 1);
	c->fd[0] = fd[0];
	c->fd[1] = fd[1];
	c->role = k->type | k->domain << 8;
	c->ends = OPF_READ | OPF_WRITE;
	return 0;
}

int sock_join(struct chan *c, const struct obj_ref *ref)
{
	int fd = c->fd[0] >= 0 ? c->fd[0] : c->fd[1], type = 0, domain = 0;
	socklen_t len = sizeof type;

	(void)ref;
	if (fd >= 0 && !getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) &&
	    !getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len))
		c->role = type | domain << 8;
	return 0;
}

/* SCM_RIGHTS carries a memfd whose first byte is the tag (the op's seed):
 * the receiver reads it back, so "the same object arrived" is checked. */
static int tag_fd(uint8_t tag)
{
	int fd = memfd_create("ipcfuzz-scm", MFD_CLOEXEC);

	if (fd >= 0 && pwrite(fd, &tag, 1, 0) != 1) {
		close(fd);
		fd = -1;
	}
	return fd;
}

union cmsg_room {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
};

/* A datagram send with a negative arg carries -arg zero bytes after its
 * payload (udp's 65507 limit is beyond the len field; a positive arg is
 * the mtype other mechanisms take, and ignored). */
static _Thread_local uint8_t wide[IPCF_MAX_LEN + 1 + 32768];

ssize_t sock_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len)
{
	if (!is_stream(c) && op->arg < 0) {
		memcpy(wide, buf, len);
		memset(wide + len, 0, (size_t)-op->arg);
		buf = wide;
		len += (size_t)-op->arg;
	}
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	union cmsg_room room;
	int passed = -1;

	if (c->fd[1] < 0)
		return -EBADF;
	memset(&room, 0, sizeof room);
	if (is_unix(c) && (op->flags & (OPF_RIGHTS | OPF_CREDS))) {
		mh.msg_control = room.buf;
		mh.msg_controllen = sizeof room.buf;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		size_t used = 0;
		if (op->flags & OPF_RIGHTS) {
			passed = tag_fd(fault_on(FAULT_SOCK_WRONG_FD) ? op->seed ^ 1u : op->seed);
			if (passed < 0)
				return -errno;
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &passed, sizeof passed);
			used += CMSG_SPACE(sizeof(int));
			cm = (struct cmsghdr *)(room.buf + used);
		}
		if (op->flags & OPF_CREDS) {
			struct ucred cr = {.pid = getpid(), .uid = geteuid(), .gid = getegid()};
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_CREDENTIALS;
			cm->cmsg_len = CMSG_LEN(sizeof cr);
			memcpy(CMSG_DATA(cm), &cr, sizeof cr);
			used += CMSG_SPACE(sizeof cr);
		}
		mh.msg_controllen = used;
	}
	int flags = MSG_NOSIGNAL | (op->flags & OPF_NOWAIT ? MSG_DONTWAIT : 0);
	ssize_t n = use_sendmsg(op, c->fd[1], &mh, flags);
	if (passed >= 0 && !fault_on(FAULT_SOCK_SEND_KEEP))
		close(passed);
	if (n < 0 && fault_on(FAULT_SOCK_ERRNO))
		n = n == -EPIPE ? -ECONNRESET : -EPIPE;
	return n;
}

/* What the control data of a received datagram says, as outcome.mtype. */
static int64_t ancillary(struct msghdr *mh)
{
	int64_t anc = 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_RIGHTS) {
			size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < n; i++) {
				int fd;
				uint8_t tag = 0;
				memcpy(&fd, CMSG_DATA(cm) + i * sizeof fd, sizeof fd);
				if (pread(fd, &tag, 1, 0) == 1)
					anc |= SOCK_ANC_FD | tag;
				if (!fault_on(FAULT_SOCK_KEEP_FD))
					close(fd);
			}
		} else if (cm->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cr;
			memcpy(&cr, CMSG_DATA(cm), sizeof cr);
			int a = actor_by_pid(cr.pid);
			if (fault_on(FAULT_SOCK_CREDS))
				a = (a + 1) % IPCF_ACTORS;
			anc |= (int64_t)(a < 0 ? SOCK_ANC_CRED_OTHER : (unsigned)a + 1)
			       << SOCK_ANC_CRED_SHIFT;
		}
	}
	if ((mh->msg_flags & MSG_TRUNC) && !fault_on(FAULT_SOCK_NO_TRUNC))
		anc |= SOCK_ANC_TRUNC;
	if (mh->msg_flags & MSG_CTRUNC)
		anc |= SOCK_ANC_CTRUNC;
	return anc;
}

/* recvmsg, but as recvmmsg of one message when it is a system call: a
 * peer's commands arrive by recvmsg, and the executor tells a peer blocked
 * in its op from an idle one by the call it sleeps in. */
static ssize_t recv_call(const struct op *op, int fd, struct msghdr *mh, int flags)
{
	if (op->flags & OPF_URING)
		return use_recvmsg(op, fd, mh, flags);
	struct mmsghdr mm = {.msg_hdr = *mh};
	int r = recvmmsg(fd, &mm, 1, flags, NULL);
	if (r < 0)
		return -errno;
	*mh = mm.msg_hdr;
	return r ? (ssize_t)mm.msg_len : 0;
}

ssize_t sock_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap, int64_t *mtype)
{
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	union cmsg_room room;

	if (c->fd[0] < 0)
		return -EBADF;
	if (fault_on(FAULT_HANG)) {
		pause(); /* waits although the model says data is there */
		return -errno;
	}
	if (is_unix(c) || !is_stream(c)) {
		mh.msg_control = room.buf;
		/* recv noerror: room for the credentials only (datagrams: the
		 * receiver has SO_PASSCRED), so a passed descriptor does not
		 * fit (MSG_CTRUNC; the kernel closes it). */
		size_t creds = is_stream(c) ? 0 : sizeof(struct ucred);
		mh.msg_controllen = op->flags & OPF_NOERROR ? CMSG_SPACE(creds) : sizeof room.buf;
	}
	int flags =
		(op->flags & OPF_NOWAIT ? MSG_DONTWAIT : 0) | (op->flags & OPF_PEEK ? MSG_PEEK : 0);
	ssize_t n = recv_call(op, c->fd[0], &mh, flags);
	if (n < 0)
		return n;
	if (is_unix(c) || !is_stream(c))
		*mtype = ancillary(&mh);
	if (!is_stream(c)) {
		if (fault_on(FAULT_SOCK_MERGE) && (size_t)n < cap && !(mh.msg_flags & MSG_TRUNC)) {
			ssize_t more = recv(c->fd[0], buf + n, cap - (size_t)n, MSG_DONTWAIT);
			n += more > 0 ? more : 0;
		}
	}
	if (fault_on(FAULT_SOCK_DROP_BYTE) && n > 0)
		n--;
	if (fault_on(FAULT_SOCK_SWAP) && n > 1 && buf[0] != buf[1]) {
		uint8_t t = buf[0];
		buf[0] = buf[1];
		buf[1] = t;
	}
	return n;
}

int sock_close(struct chan *c, unsigned ends)
{
	if ((ends & OPF_READ) && fault_on(FAULT_SOCK_LEAK))
		c->fd[0] = -1; /* sock-leak: the receiving socket is forgotten, open */
	return chan_close_fds(c, ends);
}

int sock_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	if (ref->name[0] == '/' && !fault_on(FAULT_SOCK_NO_UNLINK) && unlink(ref->name) &&
	    errno != ENOENT)
		return -errno;
	return 0;
}

int sock_exists(const struct obj_ref *ref)
{
	struct stat st;
	return ref->name[0] == '/' && !lstat(ref->name, &st);
}

const char *sock_inet_probe(void)
{
	const char *forced = getenv("IPCFUZZ_SANDBOX");

	if (sandbox_mode() == SANDBOX_PREFIX || (forced && !strcmp(forced, "prefix")))
		return "no private network namespace (the sandbox fell back to prefixes)";
	return NULL;
}

int sock_tcp_setup(int actor)
{
	(void)actor;
	if (sandbox_mode() != SANDBOX_NAMESPACES)
		return 0; /* never the host's settings */
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_max_tw_buckets", "we");
	if (f) {
		fputs("0\n", f);
		fclose(f);
	}
	return 0;
}

int64_t sock_control(struct chan *c, const struct op *op)
{
	if (op->arg != OPT_SHUTDOWN)
		return -ENOTSUP;
	switch (op->len % 3) {
	case SHUT_RD:
		return c->fd[0] < 0 ? -EBADF : shutdown(c->fd[0], SHUT_RD) ? -errno : 0;
	case SHUT_WR:
		return c->fd[1] < 0 ? -EBADF : shutdown(c->fd[1], SHUT_WR) ? -errno : 0;
	default:
		if (c->fd[0] >= 0 && shutdown(c->fd[0], SHUT_RD))
			return -errno;
		if (c->fd[1] >= 0 && shutdown(c->fd[1], SHUT_WR))
			return -errno;
		return 0;
	}
}
