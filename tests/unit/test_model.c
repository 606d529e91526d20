/* The models against hand-worked expectations (no kernel involved): the
 * corpus tests check the same models against the kernel. */
#include "../../src/model/model.h"
#include "../../src/model/n_tty.h"
#include "../../targets/common/socket.h"
#include "check.h"

#include <errno.h>
#include <signal.h>
#include <termios.h>
#include <string.h>

extern const struct mechanism mech_pipe, mech_sysv_msg, mech_posix_shm, mech_signal, mech_pty;
extern const struct mechanism mech_unix_stream, mech_unix_dgram, mech_tcp;

/* Root with every capability but CAP_SYS_RESOURCE (as in many containers),
 * umask 022, every id of the identity table mapped. */
static struct limits lim = {.page_size = 4096,
			    .pipe_buf = 4096,
			    .pipe_default_size = 65536,
			    .msgmax = 8192,
			    .msgmnb = 16384,
			    .self = {.caps = ~(1ull << 24), .umask = 022},
			    .setgroups_ok = true,
			    .mapped = 15,
			    .sigpending_soft = 1000,
			    .sigpending_hard = 2000};
static uint8_t payload[IPCF_MAX_LEN + 1];

static struct step run(struct model *m, const char *text)
{
	struct prog p;
	struct step st;
	char err[200];

	if (prog_parse(text, &p, err, sizeof err) || p.n != 1) {
		CHECK(0, "bad test program '%s': %s", text, err);
		memset(&st, 0, sizeof st);
		return st;
	}
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)i;
	model_step(m, &p.ops[0], payload, &st);
	return st;
}

static void pipe_capacity(void)
{
	struct model m;
	struct step st;

	model_init(&m, &mech_pipe, &lim);
	run(&m, "create a0 o0");
	/* 16 one-byte writes merge into one page ... */
	for (int i = 0; i < 16; i++)
		run(&m, "send a0 o0 len=1 nowait");
	/* ... so 15 full pages still fit, and the 16th does not. */
	for (int i = 0; i < 15; i++) {
		st = run(&m, "send a0 o0 len=4096 nowait");
		CHECK(st.ex.ret == 4096, "page %d: ret %lld", i, (long long)st.ex.ret);
	}
	st = run(&m, "send a0 o0 len=4096 nowait");
	CHECK(st.ex.err == EAGAIN, "full pipe: err %d", st.ex.err);
	/* A blocking write that would wait is run non-blocking. */
	st = run(&m, "send a0 o0 len=10");
	CHECK(st.force_nowait && st.ex.err == EAGAIN, "blocking write on a full pipe");
	st = run(&m, "recv a0 o0 len=20");
	CHECK(st.ex.ret == 20 && st.ex.len == 20, "a read goes on across pages: ret %lld",
	      (long long)st.ex.ret);
	st = run(&m, "setopt a0 o0 value=4096");
	CHECK(st.ex.err == EBUSY, "shrinking below what is queued: err %d", st.ex.err);
	run(&m, "close a0 o0 read");
	st = run(&m, "send a0 o0 len=1 nowait");
	CHECK(st.ex.err == EPIPE, "no reader: err %d", st.ex.err);
	st = run(&m, "send a0 o0 len=0");
	CHECK(st.ex.ret == 0 && st.ex.err == 0, "empty write succeeds first");
	model_free(&m);
}

