/* prog_to_c: see to_c.h.  How the reproducer runs a program is explained in
 * the text it writes at the top of every file (`approach` below). */
#define _GNU_SOURCE
#include "to_c.h"
#include "ident.h"
#include "to_c_ident.h"

#include "../model/model.h"
#include "../util/payload.h"
#include "../util/record.h"
#include "to_c_sources.h" /* generated: src_payload, src_record */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char approach[] =
	" * How it runs: one process plays every actor of the program.  Each actor\n"
	" * keeps its own handles (ch[actor][slot]: its own descriptors, ids and\n"
	" * mappings), so joins, closes and kills act on one actor's view exactly as\n"
	" * in ipcfuzz, where actors 1 and 2 are separate processes.  An inherited\n"
	" * join is a dup() of the holder's descriptors (what fork or SCM_RIGHTS\n"
	" * give).  A peer op that ipcfuzz leaves blocked until a later op wakes it\n"
	" * is run here right after that later op, when it completes without\n"
	" * waiting (what the kernel must then return is the same); an op that\n"
	" * nothing would wake is left out, as ipcfuzz interrupts it.  A SysV\n"
	" * waiter woken by IPC_RMID gets EIDRM; run afterwards it gets EINVAL,\n"
	" * which is accepted instead.  Every op has an alarm: a call that blocks\n"
	" * although the model says it completes is interrupted and reported.\n"
	" * Names and keys carry this process's pid; everything is removed at the\n"
	" * end.  Exit status: 0 the kernel did what the model predicts, 1 not.\n"
	" * (Where an actor must be a process of its own, as a signal's receiver,\n"
	" * the mechanism's part below runs actors 1 and 2 as children.)  An actor\n"
	" * under an identity (ident) takes it as ipcfuzz's peers do, in the order\n"
	" * src/exec/identity.c does: a child takes it first thing; where one\n"
	" * process plays every actor, it puts the identity on around each of the\n"
	" * actor's ops (the saved uid stays ours) and enters the actor's\n"
	" * namespaces with setns.  An object made in one goes with it.\n";

static const char prelude[] =
	"#define _GNU_SOURCE\n"
	"#pragma GCC diagnostic ignored \"-Wunused-function\" /* helpers a program may not use */\n"
	"#include <errno.h>\n#include <fcntl.h>\n#include <limits.h>\n#include <pthread.h>\n"
	"#include <signal.h>\n#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n"
	"#include <string.h>\n#include <time.h>\n#include <unistd.h>\n#include <sys/ipc.h>\n"
	"#include <sys/mman.h>\n#include <sys/msg.h>\n#include <sys/stat.h>\n#include "
	"<sys/uio.h>\n\n"
	"#define ACTORS %d\n#define SLOTS %d\n#define END_READ 0x%x\n#define END_WRITE 0x%x\n\n"
	"struct chan {\n\tint fd[2];\n\tint id;\n\tvoid *map;\n\tsize_t map_len, size;\n"
	"\tunsigned ends;\n};\n"
	"struct ref {\n\tchar name[300];\n\tint key, id;\n\tsize_t size;\n};\n\n"
	"static struct chan ch[ACTORS][SLOTS];\n"
	"static struct ref ref[SLOTS], made[64];\n"
	"static int nmade, failures;\n"
	"static uint8_t pay[%u], buf[%u];\n\n";

/* Names and keys: the same forms as ipcfuzz's sandbox, with this pid. */
static const char naming[] =
	"static void name_for(char *out, size_t cap, unsigned obj, unsigned form)\n{\n"
	"\tint pid = (int)getpid();\n"
	"\tswitch (form) {\n"
	"\tcase %d: snprintf(out, cap, \"/\"); break; /* empty */\n"
	"\tcase %d: snprintf(out, cap, \"/ipcfuzz-repro.%%d.dir/o%%u\", pid, obj); break;\n"
	"\tcase %d: { /* one over NAME_MAX */\n"
	"\t\tint n = snprintf(out, cap, \"/ipcfuzz-repro.%%d.o%%u.\", pid, obj);\n"
	"\t\tsize_t i = n > 0 ? (size_t)n : 0;\n"
	"\t\twhile (i + 1 < cap && i < 1 + 256)\n\t\t\tout[i++] = 'L';\n"
	"\t\tout[i] = 0;\n\t\tbreak;\n\t}\n"
	"\tcase %d: snprintf(out, cap, \"/ipcfuzz-repro.%%d.o%%u.b\", pid, obj); break;\n"
	"\tdefault: snprintf(out, cap, \"/ipcfuzz-repro.%%d.o%%u\", pid, obj);\n\t}\n}\n\n"
	"static int key_for(unsigned obj)\n{\n"
	"\treturn 0x1e000000 + (((int)getpid() & 0xfffff) << 4) + (int)obj;\n}\n\n";

