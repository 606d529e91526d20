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

/* The address of a slot: a path (ref->name, in a directory of the create's
 * own in the sandbox's /dev/shm), or an abstract name (ref->name starts
 * with '@', it dies with its socket). */
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

static unsigned addr_seq;

/* Unique (pid, count) names: a receiver keeps its name while it lives, and
 * a path's directory belongs to the create that made it. */
static void unix_name(struct obj_ref *ref, const struct op *op)
{
	char base[200];

	sandbox_posix_name(base, sizeof base, op->obj, NAME_SLOT);
	++addr_seq;
	if (op_create_form(op) == NAME_SLOT)
		snprintf(ref->name, sizeof ref->name, "/dev/shm%s.%d.%u.d/s", base, (int)getpid(),
			 addr_seq);
	else
		snprintf(ref->name, sizeof ref->name, "@%s.%d.%u.sock", base + 1, (int)getpid(),
			 addr_seq);
}

/* The directory of a path (ref->name without its last "/s"). */
static void unix_dir(const struct obj_ref *ref, char *dir, size_t cap)
{
	snprintf(dir, cap, "%s", ref->name);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
}

/* Removes a path and its directory; 0, or the errno of the first that fails
 * (ENOENT is no failure: it was gone already). */
static int unix_unlink(const struct obj_ref *ref)
{
	char dir[sizeof ref->name];

	if (ref->name[0] != '/')
		return 0;
	unix_dir(ref, dir, sizeof dir);
	if ((unlink(ref->name) && errno != ENOENT) || (rmdir(dir) && errno != ENOENT))
		return -errno;
	return 0;
}

/* bind(2) of a path: its directory first (search from the create's mode,
 * exactly: made under a umask of 0), the socket file through the umask and
 * the create's mode. */
static int bind_path(int fd, const struct sockaddr *sa, socklen_t alen, const struct obj_ref *ref,
		     unsigned mode)
{
	char dir[sizeof ref->name];

	unix_dir(ref, dir, sizeof dir);
	mode_t old = umask(0);
	if (mkdir(dir, 0700 | (mode & 0011))) {
		umask(old);
		return -1;
	}
	umask(old | (~mode & 0777));
	int r = bind(fd, sa, alen);
	umask(old);
	if (!r && fault_on(FAULT_SOCK_CHMOD)) /* planted: anyone may connect */
		r = chmod(dir, 0777) || chmod(ref->name, 0777) ? -1 : 0;
	return r;
}

/* A TCP pair is accepted from one listener per actor process, made by its
 * setup (sock_tcp_setup) and kept: a listener of each create's own (a
 * socket, a free port, listen, and the close) was a third of the create.
 * -1: none (the stress driver's threads make theirs each, as before). */
static int tcp_listener = -1;
static struct sockaddr_in tcp_listener_addr;

/* A UDP receiver of an executor's create is bound to a port of its op's
 * own, below the ephemeral range: with a port the kernel picks, a later
 * create could get the port of a receiver closed before it, and a sender
 * still connected to that one would reach the new one, which the model
 * cannot know (found by fuzz-udp: a datagram where EAGAIN was expected). */
#define UDP_PORT_BASE 20000

/* The end of making a receiving socket l of k: listening unless it is a
 * datagram one.  failed: binding it failed (errno says why).  Returns l, or
 * -errno with l closed. */
static int listening(int l, const struct sock_kind *k, bool failed)
{
	if (failed || (k->type != SOCK_DGRAM && listen(l, 4))) {
		int err = -errno;
		close(l);
		return err;
	}
	return l;
}

/* A socket of k bound to 127.0.0.1:port (0: a free one; listening, for
 * TCP); its address in *in.  Returns it, or -errno. */