static void queue_selection(void)
{
	struct model m;
	struct step st;

	model_init(&m, &mech_sysv_msg, &lim);
	run(&m, "create a0 o0 creat");
	run(&m, "send a0 o0 len=1 arg=5");
	run(&m, "send a0 o0 len=2 arg=3");
	run(&m, "send a0 o0 len=3 arg=7");
	run(&m, "send a0 o0 len=4 arg=3");
	st = run(&m, "recv a0 o0 len=10 arg=3 except");
	CHECK(st.ex.mtype == 5 && st.ex.len == 1, "MSG_EXCEPT 3 takes the 5: %lld",
	      (long long)st.ex.mtype);
	st = run(&m, "recv a0 o0 len=10 arg=-6");
	CHECK(st.ex.mtype == 3 && st.ex.len == 2, "<0 takes the first lowest: %lld len %u",
	      (long long)st.ex.mtype, st.ex.len);
	st = run(&m, "recv a0 o0 len=2 arg=0");
	CHECK(st.ex.err == E2BIG, "E2BIG for a 3-byte message in 2 bytes");
	st = run(&m, "recv a0 o0 len=2 arg=0 noerror");
	CHECK(st.ex.ret == 2 && st.ex.mtype == 7, "MSG_NOERROR truncates and removes");
	st = run(&m, "recv a0 o0 len=10 arg=9 nowait");
	CHECK(st.ex.err == ENOMSG, "no type 9: ENOMSG");
	st = run(&m, "send a0 o0 len=1 arg=0");
	CHECK(st.ex.err == EINVAL, "mtype 0 is EINVAL");
	st = run(&m, "setopt a0 o0 value=20000");
	CHECK(st.ex.err == EPERM, "raising past msgmnb without CAP_SYS_RESOURCE");
	st = run(&m, "create a1 o0 creat excl");
	CHECK(st.ex.err == EEXIST, "IPC_EXCL on an existing key");
	run(&m, "join a1 o0");
	st = run(&m, "recv a1 o0 len=10 arg=9");
	CHECK(st.how == STEP_PEND, "a peer's receive with no type 9 queued blocks");
	st = run(&m, "send a0 o0 len=4 arg=9");
	CHECK(st.completes[1] && st.done[1].mtype == 9, "the send wakes the blocked peer");
	st = run(&m, "destroy a0 o0");
	st = run(&m, "send a0 o0 len=1 arg=1");
	CHECK(st.ex.err == EINVAL && st.ex.err_alt == EIDRM, "a removed id");
	model_free(&m);
}

static void shm_names(void)
{
	struct model m;
	struct step st;

	model_init(&m, &mech_posix_shm, &lim);
	st = run(&m, "create a0 o0 name=long creat size=64");
	CHECK(st.ex.err == ENAMETOOLONG, "long name");
	st = run(&m, "create a0 o0 name=slash creat size=64");
	CHECK(st.ex.err == EINVAL, "slash inside");
	st = run(&m, "join a1 o0");
	CHECK(st.ex.err == ENOENT, "join before create");
	run(&m, "create a0 o0 creat size=64");
	st = run(&m, "send a0 o0 len=56 arg=0 seed=1");
	CHECK(st.ex.ret == 56, "a record that just fits");
	st = run(&m, "send a0 o0 len=57 arg=0 seed=1");
	CHECK(st.ex.err == ERANGE, "one byte too many");
	run(&m, "join a1 o0");
	st = run(&m, "recv a1 o0 len=100 arg=0");
	CHECK(st.ex.ret == 56 && st.ex.len == 56, "the peer reads the whole record");
	run(&m, "destroy a0 o0");
	st = run(&m, "destroy a0 o0");
	CHECK(st.ex.err == ENOENT, "unlink twice");
	model_free(&m);
}

/* ipc_perm: a user outside the owner's class is refused where the mode
 * says, the owner changes the mode at run time and a blocked receiver that
 * loses its read permission wakes with EACCES. */