static const char checks[] =
	"static void on_alarm(int sig)\n{\n\t(void)sig; /* interrupts the blocked call: EINTR "
	"*/\n}\n\n"
	"static void reset(struct chan *c)\n{\n"
	"\tmemset(c, 0, sizeof *c);\n\tc->fd[0] = c->fd[1] = -1;\n\tc->id = -1;\n}\n\n"
	"static void expect(int op, const char *what, long r, long want, int want_err, int "
	"alt)\n{\n"
	"\tint err = r < 0 ? (int)-r : 0;\n"
	"\tlong ret = r < 0 ? -1 : r;\n"
	"\tif (ret == want && (err == want_err || (alt && err == alt)))\n\t\treturn;\n"
	"\tprintf(\"op %d (%s): expected ret=%ld errno=%d (%s), got ret=%ld errno=%d (%s)\\n\",\n"
	"\t       op, what, want, want_err, strerror(want_err), ret, err, strerror(err));\n"
	"\tfailures++;\n}\n\n"
	"static void expect_data(int op, const char *what, long r, unsigned cap, unsigned len,\n"
	"\t\t\tuint32_t crc, int check_type, int64_t mtype, int64_t want_type)\n{\n"
	"\tunsigned got = r > 0 ? (unsigned)(r < (long)cap ? r : (long)cap) : 0;\n"
	"\tif (check_type && mtype != want_type) {\n"
	"\t\tprintf(\"op %d (%s): expected message type %lld, got %lld\\n\", op, what,\n"
	"\t\t       (long long)want_type, (long long)mtype);\n\t\tfailures++;\n\t}\n"
	"\tif (got != len || crc32c(0, buf, got) != crc) {\n"
	"\t\tprintf(\"op %d (%s): expected %u data bytes with crc32c %08x, got %u with %08x\\n\",\n"
	"\t\t       op, what, len, crc, got, crc32c(0, buf, got));\n\t\tfailures++;\n\t}\n}\n\n";

struct emitter {
	FILE *f;
	const struct mechanism *m;
	const struct prog *p;
	struct model model;
	struct op pend_op[IPCF_ACTORS];
	int pend_index[IPCF_ACTORS];
	uint8_t *pend_payload[IPCF_ACTORS]; /* a blocked send's payload */
	int idents;			    /* the program has ident ops */
	unsigned ident_ns[IPCF_ACTORS];	    /* the namespaces each actor asked for */
};

/* The payload of the op a hook is writing (to_c_payload), and its phase. */
static const uint8_t *cur_payload;
static enum to_c_phase cur_phase;

const uint8_t *to_c_payload(void)
{
	return cur_payload;
}

enum to_c_phase to_c_phase(void)
{
	return cur_phase;
}

/* An op of the mechanism, with `r` set, in the hook's scope. */
static void hook(struct emitter *e, const struct op *op)
{
	e->m->to_c(e->f, op);
}

static void hook_in(struct emitter *e, const struct op *op, enum to_c_phase phase)
{
	cur_phase = phase;
	hook(e, op);
	cur_phase = TO_C_RUN;
}

static void close_code(struct emitter *e, const char *chan)
{
	struct op close_all = {.kind = OP_CLOSE, .flags = OPF_READ | OPF_WRITE};
	fprintf(e->f, "\t\tstruct chan *c = %s;\n\t\tlong r = 0;\n\t\tif (c->ends) {\n", chan);
	hook(e, &close_all);
	fprintf(e->f, "\t\t}\n\t\treset(c);\n\t\t(void)r;\n");
}