static int inet_bound(const struct sock_kind *k, struct sockaddr_in *in, unsigned port)
{
	socklen_t alen = sizeof *in;
	/* A TCP listener does not block: its accept polls only when the
	 * connection is not queued already (on loopback it nearly always is). */
	int l = socket(AF_INET,
		       k->type | SOCK_CLOEXEC | (k->type == SOCK_STREAM ? SOCK_NONBLOCK : 0), 0);

	if (l < 0)
		return -errno;
	grow_buf(l, SO_RCVBUFFORCE, SO_RCVBUF); /* before listen: the window scale follows it */
	memset(in, 0, sizeof *in);
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in->sin_port = htons((uint16_t)port);
	int r = bind(l, (struct sockaddr *)in, alen);
	if (r && port && errno == EADDRINUSE) {
		/* (outside the sandbox's network namespace it may be taken) */
		in->sin_port = 0;
		r = bind(l, (struct sockaddr *)in, alen);
	}
	return listening(l, k, r || getsockname(l, (struct sockaddr *)in, &alen));
}

/* A new listener for this process (one that missed a handshake goes: its
 * connection could come late, to the next create's accept). */
static void tcp_listener_renew(void)
{
	static const struct sock_kind tcp = {.domain = AF_INET, .type = SOCK_STREAM};

	if (tcp_listener >= 0)
		close(tcp_listener);
	int l = inet_bound(&tcp, &tcp_listener_addr, 0);
	tcp_listener = l < 0 ? -1 : l; /* none: each create makes its own */
}

/* A unix socket of k bound to the create's name (a path or an abstract
 * one) and listening unless it is a datagram one; its address in *un.
 * Returns it, or -errno. */
static int unix_bound(const struct sock_kind *k, struct obj_ref *ref, const struct op *op,
		      struct sockaddr_un *un, socklen_t *alen)
{
	int l = socket(AF_UNIX, k->type | SOCK_CLOEXEC, 0);

	if (l < 0)
		return -errno;
	unix_name(ref, op);
	*alen = unix_addr(un, ref);
	ref->id = k->type;
	int bound = ref->name[0] == '/'
			    ? bind_path(l, (struct sockaddr *)un, *alen, ref, op_create_mode(op))
			    : bind(l, (struct sockaddr *)un, *alen);
	return listening(l, k, bound != 0);
}

/* On loopback a handshake is over within the connect call; a pair that is
 * not is made again, all tries within the watchdog's default 3 s. */
#define ACCEPT_WAIT_MS 250
#define PAIR_TRIES     8

/* Binds a receiver (listening, for connected types) and connects a sender
 * to it: out[0] receives, out[1] sends; *listener (unix, connected types):
 * the listening socket, kept for joins by address, else -1. */
