/* The oracle: a small reference model per semantic class predicts every op's
 * result, data and error code.  The core here keeps what is common (objects,
 * names, handles, who may block); class files keep the data semantics.
 *
 * Determinism rule: only peers may be left blocked, at most one op per
 * object, and only where its completion is a single well-defined event; any
 * other op the model predicts to block is run non-blocking and must report
 * "would block" exactly. */
#ifndef IPCFUZZ_MODEL_H
#define IPCFUZZ_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "../../targets/mechanism.h"
#include "limits.h"

#define MODEL_MAX_KOBJ 16

/* Scans and resets of the model's own tables: their branches say which
 * slots are in use, nothing about the kernel, and under the fuzzing presets
 * every comparison in their unrolled loops costs a callback (~8% of a
 * program's time).  Out of coverage feedback, as the plumbing in
 * sanitizers/coverage_ignore.txt is (noinline: inlined, they would be
 * instrumented as part of their callers). */
#define MODEL_BOOKKEEPING __attribute__((noinline, no_sanitize("coverage")))

struct expect {
	int64_t ret;
	int32_t err;	 /* 0 = success */
	int32_t err_alt; /* a second acceptable errno (e.g. EIDRM for EINVAL) */
	/* A second acceptable (ret, errno) with no data, where the kernel may
	 * legitimately do either (a blocked tty reader at hangup: EIO or EOF). */
	bool has_alt;
	int64_t alt_ret;
	int32_t alt_err;
	/* The model cannot say (it says so instead of guessing): any result
	 * is accepted except a hang. */
	bool unsure;
	/* ... and two runs may differ there (the kernel's timing decides: a
	 * tty's worker), so the differential run does not compare them. */
	bool varies;
	int64_t mtype; /* checked when has_mtype */
	bool has_mtype;
	bool skipped;  /* handle not open: nothing should run */
	uint32_t len;  /* expected data bytes */
	uint8_t *data; /* owned by the model, valid until the next step */
};

enum step_how {
	STEP_RUN,  /* run it, compare with ex */
	STEP_SKIP, /* do not run: the handle does not exist */
	STEP_PEND, /* run it; it blocks; its result comes with a later step */
};

struct step {
	enum step_how how;
	bool force_nowait; /* predicted to block: run non-blocking instead */
	int join_from;	   /* JOIN_BY_INHERIT: actor whose descriptors to copy */
	unsigned join_ends;
	struct expect ex;
	/* Pending ops this step lets finish: done[a] is valid when completes[a]. */
	bool completes[IPCF_ACTORS];
	struct expect done[IPCF_ACTORS];
	/* Actors this op ends (a fatal signal): the executor waits for them to
	 * be gone; the op's own actor, if among them, gives no result. */
	unsigned kills;
	/* Pending ops to interrupt (EINTR) before this op runs, because what it
	 * does would race with their waking (cancelled[a] is the op). */
	unsigned cancels;
	struct op cancelled[IPCF_ACTORS];
	/* Peers that must run once after this op (a round trip) before the
	 * next: something was delivered to them asynchronously (a handler). */
	unsigned sync;
	/* Deliveries this op started that the kernel finishes asynchronously
	 * (a tty's flip buffers are pushed by a kworker): before the next op,
	 * settle[i].actor waits on its handle settle[i].obj until FIONREAD
	 * says want bytes, or (want < 0) until poll() has flushed the pending
	 * work.  A wait that times out is a finding ("settle"). */
	int nsettle;
	struct {
		int8_t actor;
		uint8_t obj;
		int64_t want;
	} settle[2];
};

/* Sockets (datagram.c): what a sender's buffer holds, as the most the
 * kernel can charge for it, and whether the model still follows it. */
struct sock_room {
	bool sock;	/* a socket (the byte-stream class also models pipes) */
	bool shut;	/* shutdown(2) in the direction the channel is used: sends EPIPE */
	bool shut_rd;	/* ... and the receiver has RCV_SHUTDOWN (EOF, no wait) */
	bool inet;	/* tcp, udp: the receiver's buffer counts too */
	bool warned;	/* the sender learnt (or will learn) that its peer is gone */
	bool unsure;	/* more was queued than surely fits: results not followed */
	size_t charged; /* upper bound of the buffer space in use */
	size_t cap;	/* the sender's buffer */
};
/* The state of one kernel object, by class. */
struct stream_state;
struct queue_state;
struct records_state;

/* Owner and mode of an object (ipc_perm, or an inode's uid/gid/mode). */
struct perm {
	uint32_t uid, gid, cuid, cgid;
	unsigned mode;
	unsigned dir_mode; /* unix sockets: the path's directory (0: an abstract name) */
};