static void cleanup_function(struct emitter *e)
{
	struct op destroy = {.kind = OP_DESTROY};
	fprintf(e->f,
		"/* Everything the program made goes, whatever happened. */\n"
		"static void cleanup(void)\n{\n"
		"\tfor (int a = 0; a < ACTORS; a++)\n\t\tfor (int s = 0; s < SLOTS; s++) {\n");
	fprintf(e->f, "\t\tstruct ref *rf = &ref[s];\n\t\t(void)rf;\n");
	close_code(e, "&ch[a][s]");
	fprintf(e->f,
		"\t}\n\tfor (int k = 0; k < nmade; k++) {\n"
		"\t\tstruct chan tmp;\n\t\treset(&tmp);\n\t\ttmp.id = made[k].id;\n"
		"\t\tstruct chan *c = &tmp;\n\t\tstruct ref *rf = &made[k];\n\t\tlong r = 0;\n");
	hook(e, &destroy);
	fprintf(e->f, "\t\t(void)r;\n\t\t(void)c;\n\t\t(void)rf;\n\t}\n}\n\n");
}

static void describe(const struct op *op, char *what, size_t cap)
{
	op_format(op, what, cap);
}

/* The checks for one op against the model's expectation. */
static void emit_expect(struct emitter *e, int index, const struct op *op, const struct expect *ex,
			int alt)
{
	char what[256];
	describe(op, what, sizeof what);
	if (ex->ret == -1 && ex->err == -1) { /* emit_step: its actor dies in it */
		fprintf(e->f, "\t\t(void)r; /* op %d: its actor dies in it: no result */\n", index);
		return;
	}
	if (ex->unsure) {
		fprintf(e->f,
			"\t\t(void)r; /* op %d: the model cannot say: any result but a hang */\n",
			index);
		return;
	}
	fprintf(e->f, "\t\t/* op %d: model expects ret=%lld errno=%d len=%u */\n", index,
		(long long)ex->ret, ex->err, ex->len);
	if (ex->has_alt) /* a second answer the kernel may give, with no data */
		fprintf(e->f, "\t\tif (r != %lldL) {\n",
			ex->alt_err ? -(long long)ex->alt_err : (long long)ex->alt_ret);
	fprintf(e->f, "\t\texpect(%d, \"%s\", r, %lldL, %d, %d);\n", index, what,
		(long long)ex->ret, ex->err, alt ? alt : ex->err_alt);
	if (op->kind == OP_RECV && !ex->err)
		fprintf(e->f,
			"\t\texpect_data(%d, \"%s\", r, %u, %u, 0x%08xu, %d, mtype, %lldLL);\n",
			index, what, op->len, ex->len, crc32c(0, ex->data, ex->len),
			ex->has_mtype ? 1 : 0, (long long)ex->mtype);
	if (ex->has_alt)
		fprintf(e->f, "\t\t}\n");
}

/* An object an actor makes in a namespace of its own goes with it: the
 * clean-up, in the reproducer's namespaces, must not look for it. */
static int made_private(const struct emitter *e, const struct op *op)
{
	return e->m->access && (e->ident_ns[op->actor] & e->m->access->isolation);
}

/* The C of the op itself: ident is the same for every mechanism
 * (to_c_ident.c); where one process plays every actor, the op's actor's
 * identity is put on around it. */
static void op_code(struct emitter *e, const struct op *op)
{
	int wrap = e->idents && !e->m->to_c_actors && op->actor && op->kind != OP_IDENT;

	if (op->kind == OP_IDENT) {
		to_c_ident_op(e->f, op, e->m->to_c_actors);
		return;
	}
	if (op->kind == OP_PERM && !e->m->set_perm) {
		fprintf(e->f, "\t\tr = -ENOTSUP;\n");
		return;
	}
	if (wrap)
		fprintf(e->f,
			"\t\tif (ident_enter(%d)) {\n"
			"\t\t\tprintf(\"actor %d cannot take its identity: %%s\\n\", "
			"strerror(errno));\n"
			"\t\t\tfailures++;\n\t\t}\n",
			op->actor, op->actor);
	hook(e, op);
	if (wrap)
		fprintf(e->f, "\t\tident_leave(%d);\n", op->actor);
}

