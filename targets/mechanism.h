/* A mechanism is a descriptor: data that says what the channel is and which
 * functions create, join, use and destroy it.  The executor and the peers
 * call only these; the model of `cls` judges what they return.  Adding a
 * mechanism is one file in targets/ and one line in registry.c. */
#ifndef IPCFUZZ_MECHANISM_H
#define IPCFUZZ_MECHANISM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../src/prog/prog.h"

/* Which reference model judges a mechanism. */
enum sem_class {
	CLASS_BYTE_STREAM,     /* pipe, fifo, unix-stream, tcp, pty (raw) */
	CLASS_TYPED_QUEUE,     /* SysV message queue */
	CLASS_SHARED_RECORDS,  /* shared memory under a process-shared lock */
	CLASS_REQUEST_REPLY,   /* Binder: transactions to a context manager, replies */
	CLASS_SIGNALS,	       /* signals: a process is the channel */
	CLASS_LINE_DISCIPLINE, /* pseudo-terminal: n_tty between master and slave */
	/* fifo, posix-mq */
	CLASS_PRIORITY_QUEUE, /* POSIX message queue: by priority, FIFO within one */
	/* sockets */
	CLASS_SOCKET_STREAM, /* unix-stream, tcp: a byte stream with socket capacity */
	CLASS_DATAGRAM,	     /* unix-dgram, unix-seqpacket, udp: edges kept, MSG_TRUNC */
	/* sync */
	CLASS_COUNTING_SEM, /* sysv-sem, posix-sem: a counter, V adds, P takes or waits */
	CLASS_COUNT
};

/* How a peer finds an object that someone else created. */
enum join_path {
	JOIN_BY_NAME,	 /* reopen by path, POSIX name or SysV key */
	JOIN_BY_INHERIT, /* no name: the descriptors travel (fork, SCM_RIGHTS) */
	JOIN_BY_ADDRESS, /* the creator's address travels in obj_ref (a pid, a
			  * ptsname); the class model says what a join reaches */
};

/* How create's name form becomes a name (so the model can predict errors). */
enum naming {
	NAMING_NONE,	   /* anonymous: the form is ignored */
	NAMING_SYSV_KEY,   /* slot key or IPC_PRIVATE; other forms use the slot key */
	NAMING_POSIX_NAME, /* "/name": empty, inner slash, too long are errors */
	NAMING_DEVICE,	   /* the slot is a device that always exists: create claims
			    * it (EBUSY while claimed), join opens it, destroy is a no-op */
	/* fifo, posix-mq */
	NAMING_PATH,	/* a file in the sandbox's directory: "" and a missing
			 * directory are ENOENT, a long name ENAMETOOLONG */
	NAMING_MQ_NAME, /* mq_open's "/name": "/" alone ENOENT, an inner slash
			 * EACCES, too long ENAMETOOLONG */
	/* sync */
	NAMING_SEM_NAME, /* sem_open's "/name": glibc calls every bad one EINVAL */
};

/* What a join by name opens (fifo, posix-mq). */
enum open_rule {
	OPEN_BOTH, /* every end, never waits */
	OPEN_FIFO, /* the ends its read/write flags say; a lone reader or writer
		    * waits for the other side, non-blocking: reader opens,
		    * writer ENXIO (src/model/fifo_open.c) */
};

/* What a peer needs to find an object: filled in by create, sent on join. */
struct obj_ref {
	char name[300];
	int32_t key;
	int32_t id;
	uint32_t size;
	uint8_t slot; /* the program's object slot (NAMING_DEVICE: which device) */
	/* Filled by the executor for every op: who is who right now (0 = not
	 * running), so a receiver can name the actor a signal came from. */
	int32_t pids[IPCF_ACTORS];
	/* ... and 1 + the op's index in its program: no two creates of one
	 * program share it (0: not an executor's op, e.g. the stress driver's). */
	uint16_t op_seq;
};

/* One actor's handle on one object, private to the actor's process. */
struct chan {
	unsigned ends; /* OPF_READ | OPF_WRITE still open */
	int fd[2];     /* [0] read end, [1] write end, -1 when not held */
	int id;	       /* SysV identifier (binder: the device's slot) */
	void *map;     /* shared mapping, NULL when none */
	size_t map_len;
	size_t size; /* usable bytes of the object as this handle sees it */
	int role;    /* mechanism-private (binder: context manager or client) */
	/* What the model expects this op to return.  Kernel paths that finish
	 * asynchronously (a tty's flip buffers are pushed by a kworker) wait
	 * for up to this much before looking; anything beyond it still shows. */
	int64_t hint;
	/* join: the op's flags (which ends, nowait; see enum open_rule). */
	unsigned open_flags;
};