static void sysv_access(void)
{
	struct model m;
	struct step st;

	model_init(&m, &mech_sysv_msg, &lim);
	run(&m, "create a0 o0 creat mode=0640");
	st = run(&m, "ident a1 uid=1000 gid=1000");
	CHECK(st.ex.err == 0, "root may take uid 1000: %d", st.ex.err);
	st = run(&m, "join a1 o0");
	CHECK(st.ex.err == 0, "msgget(key, 0) asks for nothing: %d", st.ex.err);
	st = run(&m, "send a1 o0 len=1 arg=1");
	CHECK(st.ex.err == EACCES, "other class has no write bit: %d", st.ex.err);
	st = run(&m, "create a1 o0 creat mode=0600");
	CHECK(st.ex.err == EACCES, "msgget with mode bits asks for them: %d", st.ex.err);
	st = run(&m, "ident a2 uid=1001 gid=1001 groups=0 caps=none");
	run(&m, "join a2 o0");
	st = run(&m, "recv a2 o0 len=4 arg=0 nowait");
	CHECK(st.ex.err == ENOMSG, "a supplementary group gets the group bits: %d", st.ex.err);
	st = run(&m, "recv a2 o0 len=4 arg=0");
	CHECK(st.how == STEP_PEND, "the member blocks for a message");
	st = run(&m, "perm a0 o0 uid=0 gid=0 mode=0600");
	CHECK(st.ex.err == 0 && st.completes[2] && st.done[2].err == EACCES,
	      "IPC_SET wakes the waiter, which lost read: %d", st.done[2].err);
	run(&m, "join a1 o0");
	st = run(&m, "perm a1 o0 uid=1000 gid=1000 mode=0666");
	CHECK(st.ex.err == EACCES, "IPC_STAT first needs read: %d", st.ex.err);
	run(&m, "perm a0 o0 uid=0 gid=0 mode=0604");
	st = run(&m, "perm a1 o0 uid=1000 gid=1000 mode=0666");
	CHECK(st.ex.err == EPERM, "IPC_SET by a stranger: %d", st.ex.err);
	st = run(&m, "destroy a1 o0");
	CHECK(st.ex.err == EPERM, "IPC_RMID by a stranger: %d", st.ex.err);
	run(&m, "perm a0 o0 uid=1000 gid=0 mode=0");
	st = run(&m, "send a1 o0 len=1 arg=1");
	CHECK(st.ex.err == EACCES, "mode 0 refuses even the owner: %d", st.ex.err);
	st = run(&m, "send a0 o0 len=1 arg=1");
	CHECK(st.ex.err == 0, "CAP_IPC_OWNER passes: %d", st.ex.err);
	st = run(&m, "destroy a1 o0");
	CHECK(st.ex.err == 0, "the new owner removes it: %d", st.ex.err);
	model_free(&m);
}

/* Namespaces: a key is invisible from another IPC namespace, an id from
 * there names nothing; a /dev/shm name is invisible from another mount. */
static void isolation(void)
{
	struct model m;
	struct step st;

	model_init(&m, &mech_sysv_msg, &lim);
	run(&m, "create a0 o0 creat mode=0666");
	run(&m, "create a0 o1 name=private creat mode=0666");
	run(&m, "ident a1 uid=0 gid=0 ns=ipc");
	st = run(&m, "join a1 o0");
	CHECK(st.ex.err == ENOENT, "a key from another IPC namespace: %d", st.ex.err);
	st = run(&m, "join a1 o1");
	CHECK(st.how == STEP_RUN && st.ex.err == 0, "joining an id runs no call");
	st = run(&m, "send a1 o1 len=1 arg=1 nowait");
	CHECK(st.ex.err == EINVAL && !st.ex.err_alt, "the id names nothing there: %d", st.ex.err);
	st = run(&m, "create a1 o0 creat excl mode=0600");
	CHECK(st.ex.err == 0, "the same key is free there: %d", st.ex.err);
	st = run(&m, "ident a2 uid=1000 gid=1000");
	CHECK(st.ex.err == 0, "a2 drops");
	st = run(&m, "join a1 o1");
	CHECK(st.how == STEP_SKIP, "an id where objects were made is not predictable");
	model_free(&m);

	model_init(&m, &mech_posix_shm, &lim);
	run(&m, "ident a1 uid=1000 gid=1000 ns=mnt umask=077");
	run(&m, "create a0 o0 creat size=64 mode=0666");
	st = run(&m, "join a1 o0");
	CHECK(st.ex.err == ENOENT, "/dev/shm of another mount namespace: %d", st.ex.err);
	st = run(&m, "create a1 o0 creat excl size=64 mode=0666");
	CHECK(st.ex.err == 0, "the name is free in its own: %d", st.ex.err);
	CHECK(m.objs[m.h[1][0].kobj].perm.mode == 0600, "umask 077 leaves 0600: 0%o",
	      m.objs[m.h[1][0].kobj].perm.mode);
	run(&m, "ident a2 uid=1001 gid=1000");
	st = run(&m, "join a2 o0");
	CHECK(st.ex.err == EACCES, "0666 & ~022 = 0644: group may not write: %d", st.ex.err);
	st = run(&m, "ident a0 umask=0");
	run(&m, "create a0 o1 creat size=64 mode=0666");
	st = run(&m, "join a2 o1");
	CHECK(st.ex.err == 0, "umask 0 keeps 0666: %d", st.ex.err);
	st = run(&m, "destroy a2 o1");
	CHECK(st.ex.err == EACCES,
	      "sticky /dev/shm: only the owner unlinks (EPERM, which "
	      "shm_unlink reports as EACCES): %d",
	      st.ex.err);
	st = run(&m, "perm a2 o1 uid=1001 gid=1001 mode=0666");
	CHECK(st.ex.err == EPERM, "chown needs CAP_CHOWN: %d", st.ex.err);
	run(&m, "perm a0 o1 uid=1001 gid=0 mode=0600");
	st = run(&m, "perm a2 o1 uid=1001 gid=1001 mode=0640");
	CHECK(st.ex.err == EPERM, "chgrp to a group the owner is not in: %d", st.ex.err);
	st = run(&m, "perm a2 o1 uid=1001 gid=1000 mode=0640");
	CHECK(st.ex.err == 0, "chgrp to the owner's own group: %d", st.ex.err);
	st = run(&m, "destroy a2 o1");
	CHECK(st.ex.err == 0, "the owner unlinks: %d", st.ex.err);
	model_free(&m);

	struct limits user = lim;
	user.self.caps = 0;
	model_init(&m, &mech_sysv_msg, &user);
	st = run(&m, "ident a1 uid=1000 gid=1000");
	CHECK(st.ex.err == EPERM, "no CAP_SETGID: %d", st.ex.err);
	model_free(&m);
}