/* One op run now: its block, the hook's code, the checks. */
static void emit_op(struct emitter *e, int index, const struct op *op, const struct step *st,
		    const struct expect *ex, int alt)
{
	FILE *f = e->f;
	fprintf(f,
		"\t{\n\t\tstruct chan *c = &ch[%d][%d];\n\t\tstruct ref *rf = &ref[%d];\n"
		"\t\tlong r = 0, want_ret = %lldL;\n\t\tint64_t mtype = 0, want_mtype = %lldLL;\n"
		"\t\t(void)c;\n\t\t(void)rf;\n\t\t(void)mtype;\n\t\t(void)want_ret;\n"
		"\t\t(void)want_mtype;\n",
		op->actor, op->obj, op->obj, (long long)ex->ret,
		ex->has_mtype ? (long long)ex->mtype : 0LL);
	if (op->kind == OP_CREATE || op->kind == OP_JOIN) {
		/* The actor's previous handle in the slot goes first. */
		struct op close_all = {.kind = OP_CLOSE, .flags = OPF_READ | OPF_WRITE};
		fprintf(f, "\t\tif (c->ends) {\n");
		hook(e, &close_all);
		fprintf(f, "\t\t}\n\t\treset(c);\n");
	}
	if (op->kind == OP_CREATE)
		fprintf(f,
			"\t\tstruct ref nr = ref[%d];\n\t\tname_for(nr.name, sizeof nr.name, %d, "
			"%u);\n"
			"\t\tnr.key = key_for(%d);\n\t\tnr.id = -1;\n\t\trf = &nr;\n",
			op->obj, op->obj, op_create_form(op), op->obj);
	if (op->kind == OP_JOIN && st && st->join_from >= 0)
		fprintf(f,
			"\t\t/* inherited from actor %d */\n"
			"\t\tc->fd[0] = %s;\n\t\tc->fd[1] = %s;\n"
			"\t\tc->ends = (c->fd[0] >= 0 ? END_READ : 0) | (c->fd[1] >= 0 ? END_WRITE "
			": 0);\n",
			st->join_from, (st->join_ends & OPF_READ) ? "dup(ch[JF][OB].fd[0])" : "-1",
			(st->join_ends & OPF_WRITE) ? "dup(ch[JF][OB].fd[1])" : "-1");
	if (op->kind == OP_SEND)
		fprintf(f, "\t\tpayload_fill(pay, %u, %u, %du);\n", op->len, op->seed, index);
	if (op->kind == OP_SEND || op->kind == OP_RECV)
		fprintf(f, "\t\talarm(5);\n");
	op_code(e, op);
	if (op->kind == OP_SEND || op->kind == OP_RECV)
		fprintf(f, "\t\talarm(0);\n");
	if (op->kind == OP_CREATE && made_private(e, op))
		fprintf(f,
			"\t\tif (r >= 0) /* in the actor's own namespace: it goes with it */\n"
			"\t\t\tref[%d] = nr;\n",
			op->obj);
	else if (op->kind == OP_CREATE)
		fprintf(f,
			"\t\tif (r >= 0) {\n\t\t\tref[%d] = nr;\n\t\t\tmade[nmade++] = "
			"nr;\n\t\t}\n",
			op->obj);
	emit_expect(e, index, op, ex, alt);
	fprintf(f, "\t}\n");
}

static void fix_join_macros(struct emitter *e, const struct step *st, const struct op *op)
{
	/* emit_op writes JF/OB placeholders for the holder: define them here. */
	fprintf(e->f, "#define JF %d\n#define OB %d\n", st->join_from < 0 ? 0 : st->join_from,
		op->obj);
}

static void undef_join_macros(struct emitter *e)
{
	fprintf(e->f, "#undef JF\n#undef OB\n");
}

/* A blocked op interrupted (EINTR).  Where the actors are processes of
 * their own it was started: it is interrupted and its result checked; else
 * it never ran. */
static void cancel_code(struct emitter *e, int a, const struct expect *ex)
{
	if (!e->m->to_c_actors) {
		fprintf(e->f, "\t/* op %d (actor %d) was left out: nothing would wake it */\n",
			e->pend_index[a], a);
		return;
	}
	fprintf(e->f, "\n\t/* op %d (actor %d) is interrupted */\n", e->pend_index[a], a);
	cur_phase = TO_C_CANCEL;
	emit_op(e, e->pend_index[a], &e->pend_op[a], NULL, ex, 0);
	cur_phase = TO_C_RUN;
}

static void cancel(struct emitter *e, int a)
{
	struct expect ex;
	model_cancel(&e->model, a, &ex);
	cancel_code(e, a, &ex);
}