struct kobj {
	bool used;
	bool named;   /* reachable by its name or key */
	bool removed; /* SysV IPC_RMID: every use fails, waiters woke */
	int name_id;  /* slot*8+form, or -1 for IPC_PRIVATE / anonymous */
	int ns;	      /* namespace its name lives in (the mechanism's isolation) */
	struct perm perm;
	void *state; /* class state (kept when the object is gone, for reuse) */
};

/* Who holds a handle: the object's creator or someone who joined it
 * (a receiver and its senders; a pty's master and its slaves). */
enum handle_role { ROLE_CREATOR, ROLE_JOINER };

struct handle {
	int kobj; /* -1 = not open */
	unsigned ends;
	bool stale; /* a SysV id from another IPC namespace: names nothing here */
	uint8_t role;
};

struct pending {
	bool active;
	struct op op;
	int kobj;
};

/* Unix sockets joined by their address (sock_join.c): who holds each
 * slot's listening socket, and who each socket of an object says its peer
 * is (SO_PEERCRED). */
struct sock_peer {
	int8_t actor; /* -1: none (an unconnected datagram socket) */
	uint8_t life; /* the actor's process then (a restarted one is another) */
	uint32_t uid, gid;
};
struct sock_addrs {
	int8_t listener[IPCF_OBJS];  /* whose slot handle holds the bound socket, -1 */
	bool has_addr[IPCF_OBJS];    /* the slot's last create bound a path or a name */
	bool unlinked[IPCF_OBJS];    /* the slot's path was removed */
	bool joined[MODEL_MAX_KOBJ]; /* a datagram receiver others connected to */
	uint8_t life[IPCF_ACTORS];
	struct sock_peer peer[MODEL_MAX_KOBJ][2]; /* [0] the reader's socket, [1] the sender's */
};

struct model {
	const struct mechanism *mech;
	const struct class_model *cls;
	struct limits lim;
	struct kobj objs[MODEL_MAX_KOBJ];
	int slot_name[IPCF_OBJS]; /* name id the slot's last successful create used */
	int slot_kobj[IPCF_OBJS]; /* kernel object the slot's last create gave */
	struct handle h[IPCF_ACTORS][IPCF_OBJS];
	struct pending pend[IPCF_ACTORS];
	struct cred cred[IPCF_ACTORS];		/* who each actor is now */
	int next_ns;				/* namespace ids handed out so far */
	bool ns_had_objs[1 + 3 * IPCF_MAX_OPS]; /* some object was made in it */
	uint8_t *scratch[IPCF_ACTORS + 1];
	void *ctx;	  /* class state that outlives objects (processes) */
	struct step *cur; /* the step being predicted (class models add kills) */
	/* unix sockets joined by address (sock_join.c) */
	struct sock_addrs sa;
};