/* What one op did.  err is a positive errno or 0; ret is the byte count or
 * the call's return value; data (when any) goes beside it. */
struct outcome {
	int64_t ret;
	int32_t err;
	int32_t skipped; /* the handle was not open: nothing was called */
	int64_t mtype;	 /* received message type */
	uint32_t len;	 /* bytes of data */
};

struct stress_profile; /* stress/stress.h */

/* Who may do what with a named object: data the access model
 * (src/model/access.c) reads, so a mechanism states its rule, not code. */
enum perm_model {
	PERM_NONE, /* no permission checks (anonymous: reached by inheritance) */
	PERM_SYSV, /* ipc_perm: mode against uid/cuid and gid/cgid, CAP_IPC_OWNER;
		    * IPC_RMID and IPC_SET by owner, creator or CAP_SYS_ADMIN */
	PERM_FILE, /* an inode: owner, group or other bits, CAP_DAC_OVERRIDE and
		    * CAP_DAC_READ_SEARCH; chown/chmod rules; a sticky directory */
};

struct access_rule {
	enum perm_model perm;
	unsigned isolation; /* the IDENT_NS_* bit whose namespace holds its names */
	/* Permission bits (4 read, 2 write) each path asks for: join opens it
	 * (and a create that finds it), ctl is IPC_STAT before IPC_SET. */
	uint8_t join, send, recv, ctl;
	uint8_t umask;	/* create's mode passes through the creator's umask */
	uint8_t sticky; /* destroy unlinks from a sticky directory (/dev/shm) */
	/* What a refused unlink reports: 0 = the kernel's EPERM. */
	uint8_t unlink_errno;
	/* The mode every new object gets whatever the create asks (devpts
	 * gives a slave its mount's mode=); 0 = the create's mode. */
	uint16_t fixed_mode;
	/* fifo, posix-mq: O_CREAT of someone else's object in the sticky
	 * directory is not refused (mq_open has no may_create_in_sticky). */
	uint8_t no_protected;
	/* UNIX sockets (targets/common/socket.c): a join that asks for the
	 * write end alone connects to the address the slot's create bound
	 * (its path, or create name=private's abstract name) instead of
	 * inheriting descriptors; the path asks for `join` bits on the
	 * socket file (through the creator's umask). */
	uint8_t by_connect;
	/* The path is in a directory the create made, mode 0700 | (mode &
	 * 0011) of the create's mode: a join needs search permission on it. */
	uint8_t dir_search;
	/* An abstract name has no inode and no permission: it is reachable
	 * from this namespace only (ECONNREFUSED elsewhere). */
	unsigned abstract_isolation;
	/* Its names are POSIX message queues: a peer's own IPC namespace is
	 * audited for them too (src/audit/ns_audit.c, a mount each). */
	uint8_t mqueue_names;
};

/* Every function returns 0 or a negative errno; data-moving ones return the
 * byte count.  Blocking calls are bounded by the caller's watchdog. */