/* Where the actors are processes: one started now, collected later. */
static void emit_start(struct emitter *e, int index, const struct op *op)
{
	fprintf(e->f, "\t{\n\t\tstruct chan *c = &ch[%d][%d];\n\t\tstruct ref *rf = &ref[%d];\n",
		op->actor, op->obj, op->obj);
	if (op->kind == OP_SEND)
		fprintf(e->f, "\t\tpayload_fill(pay, %u, %u, %du);\n", op->len, op->seed, index);
	hook_in(e, op, TO_C_START);
	fprintf(e->f, "\t}\n");
}

/* An actor ends (OP_KILL, or a fatal signal: died) before its handles are
 * forgotten: the hook of a mechanism whose actors are processes reaps it. */
static void end_actor(struct emitter *e, int a, int died)
{
	struct op end = {.kind = OP_KILL, .actor = (uint8_t)a, .arg = (int16_t)died};
	if (!e->m->to_c_actors)
		return;
	fprintf(e->f, "\t{\n");
	hook_in(e, &end, TO_C_RUN);
	fprintf(e->f, "\t}\n");
}

/* The model's barriers for deliveries the kernel finishes in a worker (a
 * tty's flip buffers): the mechanism's C defines settle(c, want), which
 * waits as its settle hook does and returns what it saw. */
static void settle_code(struct emitter *e, const struct step *st)
{
	for (int s = 0; s < st->nsettle && e->m->settle; s++) {
		int a = st->settle[s].actor, obj = st->settle[s].obj;
		long long want = (long long)st->settle[s].want;
		fprintf(e->f,
			"\t/* the kernel's worker finishes first: a%d o%d has %lld bytes */\n", a,
			obj, want);
		if (want < 0)
			fprintf(e->f, "\tsettle(&ch[%d][%d], -1);\n", a, obj);
		else
			fprintf(e->f,
				"\tif (settle(&ch[%d][%d], %lld) != %lld) {\n"
				"\t\tprintf(\"a%d o%d: expected %lld bytes to read (the model's "
				"line "
				"discipline)\\n\");\n\t\tfailures++;\n\t}\n",
				a, obj, want, want, a, obj, want);
	}
}

/* Where one process plays every actor, a peer that ipcfuzz replaces
 * (killed, or under a new identity) closes every handle it holds. */
static void peer_handles_close(struct emitter *e, int a)
{
	char chan[32];

	fprintf(e->f, "\tfor (int s = 0; s < SLOTS; s++) {\n"
		      "\t\tstruct ref *rf = &ref[s];\n\t\t(void)rf;\n");
	snprintf(chan, sizeof chan, "&ch[%d][s]", a);
	close_code(e, chan);
	fprintf(e->f, "\t}\n");
}

