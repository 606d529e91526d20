/* An op program: the bounded, deterministic unit that fuzz bytes decode into.
 *
 * Every op names an actor (0 = the executor itself, 1..IPCF_PEERS = helper
 * processes started once and driven by command) and an object slot.  The pair
 * (actor, obj) is a handle: one process's view of one channel.  Programs are
 * pure data; the executor gives them meaning through a mechanism descriptor
 * and the model of the mechanism's semantic class judges every result. */
#ifndef IPCFUZZ_PROG_H
#define IPCFUZZ_PROG_H

#include <stddef.h>
#include <stdint.h>

#define IPCF_MAX_OPS  32     /* ops per program; longer inputs are cut */
#define IPCF_OP_BYTES 8	     /* one op = one fixed-width record */
#define IPCF_ACTORS   3	     /* executor + 2 peers */
#define IPCF_OBJS     4	     /* object slots per program */
#define IPCF_MAX_LEN  32767u /* len field: 15 bits (see prog_decode) */

enum op_kind {
	OP_CREATE,  /* make object `obj` (name form, mode, size, creat/excl) */
	OP_JOIN,    /* actor finds the object by name/key or inherits its fds */
	OP_SEND,    /* len bytes of payload(seed); arg = mtype / record index */
	OP_RECV,    /* buffer of len bytes; arg = msgtyp / record index */
	OP_CLOSE,   /* close the actor's read end, write end or both */
	OP_DESTROY, /* unlink / IPC_RMID the object */
	OP_SETOPT,  /* option arg (enum setopt_opt), value in len */
	OP_KILL,    /* SIGKILL a peer (actor >= 1); it is restarted lazily */
	OP_IDENT,   /* the actor takes an identity (uid, gid, groups, namespaces,
		     * umask; see ident.h): a peer is restarted under it */
	OP_PERM,    /* IPC_SET / fchown+fchmod: owner and mode at run time */
	OP_KIND_COUNT
};

/* Flag bits.  Each kind keeps only the bits that mean something to it, so
 * the decoded form is canonical and encode(decode(x)) decodes to itself.
 * A bit a kind does not otherwise use may carry a second name for that kind
 * (the text form prints the name of the op's kind). */
enum op_flag {
	OPF_NOWAIT = 1u << 0,  /* send/recv: IPC_NOWAIT / O_NONBLOCK */
	OPF_NOERROR = 1u << 1, /* recv: MSG_NOERROR */
	OPF_EXCEPT = 1u << 2,  /* recv: MSG_EXCEPT */
	OPF_CREAT = 1u << 3,   /* create: IPC_CREAT / O_CREAT */
	OPF_EXCL = 1u << 4,    /* create: IPC_EXCL / O_EXCL */
	OPF_READ = 1u << 5,    /* close: the read end */
	OPF_WRITE = 1u << 6,   /* close: the write end */
	/* send/recv: the use backend.  Without it the mechanism makes its
	 * system call (write, send, ...); with it the same call goes through
	 * io_uring (src/uring/), on the same descriptors, judged by the same
	 * model.  Mechanisms without an io_uring use path ignore it. */
	OPF_URING = 1u << 6,
	/* Second names, per kind (a bit the kind does not otherwise use). */
	OPF_QUEUE = 1u << 1,   /* send: sigqueue, with a value */
	OPF_THREAD = 1u << 2,  /* send: tgkill, to the thread */
	OPF_FD = 1u << 5,      /* recv: through a descriptor (signalfd) */
	OPF_HANDLER = 1u << 3, /* recv: what signal handlers recorded */
	OPF_SIG = 1u << 7,     /* recv: the signals a channel raised (tty) */
	/* Sockets (unix-*, tcp, udp).  recv `noerror` on a socket: no room for
	 * passed descriptors in the control buffer (MSG_CTRUNC). */
	OPF_PEEK = 1u << 4,   /* recv: MSG_PEEK */
	OPF_RIGHTS = 1u << 5, /* send: a descriptor travels along (SCM_RIGHTS) */
	OPF_CREDS = 1u << 7,  /* send: explicit SCM_CREDENTIALS */
	/* Shared memory (sysv-shm, memfd, mmap-*).  A join's `read` is also
	 * read-only for them (SHM_RDONLY, a PROT_READ mapping). */
	OPF_RDONLY = OPF_READ, /* join: SHM_RDONLY / a PROT_READ mapping */
	OPF_FORK = 1u << 3,    /* send: a forked child of the actor writes it */
};