static int pair_by_address(const struct sock_kind *k, struct obj_ref *ref, const struct op *op,
			   int out[2], int *listener)
{
	struct sockaddr_storage ss;
	struct sockaddr_un *un = (struct sockaddr_un *)&ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	socklen_t alen;
	int fl = k->type | SOCK_CLOEXEC, err = 0;
	/* A TCP connect is made without blocking: a handshake lost on
	 * loopback (seen about once in 30,000 fuzz runs) would otherwise wait
	 * for the SYN's retransmission, seconds; here the pair is made again. */
	bool inet_stream = k->domain != AF_UNIX && k->type == SOCK_STREAM;
	bool shared = inet_stream && tcp_listener >= 0;
	int l = -1, s = -1;

	*listener = -1;
	if (k->domain == AF_UNIX) {
		if ((l = unix_bound(k, ref, op, un, &alen)) < 0) {
			err = l;
			goto fail;
		}
	} else {
		unsigned port =
			k->type == SOCK_DGRAM && ref->op_seq ? UDP_PORT_BASE + ref->op_seq : 0;
		l = shared ? tcp_listener : inet_bound(k, in, port);
		if (l < 0) {
			err = l;
			goto fail;
		}
		if (shared)
			*in = tcp_listener_addr;
		alen = sizeof *in;
		snprintf(ref->name, sizeof ref->name, "127.0.0.1");
	}
	if ((s = socket(k->domain, fl | (inet_stream ? SOCK_NONBLOCK : 0), 0)) < 0) {
		err = -errno;
		goto fail;
	}
	if (connect(s, (struct sockaddr *)&ss, alen) && !(inet_stream && errno == EINPROGRESS)) {
		err = -errno;
		goto fail;
	}
	if (k->type != SOCK_DGRAM) {
		/* The connection is queued by the time connect returns; should
		 * the handshake still be lost (seen once in a fuzz run, on
		 * loopback), the caller makes the pair again. */
		struct pollfd p = {.fd = l, .events = POLLIN};
		/* A unix connect has queued the connection when it returns. */
		int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (a < 0 && inet_stream && errno == EAGAIN) {
			if (poll(&p, 1, ACCEPT_WAIT_MS) == 0) {
				err = -ETIMEDOUT;
				goto fail;
			}
			a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		}
		/* Accepted (blocking, as accepted sockets are): the connecting
		 * side is established too. */
		if (a < 0 || (inet_stream && fcntl(s, F_SETFL, 0))) {
			err = -errno;
			if (a >= 0)
				close(a);
			goto fail;
		}
		if (k->domain == AF_UNIX)
			*listener = l;
		else if (!shared)
			close(l);
		l = a;
	}
	out[0] = l;
	out[1] = s;
	return 0;
fail:
	if (shared) {
		tcp_listener_renew();
		l = -1;
	}
	if (l >= 0)
		close(l);
	if (s >= 0)
		close(s);
	unix_unlink(ref);
	ref->name[0] = 0;
	ref->id = -1;
	return err;
}

int sock_create(const struct sock_kind *k, struct chan *c, struct obj_ref *ref, const struct op *op)
{
	int fd[2], err = 0, listener = -1;
	unsigned form = op_create_form(op);

	ref->id = -1;
	ref->name[0] = 0;
	if (k->domain == AF_UNIX && form != NAME_SLOT && form != NAME_PRIVATE) {
		if (socketpair(AF_UNIX, k->type | SOCK_CLOEXEC, 0, fd))
			return -errno;
	} else {
		for (int tries = 0;
		     (err = pair_by_address(k, ref, op, fd, &listener)) == -ETIMEDOUT;)
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
	c->id = listener;
	c->role = k->type | k->domain << 8;
	c->ends = OPF_READ | OPF_WRITE;
	return 0;
}

/* A join by address: a socket of the joiner's own, connected to the
 * creator's path or abstract name, is its write end. */
static int join_by_connect(struct chan *c, const struct obj_ref *ref)
{
	struct sockaddr_un a;
	socklen_t alen = unix_addr(&a, ref);
	int s = socket(AF_UNIX, ref->id | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&a, alen)) {
		int e = errno;
		close(s);
		return e == EACCES && fault_on(FAULT_ACCESS_ERRNO) ? -EPERM : -e;
	}
	grow_buf(s, SO_SNDBUFFORCE, SO_SNDBUF);
	c->fd[1] = s;
	c->ends = OPF_WRITE;
	c->role = ref->id | AF_UNIX << 8;
	return 0;
}

int sock_join(struct chan *c, const struct obj_ref *ref)
{
	int fd = c->fd[0] >= 0 ? c->fd[0] : c->fd[1], type = 0, domain = 0;
	socklen_t len = sizeof type;

	if (fd < 0 && (c->open_flags & (OPF_READ | OPF_WRITE)) == OPF_WRITE && ref->id > 0 &&
	    (ref->name[0] == '/' || ref->name[0] == '@'))
		return join_by_connect(c, ref);
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

int sock_send_fd(const struct chan *c)
{
	return c->fd[1];
}

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
			if (fault_on(FAULT_SOCK_CRED_UID))
				cr.uid = cr.uid == 1000 ? 1001 : 1000;
			anc |= (int64_t)sock_id_code(cr.uid) << SOCK_ANC_UID_SHIFT |
			       (int64_t)sock_id_code(cr.gid) << SOCK_ANC_GID_SHIFT;
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
	int r = chan_close_fds(c, ends);
	if (!c->ends && c->id >= 0) { /* the listening socket goes with the last end */
		close(c->id);
		c->id = -1;
	}
	return r;
}