static void emit_step(struct emitter *e, int i, uint8_t *payload)
{
	const struct op *op = &e->p->ops[i];
	struct op eff = *op;
	struct step st;
	char line[256];

	/* The same interruptions as the executor's step(). */
	if (op->actor && e->model.pend[op->actor].active)
		cancel(e, op->actor);
	int holder = op->kind == OP_JOIN ? model_join_source(&e->model, op) : -1;
	if (holder > 0 && e->model.pend[holder].active)
		cancel(e, holder);
	if (op->kind == OP_SEND)
		payload_fill(payload, op->len, op->seed, (uint32_t)i);
	cur_payload = payload;
	model_step(&e->model, op, payload, &st);
	op_format(op, line, sizeof line);
	fprintf(e->f, "\n\t/* op %d: %s */\n", i, line);
	for (int a = 1; a < IPCF_ACTORS; a++)
		if (st.cancels & (1u << a)) {
			struct expect ex = {.ret = -1, .err = EINTR};
			cancel_code(e, a, &ex);
		}
	if (st.force_nowait) {
		eff.flags |= OPF_NOWAIT;
		fprintf(e->f, "\t/* the model says it would block: run non-blocking */\n");
	}
	if (op->kind == OP_KILL) {
		end_actor(e, op->actor, 0);
		fprintf(e->f, "\t/* the peer dies: its handles close */\n");
		peer_handles_close(e, op->actor);
		if (e->ident_ns[op->actor] && !e->m->to_c_actors)
			fprintf(e->f, "\tident_ns_new(%d); /* a restarted peer's are new */\n",
				op->actor);
	} else if (st.how == STEP_SKIP) {
		fprintf(e->f, "\t/* skipped: the actor holds no such handle */\n");
	} else if (st.how == STEP_PEND) {
		e->pend_op[op->actor] = *op;
		e->pend_index[op->actor] = i;
		if (op->kind == OP_SEND)
			memcpy(e->pend_payload[op->actor], payload, op->len);
		if (e->m->to_c_actors) {
			fprintf(e->f, "\t/* blocks: started now, collected when it completes */\n");
			emit_start(e, i, &eff);
		} else {
			fprintf(e->f, "\t/* blocks: run when a later op lets it complete */\n");
		}
	} else {
		struct expect dies = {.ret = -1, .err = -1}; /* no result: see emit_expect */
		if (op->kind == OP_IDENT && op->actor) {
			if (!e->m->to_c_actors) {
				fprintf(e->f, "\t/* the peer is replaced: its handles close */\n");
				peer_handles_close(e, op->actor);
			}
			e->ident_ns[op->actor] = op_ident_ns(op);
		}
		fix_join_macros(e, &st, op);
		emit_op(e, i, &eff, &st, st.kills & (1u << op->actor) ? &dies : &st.ex, 0);
		undef_join_macros(e);
	}
	for (int a = 1; a < IPCF_ACTORS; a++)
		if (st.kills & (1u << a) && op->kind != OP_KILL) {
			fprintf(e->f, "\t/* a fatal signal ends actor %d: its handles close */\n",
				a);
			end_actor(e, a, 1);
		}
	for (int a = 1; a < IPCF_ACTORS; a++) {
		if (!st.completes[a])
			continue;
		const struct op *w = &e->pend_op[a];
		int j = e->pend_index[a];
		op_format(w, line, sizeof line);
		fprintf(e->f, "\n\t/* op %d (%s) completes now */\n", j, line);
		cur_payload = e->pend_payload[a];
		cur_phase = e->m->to_c_actors ? TO_C_COLLECT : TO_C_RUN;
		emit_op(e, j, w, NULL, &st.done[a], st.done[a].err == EIDRM ? EINVAL : 0);
		cur_phase = TO_C_RUN;
	}
	cur_payload = payload;
	settle_code(e, &st);
}

/* A source file of ipcfuzz, without its own includes (the reproducer's
 * cover them) and without coverage attributes plain cc need not know. */
static void emit_source(FILE *f, const char *name, const char *src)
{
	static const char attr[] = "__attribute__((no_sanitize(\"coverage\"))) ";
	fprintf(f, "/* ---- ipcfuzz %s ---- */\n", name);
	for (const char *s = src; *s;) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s + 1) : strlen(s);
		if (!strncmp(s, attr, sizeof attr - 1)) {
			s += sizeof attr - 1;
			n -= sizeof attr - 1;
		}
		if (strncmp(s, "#include ", 9))
			fwrite(s, 1, n, f);
		s += n;
	}
}

/* Does the mechanism's hook write the C of op?  (A perm of a mechanism
 * that has set_perm is its hook's to write.) */
static int hook_writes(const struct mechanism *m, const struct op *op)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return 0;
	m->to_c(f, op);
	fclose(f);
	free(text);
	return len > 0;
}

/* A mechanism may name ops of its own that need processes of their own:
 * the reproducer cannot be them, so it says so instead. */
int prog_to_c_supported(const struct mechanism *m, const struct prog *p, const char **why)
{
	const char *no = NULL;
	for (size_t i = 0; i < p->n && !no; i++)
		if (p->ops[i].kind == OP_PERM && m->set_perm && m->to_c &&
		    !hook_writes(m, &p->ops[i]))
			no = "perm (owner and mode at run time) is not written for this mechanism";
		else if (m->to_c_refuses)
			no = m->to_c_refuses(&p->ops[i]);
	if (why)
		*why = no;
	return no ? -2 : 0;
}