/* Unix sockets joined by address: the path's directory and file, the
 * abstract name's network namespace, the listening socket, SO_PEERCRED. */
static void unix_socket_access(void)
{
	struct model m;
	struct step st;

	model_init(&m, &mech_unix_stream, &lim);
	run(&m, "create a0 o0 name=slot mode=0666");
	const struct kobj *o = &m.objs[m.h[0][0].kobj];
	CHECK(o->perm.mode == 0644 && o->perm.dir_mode == 0700, "umask 022: 0%o, dir 0%o",
	      o->perm.mode, o->perm.dir_mode);
	run(&m, "ident a1 uid=1000 gid=1000");
	st = run(&m, "join a1 o0 write");
	CHECK(st.ex.err == EACCES, "no search on the directory: %d", st.ex.err);
	run(&m, "create a0 o1 name=slot mode=0773");
	st = run(&m, "join a1 o1 write");
	CHECK(st.ex.err == EACCES, "0773 & ~022: others may not write: %d", st.ex.err);
	run(&m, "ident a0 umask=0");
	run(&m, "create a0 o2 name=slot mode=0773");
	st = run(&m, "join a1 o2 write");
	CHECK(st.ex.err == 0 && st.nsettle == 1 && st.settle[0].actor == 0 &&
		      st.settle[0].want == 1,
	      "a join connects, the creator accepts: %d", st.ex.err);
	CHECK(m.h[0][2].ends == OPF_READ && m.h[1][2].ends == OPF_WRITE &&
		      m.h[0][2].kobj == m.h[1][2].kobj,
	      "a new connection: the creator receives, the joiner sends");
	st = run(&m, "setopt a0 o2 opt=peercred");
	CHECK(st.ex.ret == sock_peer_word(2, 1000, 1000), "SO_PEERCRED names a1: %lld",
	      (long long)st.ex.ret);
	st = run(&m, "setopt a1 o2 opt=peercred");
	CHECK(st.ex.ret == sock_peer_word(1, 0, 0), "and a1's names a0: %lld",
	      (long long)st.ex.ret);
	run(&m, "ident a2 uid=1001 gid=1001 ns=mnt");
	st = run(&m, "join a2 o2 write");
	CHECK(st.ex.err == ENOENT, "another mount namespace: %d", st.ex.err);
	run(&m, "ident a2 uid=0 gid=0");
	run(&m, "create a0 o3 name=slot mode=0600");
	st = run(&m, "join a2 o3 write");
	CHECK(st.ex.err == 0, "CAP_DAC_OVERRIDE: %d", st.ex.err);
	st = run(&m, "perm a1 o2 uid=1000 gid=1000 mode=0600");
	CHECK(st.ex.err == EPERM, "chown needs CAP_CHOWN: %d", st.ex.err);
	run(&m, "perm a0 o2 uid=1000 gid=1000 mode=0600");
	st = run(&m, "destroy a1 o2");
	CHECK(st.ex.err == EACCES, "only the directory's owner removes it: %d", st.ex.err);
	run(&m, "destroy a0 o2");
	st = run(&m, "join a1 o2 write");
	CHECK(st.ex.err == ENOENT, "the path is gone: %d", st.ex.err);
	model_free(&m);

	model_init(&m, &mech_unix_dgram, &lim);
	run(&m, "create a0 o1 name=private mode=0");
	run(&m, "ident a1 uid=1000 gid=1000");
	run(&m, "ident a2 uid=1001 gid=1001 ns=net");
	st = run(&m, "join a2 o1 write");
	CHECK(st.ex.err == ECONNREFUSED, "another network namespace: %d", st.ex.err);
	st = run(&m, "join a1 o1 write");
	CHECK(st.ex.err == 0 && !st.nsettle && m.h[1][1].kobj == m.h[0][1].kobj,
	      "any uid sends to the receiver itself: %d", st.ex.err);
	run(&m, "send a1 o1 len=3");
	st = run(&m, "recv a0 o1 len=8");
	CHECK(st.ex.mtype == (2 << SOCK_ANC_CRED_SHIFT | 2 << SOCK_ANC_UID_SHIFT |
			      2 << SOCK_ANC_GID_SHIFT),
	      "SCM_CREDENTIALS: a1, uid and gid 1000: %llx", (long long)st.ex.mtype);
	run(&m, "close a0 o1");
	st = run(&m, "join a1 o1 write");
	CHECK(st.ex.err == ECONNREFUSED, "nobody holds the receiver: %d", st.ex.err);
	model_free(&m);
}