/* Class models: data semantics of one kind of channel. */
struct class_model {
	/* Sets up the state of a new object in `reuse` (the buffer an earlier
	 * object of this slot had, or NULL): buffers live for the whole run so
	 * a fuzz iteration does not allocate. */
	void *(*new_state)(const struct model *m, const struct op *create, void *reuse);
	void (*free_state)(void *state);
	/* Predicts and applies; sets *blocks when the op would wait. */
	void (*send)(struct model *m, struct kobj *o, const struct op *op, const uint8_t *payload,
		     struct expect *ex, bool *blocks);
	void (*recv)(struct model *m, struct kobj *o, const struct op *op, struct expect *ex,
		     bool *blocks);
	void (*setopt)(struct model *m, struct kobj *o, const struct op *op, struct expect *ex);
	/* Optional: errors the kernel finds in an op's arguments before it
	 * checks permissions (msgsnd's mtype and size). */
	int (*arg_err)(const struct model *m, const struct op *op);
	/* Optional: an extra EPERM of IPC_SET (a queue size only
	 * CAP_SYS_RESOURCE may keep). */
	int (*set_err)(const struct model *m, int actor, const struct kobj *o);
	/* May a peer's op of this kind be left blocked deterministically? */
	bool (*may_pend)(const struct op *op);
	/* Does the pending op finish now?  If so, fill ex and apply. */
	bool (*try_finish)(struct model *m, struct kobj *o, const struct op *op, bool removed,
			   struct expect *ex);
	/* Optional (NAMING_DEVICE): a create claims the existing object for its
	 * actor; returns 0 or the errno (EBUSY while someone else holds it). */
	int (*claim)(struct model *m, struct kobj *o, const struct op *create);
	/* Optional: the actor's handle on o is gone (close, kill, re-create). */
	void (*release)(struct model *m, struct kobj *o, int actor);
	/* Optional hooks (NULL = not needed by the class). */
	/* Identities (OP_IDENT) are not modelled: the harness skips them. */
	bool no_ident;
	/* The read and write ends close separately (OP_CLOSE read / write). */
	bool two_ends;
	/* May the harness run this create at all?  (No: it is skipped.) */
	bool (*may_create)(const struct model *m, const struct op *op);
	/* State shared by all objects: made once, reset per program. */
	void *(*ctx_new)(const struct model *m);
	void (*ctx_free)(void *ctx);
	void (*ctx_reset)(struct model *m);
	/* An actor's process ended (OP_KILL or a kill the class predicted). */
	void (*actor_gone)(struct model *m, int actor);
	/* A handle on object k went away (close, replaced, its actor died). */
	void (*closed)(struct model *m, int k, int actor, uint8_t role);
	/* JOIN_BY_ADDRESS: the object a join of op->obj reaches (its handle
	 * gets *ends), or a negative errno (-1: ENOENT).  It checks the
	 * actor's access (access_check, WANT_OPEN) itself, before any effect
	 * the open has, as the kernel's path walk comes first. */
	int (*resolve_join)(struct model *m, const struct op *op, unsigned *ends);
	/* May this blocked op, in this state, be left pending (may_pend said
	 * the kind may)? */
	bool (*can_pend)(const struct model *m, const struct kobj *o, const struct op *op);
	/* fifo, posix-mq.  Optional: the errno of a create that makes a new
	 * object (mq_open's attributes), 0 when it works. */
	int (*create_err)(const struct model *m, const struct op *create);
	/* Shared memory (sysv-shm, memfd, mmap-*), all optional. */
	/* A create (k: the object it finds, -1: a new one) or a join (k) may
	 * still fail for the class's reasons (shmget's size, shmat's
	 * permission): 0 or the errno, checked after EEXIST and ENOENT. */
	int (*open_err)(const struct model *m, int k, const struct op *op);
	/* A create or join gave op->actor a handle on k. */
	void (*opened)(struct model *m, int k, const struct op *op);
	/* IPC_RMID: true when the object goes now, false when it lives on
	 * until its last handle closes (the class's `closed` removes it). */
	bool (*rmid_now)(struct model *m, int k);
	/* A join by id uses the id at once (shmat): a gone id fails the join. */
	bool join_uses_id;
	/* This setopt only reads (IPC_STAT): read permission, not ownership. */
	bool (*is_query)(const struct op *op);
};

extern const struct class_model model_byte_stream, model_typed_queue, model_shared_records,
	model_request_reply, model_signals, model_line_discipline;
extern const struct class_model model_priority_queue;		     /* fifo, posix-mq */
extern const struct class_model model_socket_stream, model_datagram; /* sockets */
extern const struct class_model model_counting_sem;		     /* sync */

void model_init(struct model *m, const struct mechanism *mech, const struct limits *lim);
void model_free(struct model *m);
/* Forgets all objects and handles: the start of a new program. */
void model_reset(struct model *m);
/* Predicts op (payload is what a send will carry) and applies it. */
void model_step(struct model *m, const struct op *op, const uint8_t *payload, struct step *st);
/* JOIN_BY_INHERIT: the actor whose descriptors a join would copy, or -1. */
int model_join_source(const struct model *m, const struct op *op);
/* The executor interrupts actor's pending op (the actor is needed again). */
void model_cancel(struct model *m, int actor, struct expect *ex);

/* Socket rooms (datagram.c). */
/* actor: whose socket sends (its capabilities size the buffer). */
void sock_room_init(const struct model *m, int actor, struct sock_room *r);
/* False (and the op is unsure, run non-blocking) when len may not fit. */
bool sock_room_charge(struct model *m, struct sock_room *r, size_t len, struct expect *ex);
/* True (and the op is unsure) once the model stopped following. */
bool sock_room_unsure(struct model *m, struct sock_room *r, struct expect *ex);
/* OPT_SHUTDOWN: needs the end(s) it shuts; other options ENOTSUP.  A
 * connected type propagates a shutdown to the peer (either side's ends the
 * direction); a unix datagram's SHUT_WR leaves its receiver as it was. */
void sock_room_shutdown(struct model *m, struct sock_room *r, const struct op *op, bool propagate,
			struct expect *ex);

/* Access rules (access.c).  Each returns 0 or the errno the kernel gives. */
enum access_want {
	WANT_OPEN, /* join by name, or a create that finds the object */
	WANT_SEND,
	WANT_RECV,
	WANT_CTL,    /* setopt: IPC_STAT then IPC_SET by the owner */
	WANT_PERM,   /* OP_PERM: IPC_SET / fchown+fchmod */
	WANT_UNLINK, /* destroy */
	WANT_STAT,   /* IPC_STAT alone: the ctl bits, no ownership */
	/* unix sockets */
	WANT_CONNECT, /* connect(2) to the object's address */
};
void access_reset(struct model *m);
/* OP_IDENT: predicts it and, when it works, gives the actor the identity. */
int access_ident(struct model *m, const struct op *op);
/* A peer was restarted: its private namespaces are new, the old ones (and
 * every object in them) are gone. */