struct mechanism {
	const char *id;	     /* stable: CLI, corpus folder, fuzz-<id> */
	const char *summary; /* one line for `ipcfuzz list` */
	enum sem_class cls;
	enum join_path join_path;
	enum naming naming;
	/* NULL when this kernel has it, else why not ("no /dev/binder"). */
	const char *(*probe)(void);
	int (*create)(struct chan *c, struct obj_ref *ref, const struct op *op);
	int (*join)(struct chan *c, const struct obj_ref *ref);
	ssize_t (*send)(struct chan *c, const struct op *op, const uint8_t *buf, size_t len);
	ssize_t (*recv)(struct chan *c, const struct op *op, uint8_t *buf, size_t cap,
			int64_t *mtype);
	int (*close)(struct chan *c, unsigned ends);
	int (*destroy)(struct chan *c, const struct obj_ref *ref);
	/* Optional: OP_SETOPT opt=size (NULL = ENOTSUP). */
	int (*setopt)(struct chan *c, unsigned value);
	/* Optional: OP_PERM, owner and mode at run time (NULL = ENOTSUP). */
	int (*set_perm)(struct chan *c, const struct obj_ref *ref, uint32_t uid, uint32_t gid,
			unsigned mode);
	/* Its access rule (NULL = none: anyone holding it may use it). */
	const struct access_rule *access;
	/* Optional: every other OP_SETOPT option (NULL = ENOTSUP).  Returns a
	 * value >= 0 or a negative errno. */
	int64_t (*control)(struct chan *c, const struct op *op);
	/* Does the object still exist? (leak ledger; NULL = dies with its fds) */
	int (*exists)(const struct obj_ref *ref);
	/* Optional: writes the C of one op for a standalone reproducer (see
	 * src/prog/to_c.h for what it may use); op NULL: its helper functions,
	 * once.  NULL: `ipcfuzz repro --to-c` does not support the mechanism. */
	void (*to_c)(FILE *f, const struct op *op);
	/* Optional: before an open handle is closed at the end of a program,
	 * what it still holds in the kernel that it should not (buffers, refs
	 * the process never gave back): appends "leak:<what> ..." lines to why. */
	void (*audit)(struct chan *c, char *why, size_t cap);
	/* The io_uring opcodes its use path makes when an op says `uring`
	 * (URING_OPS_* of src/uring/backend.h, checked by the probe); 0 = no
	 * io_uring use path, and the flag changes nothing. */
	uint64_t uring_ops;
	/* Optional: what its use path still does through system calls when an
	 * op says `uring`, and why (`ipcfuzz list` shows it). */
	const char *uring_syscalls;
	/* Optional: how `ipcfuzz stress` drives it (NULL = not stressed). */
	const struct stress_profile *stress;
	/* Optional: puts a new actor process (0 = the executor) into the state
	 * the model assumes, before its audit baseline is taken. */
	int (*actor_setup)(int actor);
	/* A peer that takes an identity runs actor_setup before it, as root
	 * (to open what only root may), unless this says after it. */
	bool setup_after_ident;
	/* A join with `read` (its second name, `rdonly`) opens or maps the
	 * object read-only: it asks only for read permission, and writes
	 * through it fault.  Elsewhere the flag means nothing to a join. */
	bool rdonly_join;
	/* Optional: a barrier for asynchronous deliveries (struct step.settle):
	 * waits until the handle has want bytes readable (want >= 0) or until
	 * poll() has flushed pending work (want < 0); returns what it saw. */
	int64_t (*settle)(struct chan *c, int64_t want, unsigned timeout_ms);
	/* Optional: after a program, once every handle is closed, brings the
	 * actor's process back to that state.  Returns 1 when it cannot (a
	 * session leader stays one): the executor then replaces the peer. */
	int (*actor_reset)(int actor);
	/* fifo, posix-mq: how a join by name opens it (0 = OPEN_BOTH). */
	enum open_rule open_rule;
	/* The OP_SETOPT options `control` takes (bit = enum setopt_opt);
	 * classes that read it answer ENOTSUP for the rest. */
	uint64_t options;
	/* Shared memory with no descriptor (an anonymous mapping): a join has
	 * nothing to inherit (EBADF); only the actor's forked children share it. */
	uint8_t fdless;
	/* create name=private maps the object MAP_PRIVATE (copy-on-write). */
	uint8_t cow_private;
	/* Optional, with to_c: why an op cannot be replayed by one process's
	 * plain syscalls (NULL: it can); `repro --to-c` refuses the program. */
	const char *(*to_c_refuses)(const struct op *op);
	/* Its to_c hook runs actors >= 1 as processes of their own (see
	 * src/prog/to_c.h, enum to_c_phase). */
	uint8_t to_c_actors;
};

extern const struct mechanism *const mechanisms[];
extern const size_t mechanism_count;
const struct mechanism *mechanism_find(const char *id);
/* The IDENT_NS_* namespaces this mechanism's names live in: the only ones
 * an identity's namespaces can change anything in for it. */
unsigned mechanism_namespaces(const struct mechanism *m);

/* Shared helpers for descriptor files. */
void chan_reset(struct chan *c);
/* Closes the listed ends of a descriptor-based channel. */
int chan_close_fds(struct chan *c, unsigned ends);
/* fchown then fchmod: OP_PERM of an object that is an inode. */
int fd_set_perm(int fd, uint32_t uid, uint32_t gid, unsigned mode);
/* NULL when path exists, else `why` (for probes). */
const char *probe_needs(const char *path, const char *why);

#endif
