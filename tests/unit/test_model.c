/* The models against hand-worked expectations (no kernel involved): the
 * corpus tests check the same models against the kernel. */
#include "../../src/model/model.h"
#include "check.h"

#include <errno.h>
#include <string.h>

extern const struct mechanism mech_pipe, mech_sysv_msg, mech_posix_shm;

/* Root with every capability but CAP_SYS_RESOURCE (as in many containers),
 * umask 022, every id of the identity table mapped. */
static struct limits lim = {.page_size = 4096, .pipe_buf = 4096, .pipe_default_size = 65536,
			    .msgmax = 8192, .msgmnb = 16384,
			    .self = {.caps = ~(1ull << 24), .umask = 022},
			    .setgroups_ok = true, .mapped = 15};
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
	CHECK(st.ex.err == EACCES, "sticky /dev/shm: only the owner unlinks (EPERM, which "
	      "shm_unlink reports as EACCES): %d", st.ex.err);
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

int main(void)
{
	pipe_capacity();
	queue_selection();
	shm_names();
	sysv_access();
	isolation();
	return check_done("test_model");
}