/* The signo of the i-th record a step expects. */
static int rec_sig(const struct step *st, unsigned i)
{
	return i * 8 < st->ex.len ? st->ex.data[i * 8] : -1;
}

static void signals(void)
{
	struct model m;
	struct step st;

	model_init(&m, &mech_signal, &lim);
	st = run(&m, "create a0 o0");
	CHECK(st.how == STEP_SKIP, "the executor is never a receiver");
	run(&m, "create a1 o0");
	st = run(&m, "join a0 o1");
	CHECK(st.ex.err == ENOENT, "join of a slot nobody receives on");
	run(&m, "join a0 o0");
	/* Coalescing, queueing, order. */
	run(&m, "send a0 o0 len=3 arg=10");
	run(&m, "send a0 o0 len=2 arg=40 queue");
	run(&m, "send a0 o0 len=1 arg=35 thread");
	st = run(&m, "recv a1 o0 len=4096 fd nowait");
	CHECK(st.ex.len == 4 * 8, "three SIGUSR1 coalesce, two RT queue, one tgkill: %u",
	      st.ex.len);
	CHECK(rec_sig(&st, 0) == 35 && rec_sig(&st, 1) == 10 && rec_sig(&st, 2) == 40,
	      "the thread's own set first, then lowest first: %d %d %d", rec_sig(&st, 0),
	      rec_sig(&st, 1), rec_sig(&st, 2));
	st = run(&m, "recv a1 o0 len=100 fd nowait");
	CHECK(st.ex.err == EINVAL, "a signalfd read smaller than one siginfo");
	st = run(&m, "recv a0 o0 len=8 nowait");
	CHECK(st.ex.err == EBADF, "a sender's handle does not receive");
	/* RLIMIT_SIGPENDING. */
	run(&m, "setopt a1 o0 opt=rlimit value=2");
	st = run(&m, "send a0 o0 len=5 arg=36 queue");
	CHECK(st.ex.ret == 2, "sigqueue stops at the limit: %lld", (long long)st.ex.ret);
	st = run(&m, "send a0 o0 len=1 arg=36 thread");
	CHECK(st.ex.err == EAGAIN, "tgkill of a real-time signal past the limit");
	st = run(&m, "send a0 o0 len=1 arg=37");
	CHECK(st.ex.ret == 1, "kill of a real-time signal past the limit still arrives");
	st = run(&m, "recv a1 o0 len=4096 fd nowait");
	CHECK(st.ex.len == 3 * 8 && st.ex.data[2 * 8 + 2] == 0xff,
	      "the one past the limit has no sender (pid 0)");
	/* Dispositions. */
	run(&m, "send a0 o0 len=1 arg=12");
	run(&m, "setopt a1 o0 opt=ignore value=12");
	st = run(&m, "recv a1 o0 len=8 nowait");
	CHECK(st.ex.err == EAGAIN, "SIG_IGN discarded the pending signal");
	st = run(&m, "setopt a1 o0 opt=catch value=9");
	CHECK(st.ex.err == EINVAL, "SIGKILL cannot be caught");
	st = run(&m, "setopt a1 o0 opt=block value=9");
	CHECK(!(st.ex.ret & (1ll << 8)), "SIGKILL cannot be blocked");
	run(&m, "setopt a1 o0 opt=catch value=34");
	run(&m, "send a0 o0 len=2 arg=34 queue");
	st = run(&m, "setopt a1 o0 opt=unblock value=34");
	st = run(&m, "recv a1 o0 len=64 handler");
	CHECK(st.ex.len == 16 && rec_sig(&st, 0) == 34, "unblocking ran the handler twice");
	st = run(&m, "send a0 o0 len=1 arg=34");
	CHECK(st.sync == 2, "a handler in another process: the executor syncs with it");
	/* A waiter, a burst, a kill. */
	run(&m, "recv a1 o0 len=8 arg=10");
	CHECK(m.pend[1].active, "a peer's wait with nothing pending is left pending");
	st = run(&m, "send a0 o0 len=3 arg=10");
	CHECK(st.cancels == 2, "a burst that would wake the waiter interrupts it first");
	run(&m, "recv a1 o0 len=8 arg=12");
	st = run(&m, "send a0 o0 len=1 arg=9");
	CHECK(st.kills == 2, "SIGKILL ends the receiver");
	st = run(&m, "send a0 o0 len=1 arg=0");
	CHECK(st.ex.err == ESRCH, "its pid is gone");
	st = run(&m, "send a0 o0 len=1 arg=11");
	CHECK(st.ex.err == ESRCH, "even for a signal not in the alphabet");
	run(&m, "create a2 o1");
	run(&m, "join a0 o1");
	st = run(&m, "send a0 o1 len=1 arg=11");
	CHECK(st.how == STEP_SKIP, "a live peer is not sent signals outside the alphabet");
	st = run(&m, "send a0 o1 len=1 arg=99");
	CHECK(st.ex.err == EINVAL, "a bad signal number");
	model_free(&m);
}

