/* Reproducer C (src/prog/to_c.h) of every socket target, parametrised by its
 * sock_kind: socket.c's calls as text (a connected pair used one way: fd[1]
 * sends, fd[0] receives; by path, abstract name, socketpair or loopback;
 * SCM_RIGHTS of a tagged memfd, SCM_CREDENTIALS, MSG_TRUNC, MSG_PEEK,
 * MSG_CTRUNC, shutdown).  One process plays every actor, so a credential
 * always names this process: it counts as the sender the model expects
 * (the model's expected receive result is in scope as want_mtype); any
 * other pid is "no actor". */
#define _GNU_SOURCE
#include "socket_to_c.h"

#include "stream_fd.h"

#include "../../src/prog/ident.h"
#include "../../src/prog/to_c_ident.h"

#include <sys/socket.h>

static const char helpers[] =
	"#include <arpa/inet.h>\n#include <netinet/in.h>\n#include <netinet/tcp.h>\n"
	"#include <poll.h>\n#include <stddef.h>\n#include <sys/socket.h>\n#include <sys/un.h>\n\n"
	"#define SOCK_DOMAIN %d\n#define SOCK_TYPE %d\n#define SNDBUF_WANT %d\n"
	"#define ANC_FD 0x%xu\n#define ANC_CRED_SHIFT %d\n#define ANC_CRED_OTHER %uu\n"
	"#define ANC_TRUNC 0x%xu\n#define ANC_CTRUNC 0x%xu\n"
	"#define ANC_UID_SHIFT %d\n#define ANC_GID_SHIFT %d\n"
	"#define IS_UNIX (SOCK_DOMAIN == AF_UNIX)\n#define IS_STREAM (SOCK_TYPE == SOCK_STREAM)\n\n"
	"static int set_int(int fd, int level, int opt, int v)\n{\n"
	"\treturn setsockopt(fd, level, opt, &v, sizeof v);\n}\n\n"
	"static void grow_buf(int fd, int force, int opt)\n{\n"
	"\tif (set_int(fd, SOL_SOCKET, force, SNDBUF_WANT))\n"
	"\t\tset_int(fd, SOL_SOCKET, opt, SNDBUF_WANT);\n}\n\n"
	"/* A slot's address: a path in a directory of the create's own in\n"
	" * /dev/shm, or (private) an abstract name. */\n"
	"static void make_name(struct ref *rf, int private)\n{\n"
	"\tstatic unsigned seq;\n\tchar base[200];\n"
	"\tsnprintf(base, sizeof base, \"%%.190s\", rf->name);\n\tseq++;\n"
	"\tif (!private)\n"
	"\t\tsnprintf(rf->name, sizeof rf->name, \"/dev/shm%%s.%%u.d/s\", base, seq);\n"
	"\telse\n\t\tsnprintf(rf->name, sizeof rf->name, \"@%%s.%%u.sock\", base + 1, seq);\n}\n\n"
	"static socklen_t unix_addr(struct sockaddr_un *a, const struct ref *rf)\n{\n"
	"\tsize_t n = strlen(rf->name);\n"
	"\tmemset(a, 0, sizeof *a);\n\ta->sun_family = AF_UNIX;\n"
	"\tif (n >= sizeof a->sun_path)\n\t\tn = sizeof a->sun_path - 1;\n"
	"\tmemcpy(a->sun_path, rf->name, n);\n"
	"\tif (rf->name[0] == '@')\n\t\ta->sun_path[0] = 0;\n"
	"\treturn (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);\n}\n\n"
	"static void unix_dir(const struct ref *rf, char *dir, size_t cap)\n{\n"
	"\tsnprintf(dir, cap, \"%%s\", rf->name);\n\tchar *slash = strrchr(dir, '/');\n"
	"\tif (slash)\n\t\t*slash = 0;\n}\n\n"
	"/* A path and its directory go (ENOENT: gone already, no failure). */\n"
	"static long unix_unlink(const struct ref *rf)\n{\n\tchar dir[sizeof rf->name];\n"
	"\tif (rf->name[0] != '/')\n\t\treturn 0;\n\tunix_dir(rf, dir, sizeof dir);\n"
	"\tif ((unlink(rf->name) && errno != ENOENT) || (rmdir(dir) && errno != ENOENT))\n"
	"\t\treturn -errno;\n\treturn 0;\n}\n\n"
	"/* bind(2) of a path: its directory first (search from the create's mode),\n"
	" * the socket file through the umask and the create's mode. */\n"
	"static int bind_path(int fd, const struct sockaddr *sa, socklen_t alen,\n"
	"\t\t     const struct ref *rf, unsigned mode)\n{\n\tchar dir[sizeof rf->name];\n"
	"\tunix_dir(rf, dir, sizeof dir);\n"
	"\tif (mkdir(dir, 0700) || chmod(dir, 0700 | (mode & 0011)))\n\t\treturn -1;\n"
	"\tmode_t old = umask(0777);\n\tumask(old | (~mode & 0777));\n"
	"\tint r = bind(fd, sa, alen);\n\tumask(old);\n\treturn r;\n}\n\n"
	"/* A receiver bound (and listening, for connected types), a sender\n"
	" * connected to it: out[0] receives, out[1] sends; *listener (unix,\n"
	" * connected types): the listening socket, kept for joins by address. */\n"
	"static long pair_by_address(struct ref *rf, int private, unsigned mode, int out[2],\n"
	"\t\t\t    int *listener)\n{\n"
	"\tstruct sockaddr_storage ss;\n\tsocklen_t alen;\n\tlong err = 0;\n\tint bound;\n"
	"\tint fl = SOCK_TYPE | SOCK_CLOEXEC;\n"
	"\tint l = socket(SOCK_DOMAIN, fl, 0), s = socket(SOCK_DOMAIN, fl, 0);\n"
	"\t*listener = -1;\n"
	"\tif (l < 0 || s < 0) {\n\t\terr = -errno;\n\t\tgoto fail;\n\t}\n"
	"\tif (!IS_UNIX) /* before listen: the window scale follows it */\n"
	"\t\tgrow_buf(l, SO_RCVBUFFORCE, SO_RCVBUF);\n"
	"\tif (IS_UNIX) {\n\t\tmake_name(rf, private);\n"
	"\t\talen = unix_addr((struct sockaddr_un *)&ss, rf);\n\t\trf->id = SOCK_TYPE;\n"
	"\t\tbound = rf->name[0] == '/' ? bind_path(l, (struct sockaddr *)&ss, alen, rf, mode)\n"
	"\t\t\t\t\t    : bind(l, (struct sockaddr *)&ss, alen);\n"
	"\t} else {\n\t\tstruct sockaddr_in *in = (struct sockaddr_in *)&ss;\n"
	"\t\tmemset(in, 0, sizeof *in);\n\t\tin->sin_family = AF_INET;\n"
	"\t\tin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);\n\t\talen = sizeof *in;\n"
	"\t\tsnprintf(rf->name, sizeof rf->name, \"127.0.0.1\");\n"
	"\t\tbound = bind(l, (struct sockaddr *)&ss, alen);\n\t}\n"
	"\tif (bound || getsockname(l, (struct sockaddr *)&ss, &alen) ||\n"
	"\t    (SOCK_TYPE != SOCK_DGRAM && listen(l, 4)) || connect(s, (struct sockaddr *)&ss, "
	"alen)) {\n"
	"\t\terr = -errno;\n\t\tgoto fail;\n\t}\n"
	"\tif (SOCK_TYPE != SOCK_DGRAM) {\n"
	"\t\tstruct pollfd p = {.fd = l, .events = POLLIN};\n"
	"\t\tif (poll(&p, 1, 1000) == 0) {\n\t\t\terr = -ETIMEDOUT; /* made again */\n"
	"\t\t\tgoto fail;\n\t\t}\n"
	"\t\tint a = accept4(l, NULL, NULL, SOCK_CLOEXEC);\n"
	"\t\tif (a < 0) {\n\t\t\terr = -errno;\n\t\t\tgoto fail;\n\t\t}\n"
	"\t\tif (IS_UNIX)\n\t\t\t*listener = l;\n\t\telse\n\t\t\tclose(l);\n\t\tl = a;\n\t}\n"
	"\tout[0] = l;\n\tout[1] = s;\n\treturn 0;\nfail:\n"
	"\tif (l >= 0)\n\t\tclose(l);\n\tif (s >= 0)\n\t\tclose(s);\n"
	"\tunix_unlink(rf);\n\trf->name[0] = 0;\n\trf->id = -1;\n\treturn err;\n}\n\n"
	"/* form: 0 slot (a path), 1 private (abstract), else a socketpair (unix). */\n"
	"static long sock_make(struct chan *c, struct ref *rf, int form, unsigned mode)\n{\n"
	"\tint fd[2], listener = -1;\n\tlong err = 0;\n\trf->id = -1;\n"
	"\tif (IS_UNIX && form > 1) {\n\t\trf->name[0] = 0;\n"
	"\t\tif (socketpair(AF_UNIX, SOCK_TYPE | SOCK_CLOEXEC, 0, fd))\n"
	"\t\t\treturn -errno;\n"
	"\t} else {\n\t\tchar name[sizeof rf->name];\n\t\tmemcpy(name, rf->name, sizeof name);\n"
	"\t\tfor (int tries = 0; tries < 3; tries++) {\n"
	"\t\t\tmemcpy(rf->name, name, sizeof name);\n"
	"\t\t\tif ((err = pair_by_address(rf, form == 1, mode, fd, &listener)) != -ETIMEDOUT)\n"
	"\t\t\t\tbreak;\n"
	"\t\t}\n\t\tif (err)\n\t\t\treturn err;\n\t}\n"
	"\tgrow_buf(fd[1], SO_SNDBUFFORCE, SO_SNDBUF);\n"
	"\tif (IS_UNIX && !IS_STREAM)\n\t\tset_int(fd[0], SOL_SOCKET, SO_PASSCRED, 1);\n"
	"\tif (!IS_UNIX && IS_STREAM)\n\t\tset_int(fd[1], IPPROTO_TCP, TCP_NODELAY, 1);\n"
	"\tc->fd[0] = fd[0];\n\tc->fd[1] = fd[1];\n\tc->id = listener;\n"
	"\tc->ends = END_READ | END_WRITE;\n\treturn 0;\n}\n\n"
	"/* A join by address (write only, nothing inherited): a socket of the\n"
	" * joiner's own, connected to the creator's path or abstract name. */\n"
	"static long sock_join(struct chan *c, const struct ref *rf, unsigned ends)\n{\n"
	"\tstruct sockaddr_un a;\n"
	"\tif (c->fd[0] >= 0 || c->fd[1] >= 0 || ends != END_WRITE || rf->id <= 0 ||\n"
	"\t    (rf->name[0] != '/' && rf->name[0] != '@'))\n\t\treturn 0; /* inherited */\n"
	"\tsocklen_t alen = unix_addr(&a, rf);\n"
	"\tint s = socket(AF_UNIX, rf->id | SOCK_CLOEXEC, 0);\n"
	"\tif (s < 0)\n\t\treturn -errno;\n"
	"\tif (connect(s, (struct sockaddr *)&a, alen)) {\n"
	"\t\tlong e = -errno;\n\t\tclose(s);\n\t\treturn e;\n\t}\n"
	"\tgrow_buf(s, SO_SNDBUFFORCE, SO_SNDBUF);\n"
	"\tc->fd[1] = s;\n\tc->ends = END_WRITE;\n\treturn 0;\n}\n\n"
	"/* The model's barrier after a join by address: the creator accepts it;\n"
	" * its handle is the accepted socket's receiving end from then on. */\n"
	"static long settle(struct chan *c, long want)\n{\n"
	"\tstruct pollfd p = {.fd = c->id, .events = POLLIN};\n"
	"\tif (want != 1 || c->id < 0 || poll(&p, 1, 2000) != 1)\n\t\treturn 0;\n"
	"\tint a = accept4(c->id, NULL, NULL, SOCK_CLOEXEC);\n"
	"\tif (a < 0)\n\t\treturn -errno;\n"
	"\tfor (int i = 0; i < 2; i++)\n\t\tif (c->fd[i] >= 0)\n\t\t\tclose(c->fd[i]);\n"
	"\tif (!IS_STREAM)\n\t\tset_int(a, SOL_SOCKET, SO_PASSCRED, 1);\n"
	"\tc->fd[0] = a;\n\tc->fd[1] = -1;\n\tc->ends = END_READ;\n\treturn 1;\n}\n\n"
	"/* An id as ipcfuzz reports it: 0 none, 1 + its index in the identity\n"
	" * table, 5 any other. */\n"
	"static int64_t id_code(uint32_t id)\n{\n"
	"\tstatic const uint32_t ids[] = {%s};\n"
	"\tfor (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++)\n"
	"\t\tif (ids[i] == id)\n\t\t\treturn i + 1;\n"
	"\treturn id == UINT32_MAX ? 0 : 5;\n}\n\n"
	"/* SO_PEERCRED: who (this process: the actor the model expects), uid, gid. */\n"
	"static long peercred(struct chan *c, long want)\n{\n"
	"\tint fd = c->fd[0] >= 0 ? c->fd[0] : c->fd[1];\n\tstruct ucred cr;\n"
	"\tsocklen_t len = sizeof cr;\n"
	"\tif (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))\n\t\treturn -errno;\n"
	"\tlong who = !cr.pid ? 0 : cr.pid == getpid() && (want & 7) ? (want & 7) : "
	"ANC_CRED_OTHER;\n"
	"\treturn who | id_code(cr.uid) << 3 | id_code(cr.gid) << 6;\n}\n\n"
	"/* SCM_RIGHTS carries a memfd whose first byte is the tag (the seed). */\n"
	"static int tag_fd(uint8_t tag)\n{\n"
	"\tint fd = memfd_create(\"ipcfuzz-scm\", MFD_CLOEXEC);\n"
	"\tif (fd >= 0 && pwrite(fd, &tag, 1, 0) != 1) {\n\t\tclose(fd);\n\t\tfd = -1;\n\t}\n"
	"\treturn fd;\n}\n\n"
	"union cmsg_room {\n\tstruct cmsghdr align;\n"
	"\tchar buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];\n};\n\n"
	"/* A datagram send may carry `extra` zero bytes after its payload. */\n"
	"static uint8_t wide[%u];\n\n"
	"static long sock_send(struct chan *c, size_t len, size_t extra, int rights, int creds,\n"
	"\t\t      uint8_t tag, int nowait)\n{\n"
	"\tmemcpy(wide, pay, len);\n\tmemset(wide + len, 0, extra);\n"
	"\tstruct iovec iov = {.iov_base = wide, .iov_len = len + extra};\n"
	"\tstruct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};\n"
	"\tunion cmsg_room room;\n\tint passed = -1;\n\tsize_t used = 0;\n"
	"\tif (c->fd[1] < 0)\n\t\treturn -EBADF;\n"
	"\tmemset(&room, 0, sizeof room);\n"
	"\tif (IS_UNIX && (rights || creds)) {\n"
	"\t\tmh.msg_control = room.buf;\n\t\tmh.msg_controllen = sizeof room.buf;\n"
	"\t\tstruct cmsghdr *cm = CMSG_FIRSTHDR(&mh);\n"
	"\t\tif (rights) {\n\t\t\tif ((passed = tag_fd(tag)) < 0)\n\t\t\t\treturn -errno;\n"
	"\t\t\tcm->cmsg_level = SOL_SOCKET;\n\t\t\tcm->cmsg_type = SCM_RIGHTS;\n"
	"\t\t\tcm->cmsg_len = CMSG_LEN(sizeof(int));\n"
	"\t\t\tmemcpy(CMSG_DATA(cm), &passed, sizeof passed);\n"
	"\t\t\tused += CMSG_SPACE(sizeof(int));\n"
	"\t\t\tcm = (struct cmsghdr *)(room.buf + used);\n\t\t}\n"
	"\t\tif (creds) {\n"
	"\t\t\tstruct ucred cr = {.pid = getpid(), .uid = geteuid(), .gid = getegid()};\n"
	"\t\t\tcm->cmsg_level = SOL_SOCKET;\n\t\t\tcm->cmsg_type = SCM_CREDENTIALS;\n"
	"\t\t\tcm->cmsg_len = CMSG_LEN(sizeof cr);\n"
	"\t\t\tmemcpy(CMSG_DATA(cm), &cr, sizeof cr);\n"
	"\t\t\tused += CMSG_SPACE(sizeof cr);\n\t\t}\n"
	"\t\tmh.msg_controllen = used;\n\t}\n"
	"\tssize_t n = sendmsg(c->fd[1], &mh, MSG_NOSIGNAL | (nowait ? MSG_DONTWAIT : 0));\n"
	"\tlong r = n < 0 ? -errno : n;\n"
	"\tif (passed >= 0)\n\t\tclose(passed);\n\treturn r;\n}\n\n"
	"/* What the control data says, as ipcfuzz reports it (the type field). */\n"
	"static int64_t ancillary(struct msghdr *mh, int64_t want)\n{\n"
	"\tint64_t anc = 0;\n"
	"\tfor (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {\n"
	"\t\tif (cm->cmsg_level != SOL_SOCKET)\n\t\t\tcontinue;\n"
	"\t\tif (cm->cmsg_type == SCM_RIGHTS) {\n"
	"\t\t\tsize_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);\n"
	"\t\t\tfor (size_t i = 0; i < n; i++) {\n\t\t\t\tint fd;\n\t\t\t\tuint8_t tag = 0;\n"
	"\t\t\t\tmemcpy(&fd, CMSG_DATA(cm) + i * sizeof fd, sizeof fd);\n"
	"\t\t\t\tif (pread(fd, &tag, 1, 0) == 1)\n\t\t\t\t\tanc |= ANC_FD | tag;\n"
	"\t\t\t\tclose(fd);\n\t\t\t}\n"
	"\t\t} else if (cm->cmsg_type == SCM_CREDENTIALS) {\n"
	"\t\t\tstruct ucred cr;\n\t\t\tmemcpy(&cr, CMSG_DATA(cm), sizeof cr);\n"
	"\t\t\t/* every actor is this process: the one the model expects */\n"
	"\t\t\tint64_t who = (want >> ANC_CRED_SHIFT) & 7;\n"
	"\t\t\tif (cr.pid != getpid() || !who)\n\t\t\t\twho = ANC_CRED_OTHER;\n"
	"\t\t\tanc |= who << ANC_CRED_SHIFT | id_code(cr.uid) << ANC_UID_SHIFT |\n"
	"\t\t\t       id_code(cr.gid) << ANC_GID_SHIFT;\n\t\t}\n\t}\n"
	"\tif (mh->msg_flags & MSG_TRUNC)\n\t\tanc |= ANC_TRUNC;\n"
	"\tif (mh->msg_flags & MSG_CTRUNC)\n\t\tanc |= ANC_CTRUNC;\n"
	"\treturn anc;\n}\n\n"
	"/* noerror: room for the credentials only, so a descriptor does not fit. */\n"
	"static long sock_recv(struct chan *c, size_t cap, int noerror, int peek, int nowait,\n"
	"\t\t      int64_t *mtype, int64_t want)\n{\n"
	"\tstruct iovec iov = {.iov_base = buf, .iov_len = cap};\n"
	"\tstruct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};\n"
	"\tunion cmsg_room room;\n"
	"\tif (c->fd[0] < 0)\n\t\treturn -EBADF;\n"
	"\tif (IS_UNIX || !IS_STREAM) {\n\t\tmh.msg_control = room.buf;\n"
	"\t\tmh.msg_controllen = noerror ? CMSG_SPACE(IS_STREAM ? 0 : sizeof(struct ucred))\n"
	"\t\t\t\t\t    : sizeof room.buf;\n\t}\n"
	"\tssize_t n = recvmsg(c->fd[0], &mh, (nowait ? MSG_DONTWAIT : 0) | (peek ? MSG_PEEK : "
	"0));\n"
	"\tif (n < 0)\n\t\treturn -errno;\n"
	"\tif (IS_UNIX || !IS_STREAM)\n\t\t*mtype = ancillary(&mh, want);\n"
	"\treturn n;\n}\n\n"
	"static long sock_shutdown(struct chan *c, int how)\n{\n"
	"\tif (how != SHUT_WR && c->fd[0] >= 0 && shutdown(c->fd[0], SHUT_RD))\n"
	"\t\treturn -errno;\n"
	"\tif (how != SHUT_RD && c->fd[1] >= 0 && shutdown(c->fd[1], SHUT_WR))\n"
	"\t\treturn -errno;\n"
	"\tif ((how == SHUT_RD && c->fd[0] < 0) || (how == SHUT_WR && c->fd[1] < 0))\n"
	"\t\treturn -EBADF;\n"
	"\treturn 0;\n}\n";