void access_restart(struct model *m, int actor);
/* The namespace the actor looks names up in. */
int access_ns(const struct model *m, int actor);
/* A new object: the creator owns it, its mode is the create's (umask). */
void access_own(struct model *m, int actor, struct kobj *o, const struct op *create);
int access_check(const struct model *m, int actor, const struct kobj *o, enum access_want w,
		 const struct op *op);
/* sync: the mode bits (4 read, 2 write) alone, for a class whose ops ask
 * for different bits by their arguments (semop: 0 reads, else alters). */
/* OPEN_FIFO: 0 when the first of an open of both ends, the read end's
 * O_RDONLY, would go (see fifo_refused_write in model.c). */
int access_fifo_read_end(const struct model *m, int actor, const struct kobj *o,
			 const struct op *op);
int access_bits(const struct model *m, int actor, const struct kobj *o, unsigned bits);
/* OP_PERM succeeded: the new owner and mode. */
void access_set(struct kobj *o, const struct op *op);
bool access_cap(const struct model *m, int actor, int cap);

/* For sock_join.c: closes actor's handle in slot (as a create or join
 * does first); a new object for op, or -1. */
void model_close(struct model *m, int actor, int slot);
int model_new_kobj(struct model *m, const struct op *op);

/* For class models: open handles on object k with the given end. */
int model_count_ends(const struct model *m, int k, unsigned end);
uint8_t *model_scratch(struct model *m, int which);
int model_kobj_index(const struct model *m, const struct kobj *o);
/* The op's own expectation and the pending ops' ones are final: the class
 * predicts that `actor`'s process ends with this step. */
void model_kill_actor(struct model *m, int actor);
/* The class needs actor's pending op interrupted before this op runs. */
void model_cancel_first(struct model *m, int actor);
/* The same for every op pending on object k but `except`'s (-1: none). */
void model_cancel_first_on(struct model *m, int k, int except);
/* The class needs actor to run once after this op (asynchronous delivery). */
void model_sync_actor(struct model *m, int actor);
/* The class needs a barrier after this op (see struct step.settle). */
void model_settle(struct model *m, int actor, int obj, int64_t want);

/* Unix sockets joined by address (sock_join.c). */
void sock_join_reset(struct model *m);
/* Does this join connect to the slot's address (not inherit)? */
bool sock_join_connects(const struct model *m, const struct op *op);
void sock_join_step(struct model *m, const struct op *op, struct step *st);
/* A create made object k: 0, or the errno of its own connect. */
int sock_join_created(struct model *m, const struct op *op, int k);
void sock_join_closed(struct model *m, int actor, int slot);
void sock_join_actor_gone(struct model *m, int actor);
/* destroy: unlinks the slot's path (EACCES for others). */
void sock_join_destroy(struct model *m, const struct op *op, struct expect *ex);
/* OPT_PEERCRED: true when it was that option (ex says what it returns). */
bool sock_join_peercred(struct model *m, const struct kobj *o, const struct op *op,
			struct expect *ex);
/* perm: a unix socket's is its slot's path (*k); true when it fails
 * before the access rule (ENOTSUP: no path; ENOENT: not there). */
bool sock_join_perm(const struct model *m, const struct op *op, int *k, struct expect *ex);
/* What SCM_CREDENTIALS of a message from actor says besides its pid. */
int64_t sock_join_cred_ids(const struct model *m, int actor);

/* fifo, posix-mq: a join with OPEN_FIFO (fifo_open.c). */
unsigned fifo_join_ends(const struct op *op);
/* 0, an errno, or -1: it waits (nowait: as with O_NONBLOCK). */
int fifo_open_predict(const struct model *m, const struct op *op, int k, bool nowait);
/* A waiting open of op finishes when the other side is open. */
bool fifo_try_open(struct model *m, int actor, const struct op *op, int k, struct expect *ex);
/* Nobody has object k open: the kernel's pipe is new (empty, default size). */
void fifo_fresh(struct model *m, int k);
/* posix-mq (priority_queue.c): a create's size as mq_attr (0: defaults),
 * and the word OPT_NONBLOCK returns (mq_getattr, packed). */
void mq_attr_of(const struct limits *lim, unsigned size, long *maxmsg, long *msgsize);
int64_t mq_attr_word(long msgsize, long maxmsg, int old_nonblock, long curmsgs);

#endif