/* The n_tty model on its own: hand-worked bytes. */
static void line_discipline(void)
{
	static struct ntty n;
	uint8_t out[256];
	bool pollable;
	long r;

	ntty_init(&n);
	ntty_receive(&n,
		     (const uint8_t *)"ab\x7f"
				      "c\r",
		     5);
	r = ntty_slave_read(&n, sizeof out, true, out, &pollable);
	CHECK(r == 3 && !memcmp(out, "ac\n", 3), "erase, and ICRNL ends the line: %ld", r);
	r = ntty_master_read(&n, sizeof out, out);
	CHECK(r == 8 && !memcmp(out, "ab\b \bc\r\n", 8),
	      "echo of an erase (ECHOE), LF as CR LF: %ld", r);
	ntty_receive(&n, (const uint8_t *)"xy\x15z\x04", 5);
	r = ntty_slave_read(&n, sizeof out, true, out, &pollable);
	CHECK(r == 1 && out[0] == 'z', "kill erased the line, VEOF ended the next: %ld", r);
	ntty_receive(&n, (const uint8_t *)"\x04", 1);
	r = ntty_slave_read(&n, sizeof out, true, out, &pollable);
	CHECK(r == 0, "VEOF on an empty line reads as end of file: %ld", r);
	r = ntty_slave_read(&n, sizeof out, false, out, &pollable);
	CHECK(r == NTTY_WOULD_BLOCK && pollable, "no line: a blocking read waits for one");
	ntty_master_read(&n, sizeof out, out);
	r = ntty_slave_write(&n, (const uint8_t *)"q\n", 2);
	CHECK(r == 2 && ntty_master_read(&n, sizeof out, out) == 3 && !memcmp(out, "q\r\n", 3),
	      "ONLCR on the slave's output");
	struct ntty_termios t = n.t;
	t.lflag &= ~(uint32_t)(ICANON | ECHO | ISIG | IEXTEN);
	t.iflag = 0;
	ntty_set_termios(&n, &t);
	ntty_receive(&n, (const uint8_t *)"\x03\r\x7f", 3);
	r = ntty_slave_read(&n, sizeof out, true, out, &pollable);
	CHECK(r == 3 && !memcmp(out, "\x03\r\x7f", 3), "raw mode is transparent: %ld", r);
	CHECK(ntty_master_read(&n, sizeof out, out) == -EAGAIN, "and echoes nothing");
}