/* A receive through io_uring from a pipe takes one of three routes; the
 * op's seed (text: via=) says which, so a program exercises each on
 * purpose.  Elsewhere, and without `uring`, the seed of a receive is 0. */
enum uring_via {
	VIA_READ,   /* IORING_OP_READ */
	VIA_SPLICE, /* IORING_OP_SPLICE into a scratch pipe, then read that */
	VIA_TEE,    /* IORING_OP_TEE (a copy), then READ takes the same bytes */
	VIA_COUNT
};

/* What OP_SETOPT changes (its arg).  The mechanism's class says which it
 * supports; the rest fail with ENOTSUP.  OPT_SIZE, the first, is the
 * capacity option older programs have (and print without opt=). */
enum setopt_opt {
	OPT_SIZE,      /* F_SETPIPE_SZ, IPC_SET msg_qbytes */
	OPT_BLOCK,     /* signal `value`: add to the blocked mask */
	OPT_UNBLOCK,   /* ... remove from it (pending ones are delivered) */
	OPT_CATCH,     /* ... install the recording handler */
	OPT_IGNORE,    /* ... SIG_IGN */
	OPT_DEFAULT,   /* ... SIG_DFL */
	OPT_RLIMIT,    /* RLIMIT_SIGPENDING soft limit = value */
	OPT_RAW,       /* termios: cfmakeraw */
	OPT_SANE,      /* termios: back to the pty's initial settings */
	OPT_IFLAG_ON,  /* termios: c_iflag |= value */
	OPT_IFLAG_OFF, /* termios: c_iflag &= ~value */
	OPT_OFLAG_ON,
	OPT_OFLAG_OFF,
	OPT_LFLAG_ON,
	OPT_LFLAG_OFF,
	OPT_CC,	   /* termios: c_cc[value >> 8] = value & 0xff */
	OPT_WINSZ, /* TIOCSWINSZ rows = value >> 8, cols = value & 0xff */
	OPT_CTTY,  /* setsid + TIOCSCTTY: the tty controls this actor */
	OPT_FLUSH, /* tcflush(value: 0 in, 1 out, 2 both) */
	/* fifo, posix-mq */
	OPT_NONBLOCK, /* mq_setattr: O_NONBLOCK = value & 1, then mq_getattr */
	OPT_NOTIFY,   /* mq_notify: value & 1 registers (SIGEV_NONE), 0 removes */
	/* sockets */
	OPT_SHUTDOWN, /* shutdown(value: 0 SHUT_RD, 1 SHUT_WR, 2 SHUT_RDWR) */
	/* shared memory (sysv-shm, memfd, mmap-*, posix-shm) */
	OPT_NATTCH,	 /* shmctl IPC_STAT: returns shm_nattch */
	OPT_TRUNCATE,	 /* ftruncate: the record region becomes value bytes */
	OPT_SEAL_WRITE,	 /* fcntl F_ADD_SEALS F_SEAL_WRITE */
	OPT_SEAL_SHRINK, /* ... F_SEAL_SHRINK */
	OPT_SEAL_GROW,	 /* ... F_SEAL_GROW */
	OPT_SEAL_SEAL,	 /* ... F_SEAL_SEAL */
	/* sockets: access (unix-*) */
	OPT_PEERCRED, /* getsockopt SO_PEERCRED: who the peer is (socket.h) */
	/* sync: semaphores (sysv-sem, posix-sem) and the shared-memory guards */
	OPT_GUARD,   /* shm: which primitive guards the records (enum shm_guard_kind) */
	OPT_GETVAL,  /* semctl GETVAL of semaphore `value` / sem_getvalue */
	OPT_SETVAL,  /* semctl SETVAL: semaphore value >> 12 = value & 0xfff */
	OPT_SEMSTAT, /* semctl IPC_STAT: returns sem_nsems */
	OPT_UNDO,    /* this handle's semops: SEM_UNDO = value & 1 (checks IPC_STAT) */
	OPT_COUNT
};