void sock_to_c(FILE *f, const struct op *op, const struct sock_kind *k)
{
	if (!op) {
		char ids[64];
		size_t n = 0;
		for (unsigned i = 0; i < IDENT_IDS; i++)
			n += (size_t)snprintf(ids + n, sizeof ids - n, "%s%uu", i ? ", " : "",
					      ident_id(i));
		fprintf(f, helpers, k->domain, k->type, SOCK_SNDBUF_WANT, SOCK_ANC_FD,
			SOCK_ANC_CRED_SHIFT, SOCK_ANC_CRED_OTHER, SOCK_ANC_TRUNC, SOCK_ANC_CTRUNC,
			SOCK_ANC_UID_SHIFT, SOCK_ANC_GID_SHIFT, ids, IPCF_MAX_LEN + 1 + 32768);
		return;
	}
	unsigned fl = op->flags;
	switch (op->kind) {
	case OP_CREATE: {
		unsigned form = op_create_form(op);
		int how = form == NAME_SLOT ? 0 : form == NAME_PRIVATE ? 1 : 2;
		fprintf(f, "\t\tr = sock_make(c, rf, %d, 0%o);\n", how, op_create_mode(op));
		break;
	}
	case OP_JOIN: /* inherited (dup), or by address */
		fprintf(f, "\t\tr = sock_join(c, rf, 0x%xu);\n", fl & (OPF_READ | OPF_WRITE));
		break;
	case OP_SEND: {
		/* a datagram's negative arg: that many zero bytes more */
		unsigned extra = k->type != SOCK_STREAM && op->arg < 0 ? (unsigned)-op->arg : 0;
		fprintf(f, "\t\tr = sock_send(c, %u, %u, %d, %d, %u, %d);\n", op->len, extra,
			(fl & OPF_RIGHTS) != 0, (fl & OPF_CREDS) != 0, op->seed,
			(fl & OPF_NOWAIT) != 0);
		break;
	}
	case OP_RECV:
		fprintf(f, "\t\tr = sock_recv(c, %u, %d, %d, %d, &mtype, want_mtype);\n", op->len,
			(fl & OPF_NOERROR) != 0, (fl & OPF_PEEK) != 0, (fl & OPF_NOWAIT) != 0);
		break;
	case OP_CLOSE: /* the listening socket goes with the last end */
		stream_fd_to_c(f, op);
		fprintf(f, "\t\tif (!c->ends && c->id >= 0)\n\t\t\tclose(c->id);\n"
			   "\t\tc->id = c->ends ? c->id : -1;\n");
		break;
	case OP_DESTROY:
		fprintf(f, "\t\tr = unix_unlink(rf);\n");
		break;
	case OP_PERM: /* the socket file: by path only */
		fprintf(f, "\t\tif (rf->name[0] != '/') {\n\t\t\tr = -ENOTSUP;\n\t\t} else {\n");
		to_c_perm_path(f, op, "rf->name");
		fprintf(f, "\t\t}\n");
		break;
	case OP_SETOPT:
		if (op->arg == OPT_SHUTDOWN)
			fprintf(f, "\t\tr = sock_shutdown(c, %u);\n", op->len % 3u);
		else if (op->arg == OPT_PEERCRED && k->domain == AF_UNIX)
			fprintf(f, "\t\tr = peercred(c, want_ret);\n");
		else
			fprintf(f, "\t\tr = -ENOTSUP; /* no such option */\n");
		break;
	}
}