/* One session per pair: TIOCSCTTY takes the slave from either side. */
static void pty_sessions(void)
{
	struct model m;
	struct step st;

	model_init(&m, &mech_pty, &lim);
	run(&m, "create a1 o0");
	st = run(&m, "setopt a1 o0 opt=ctty");
	CHECK(st.ex.ret == 0, "the master's holder takes the pair: err %d", st.ex.err);
	run(&m, "send a1 o0 len=5 arg=6 seed=0"); /* "...^C" typed at the master */
	st = run(&m, "recv a1 o0 len=64 sig nowait");
	CHECK(st.ex.len == 8 && rec_sig(&st, 0) == SIGINT,
	      "^C signals the session of a master-side TIOCSCTTY: len %u sig %d", st.ex.len,
	      rec_sig(&st, 0));
	run(&m, "join a2 o0");
	st = run(&m, "setopt a2 o0 opt=ctty");
	CHECK(st.ex.err == EPERM, "the slave is taken already: err %d", st.ex.err);
	run(&m, "setopt a1 o0 opt=winsz value=0x1850");
	st = run(&m, "recv a2 o0 len=64 sig nowait");
	CHECK(st.ex.len == 0, "SIGWINCH goes to the session only, not to a2: len %u", st.ex.len);
	st = run(&m, "recv a1 o0 len=64 sig nowait");
	CHECK(rec_sig(&st, 0) == SIGWINCH, "SIGWINCH to the session: %d", rec_sig(&st, 0));
	model_free(&m);
}

/* tcp's half-close: EPIPE after the sender's own shutdown; ECONNRESET too
 * only where the receiver was closed before it (its orphan may be gone by
 * the time the FIN comes: tests/findings/tcp_fin_after_orphan_gone.c). */
static void tcp_half_close(void)
{
	struct model m;
	struct step st;

	model_init(&m, &mech_tcp, &lim);
	run(&m, "create a0 o0");
	run(&m, "setopt a0 o0 opt=shutdown value=1");
	st = run(&m, "send a0 o0 len=10 nowait");
	CHECK(st.ex.err == EPIPE && !st.ex.err_alt, "shut, receiver open: err %d or %d", st.ex.err,
	      st.ex.err_alt);
	run(&m, "create a0 o1");
	run(&m, "close a0 o1 read");
	run(&m, "setopt a0 o1 opt=shutdown value=1");
	st = run(&m, "send a0 o1 len=10 nowait");
	CHECK(st.ex.err == EPIPE && st.ex.err_alt == ECONNRESET && st.ex.varies,
	      "receiver closed, then shut: err %d or %d", st.ex.err, st.ex.err_alt);
	model_free(&m);
}

/* unix-dgram: a shutdown of both directions by a handle that closed its
 * receiving socket shuts its sender only; the receiver still waits. */
static void dgram_shutdown_sender_only(void)
{
	struct model m;
	struct step st;

	model_init(&m, &mech_unix_dgram, &lim);
	run(&m, "create a0 o0 name=slot mode=0600");
	run(&m, "join a1 o0");
	run(&m, "close a0 o0 read");
	run(&m, "setopt a0 o0 opt=shutdown value=2");
	st = run(&m, "recv a1 o0 len=16");
	CHECK(st.how == STEP_PEND, "receiver after a sender-only shutdown: how %d ret %lld",
	      (int)st.how, (long long)st.ex.ret);
	run(&m, "create a0 o1 name=slot mode=0600");
	run(&m, "setopt a0 o1 opt=shutdown value=2");
	st = run(&m, "recv a0 o1 len=16");
	CHECK(st.how == STEP_RUN && st.ex.ret == 0, "receiver shut by its holder: how %d ret %lld",
	      (int)st.how, (long long)st.ex.ret);
	model_free(&m);
}

int main(void)
{
	dgram_shutdown_sender_only();
	tcp_half_close();
	signals();
	line_discipline();
	pty_sessions();
	pipe_capacity();
	queue_selection();
	shm_names();
	sysv_access();
	isolation();
	unix_socket_access();
	return check_done("test_model");
}