/* How OP_CREATE names its object: the mechanism maps the form to a key or a
 * path (the sandbox supplies the unique part). */
enum name_form {
	NAME_SLOT,    /* the slot's own valid name / key */
	NAME_PRIVATE, /* IPC_PRIVATE (SysV); for paths: a second valid name */
	NAME_EMPTY,   /* "" or "/" : EINVAL where names are checked */
	NAME_SLASH,   /* a '/' inside the name: EINVAL */
	NAME_LONG,    /* longer than NAME_MAX: ENAMETOOLONG */
	NAME_FORM_COUNT
};

struct op {
	uint8_t kind;  /* enum op_kind */
	uint8_t actor; /* 0 .. IPCF_ACTORS-1 */
	uint8_t obj;   /* 0 .. IPCF_OBJS-1 */
	uint8_t flags; /* enum op_flag, masked per kind */
	uint8_t seed;  /* payload generator seed (send); recv uring: enum uring_via */
	uint16_t len;  /* bytes to send, receive buffer size, size, option value */
	int16_t arg;   /* mtype / msgtyp / record index / signal / shape;
			* create: form | mode<<3; setopt: enum setopt_opt;
			* ident, perm: see ident.h */
};

struct prog {
	size_t n;
	struct op ops[IPCF_MAX_OPS];
};

/* create's arg packs the name form and the permission bits. */
static inline unsigned op_create_form(const struct op *op)
{
	return (unsigned)(uint16_t)op->arg & 7u;
}
static inline unsigned op_create_mode(const struct op *op)
{
	return ((unsigned)(uint16_t)op->arg >> 3) & 0777u;
}
static inline int16_t op_create_arg(unsigned form, unsigned mode)
{
	return (int16_t)(uint16_t)((form & 7u) | ((mode & 0777u) << 3));
}

/* Total: every byte string decodes to a valid program. */
void prog_decode(const uint8_t *data, size_t size, struct prog *p);
/* Canonical bytes; returns the number written (p->n * IPCF_OP_BYTES). */
size_t prog_encode(const struct prog *p, uint8_t *out, size_t cap);
/* Brings an op's fields into range; the decoder and the text parser use it. */
void op_normalize(struct op *op);

/* Text form: one op a line.  prog_format writes into buf (always
 * NUL-terminated) and returns the length it needed. */
size_t op_format(const struct op *op, char *buf, size_t cap);
size_t prog_format(const struct prog *p, char *buf, size_t cap);
/* Parses text; on error returns -1 and writes "line N: why" into err. */
int prog_parse(const char *text, struct prog *p, char *err, size_t errcap);

const char *op_kind_name(unsigned kind);
const char *setopt_opt_name(unsigned opt);

/* The use backend of a whole program (src/prog/backend.c). */
enum backend_mode {
	BACKEND_PROG,	 /* as each op says (its `uring` flag) */
	BACKEND_SYSCALL, /* every send/recv through system calls */
	BACKEND_URING,	 /* every send/recv through io_uring */
	BACKEND_BOTH,	 /* differential: syscalls, then io_uring, same results */
	BACKEND_COUNT
};
const char *backend_name(enum backend_mode m);
/* -1 for a name that is not one. */
int backend_parse(const char *name);
/* out = p with every send/recv's `uring` flag set (uring) or cleared;
 * receives keep their route (via=) where they had one, else op i takes
 * route i % VIA_COUNT, so a differential run tries every route. */
void prog_with_backend(const struct prog *p, int uring, struct prog *out);
/* Does any op go through io_uring? */
int prog_uses_uring(const struct prog *p);

#endif