int prog_to_c(FILE *f, const struct mechanism *m, const struct prog *p, const char *origin)
{
	struct emitter e = {.f = f, .m = m, .p = p, .idents = to_c_has_ident(p)};
	struct limits lim;
	char line[256];

	if (!m->to_c)
		return -1;
	if (prog_to_c_supported(m, p, NULL))
		return -2;
	limits_read(&lim);
	model_init(&e.model, m, &lim);
	fprintf(f, "/* Standalone reproducer written by `ipcfuzz repro --to-c`%s%s.\n",
		origin ? " from " : "", origin ? origin : "");
	fprintf(f, " * Target %s: %s\n *\n * The program, in ipcfuzz's text form:\n", m->id,
		m->summary);
	for (size_t i = 0; i < p->n; i++) {
		op_format(&p->ops[i], line, sizeof line);
		fprintf(f, " *   %2zu  %s\n", i, line);
	}
	fprintf(f, " *\n%s *\n", approach);
	fprintf(f,
		" * Expectations were computed by ipcfuzz's model with these kernel limits:\n"
		" * page %ld, PIPE_BUF %ld, pipe size %ld, msgmax %ld, msgmnb %ld.\n"
		" * Build and run: cc -o repro this.c -lpthread -lrt && ./repro\n */\n",
		lim.page_size, lim.pipe_buf, lim.pipe_default_size, lim.msgmax, lim.msgmnb);
	fprintf(f, prelude, IPCF_ACTORS, IPCF_OBJS, OPF_READ, OPF_WRITE, IPCF_MAX_LEN + 1,
		IPCF_MAX_LEN + 1);
	/* The generator and record format ipcfuzz itself runs (their own
	 * includes are this file's). */
	emit_source(f, "src/util/payload.c", src_payload);
	fprintf(f, "#define RECORD_HDR %uu\n", RECORD_HDR);
	emit_source(f, "src/util/record.c", src_record);
	fprintf(f, "/* ---- end of ipcfuzz sources ---- */\n\n");
	fprintf(f, naming, NAME_EMPTY, NAME_SLASH, NAME_LONG, NAME_PRIVATE);
	fprintf(f, "%s", checks);
	fprintf(f, "#define SETUP_AFTER_IDENT %d /* a peer: ident before its set-up */\n",
		m->setup_after_ident ? 1 : 0);
	to_c_ident_helpers(f, p);
	fprintf(f, "/* ---- %s ---- */\n", m->id);
	m->to_c(f, NULL);
	fprintf(f, "\n");
	cleanup_function(&e);
	fprintf(f, "int main(void)\n{\n"
		   "\tstruct sigaction sa;\n\tmemset(&sa, 0, sizeof sa);\n"
		   "\tsa.sa_handler = on_alarm; /* no SA_RESTART */\n"
		   "\tsigaction(SIGALRM, &sa, NULL);\n"
		   "\tsignal(SIGPIPE, SIG_IGN); /* EPIPE is a result */\n"
		   "\t(void)pay; /* a program may move no data */\n\t(void)buf;\n"
		   "\tfor (int a = 0; a < ACTORS; a++)\n\t\tfor (int s = 0; s < SLOTS; s++)\n"
		   "\t\t\treset(&ch[a][s]);\n"
		   "\tfor (int s = 0; s < SLOTS; s++) {\n"
		   "\t\tname_for(ref[s].name, sizeof ref[s].name, (unsigned)s, 0);\n"
		   "\t\tref[s].key = key_for((unsigned)s);\n\t\tref[s].id = -1;\n\t}\n");
	if (e.idents)
		fprintf(f, "\tident_init();\n");
	uint8_t *payload = malloc(IPCF_MAX_LEN + 1);
	for (int a = 0; a < IPCF_ACTORS; a++)
		e.pend_payload[a] = malloc(IPCF_MAX_LEN + 1);
	for (size_t i = 0; i < p->n; i++)
		emit_step(&e, (int)i, payload);
	cur_payload = NULL;
	free(payload);
	for (int a = 0; a < IPCF_ACTORS; a++)
		free(e.pend_payload[a]);
	for (int a = 1; a < IPCF_ACTORS; a++)
		if (e.model.pend[a].active)
			cancel(&e, a);
	fprintf(f,
		"\n\tcleanup();\n"
		"\tprintf(\"%%s: %%s\\n\", \"%s\", failures ? \"the kernel differs from the "
		"model\"\n"
		"\t\t\t\t\t     : \"every op as the model predicts\");\n"
		"\treturn failures ? 1 : 0;\n}\n",
		m->id);
	model_free(&e.model);
	return 0;
}