int sock_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	return fault_on(FAULT_SOCK_NO_UNLINK) ? 0 : unix_unlink(ref);
}

int sock_set_perm(struct chan *c, const struct obj_ref *ref, uint32_t uid, uint32_t gid,
		  unsigned mode)
{
	(void)c;
	if (ref->name[0] != '/')
		return -ENOTSUP;
	if (chown(ref->name, (uid_t)uid, (gid_t)gid) || chmod(ref->name, (mode_t)mode))
		return -errno;
	return 0;
}

int sock_exists(const struct obj_ref *ref)
{
	struct stat st;
	char dir[sizeof ref->name];

	if (ref->name[0] != '/')
		return 0;
	unix_dir(ref, dir, sizeof dir);
	return !lstat(ref->name, &st) || !lstat(dir, &st);
}

int64_t sock_settle(struct chan *c, int64_t want, unsigned timeout_ms)
{
	struct pollfd p = {.fd = c->id, .events = POLLIN};

	if (want != 1 || c->id < 0 || poll(&p, 1, (int)timeout_ms) != 1)
		return 0;
	int a = accept4(c->id, NULL, NULL, SOCK_CLOEXEC);
	if (a < 0)
		return -errno;
	/* The creator's handle is the accepted socket's receiving end now. */
	for (int i = 0; i < 2; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
	if ((c->role & 0xff) != SOCK_STREAM)
		set_int(a, SOL_SOCKET, SO_PASSCRED, 1);
	c->fd[0] = a;
	c->fd[1] = -1;
	c->ends = OPF_READ;
	return 1;
}

const char *sock_inet_probe(void)
{
	const char *forced = getenv("IPCFUZZ_SANDBOX");

	if (sandbox_mode() == SANDBOX_PREFIX || (forced && !strcmp(forced, "prefix")))
		return "no private network namespace (the sandbox fell back to prefixes)";
	return NULL;
}

/* unix-*: a path asks for write permission on the socket file and search
 * on its directory (the create's, in the mount namespace's /dev/shm), an
 * abstract name for nothing but the network namespace. */
const struct access_rule sock_unix_access = {
	.perm = PERM_FILE,
	.isolation = IDENT_NS_MNT,
	.join = 2,
	.umask = 1,
	.by_connect = 1,
	.dir_search = 1,
	.abstract_isolation = IDENT_NS_NET,
};

int sock_tcp_setup(int actor)
{
	(void)actor;
	/* A copy inherited from the process this one was forked from is
	 * that one's listener: closed here, and one of our own made. */
	tcp_listener_renew();
	if (sandbox_mode() != SANDBOX_NAMESPACES)
		return 0; /* never the host's settings */
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_max_tw_buckets", "we");
	if (f) {
		fputs("0\n", f);
		fclose(f);
	}
	return 0;
}

/* SO_PEERCRED of the handle's receiving socket, else of its sender. */
static int64_t peercred(struct chan *c)
{
	int fd = c->fd[0] >= 0 ? c->fd[0] : c->fd[1];
	struct ucred cr;
	socklen_t len = sizeof cr;

	if (!is_unix(c))
		return -ENOTSUP;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return -errno;
	if (fault_on(FAULT_SOCK_PEER_UID))
		cr.uid = cr.uid == 1000 ? 1001 : 1000;
	int a = cr.pid ? actor_by_pid(cr.pid) : -1;
	unsigned who = !cr.pid ? 0 : a < 0 ? SOCK_ANC_CRED_OTHER : (unsigned)a + 1;
	return sock_peer_word(who, cr.uid, cr.gid);
}

int64_t sock_control(struct chan *c, const struct op *op)
{
	if (op->arg == OPT_PEERCRED)
		return peercred(c);
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
