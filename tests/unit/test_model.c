/* The models against hand-worked expectations (no kernel involved): the
 * corpus tests check the same models against the kernel. */
#include "../../src/model/model.h"
#include "check.h"

#include <errno.h>
#include <string.h>

extern const struct mechanism mech_pipe, mech_sysv_msg, mech_posix_shm;

static struct limits lim = {.page_size = 4096, .pipe_buf = 4096, .pipe_default_size = 65536,
			    .msgmax = 8192, .msgmnb = 16384, .cap_sys_resource = 0};
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

int main(void)
{
	pipe_capacity();
	queue_selection();
	shm_names();
	return check_done("test_model");
}
