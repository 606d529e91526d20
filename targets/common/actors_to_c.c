/* Reproducer C (src/prog/to_c.h) of mechanisms whose actors must be
 * processes of their own (mechanism.to_c_actors: signal, binder): actor 0
 * is the reproducer's main process, actors 1 and 2 children it forks and
 * drives one op at a time over a socket, as ipcfuzz's executor drives its
 * peers.  An op that blocks is started, awaited until the child sleeps in
 * it, and collected when it completes or interrupted by the kick signal
 * (EINTR); an actor that ends (killed, or a fatal signal the model
 * predicts) is reaped, and is a new process the next time it is used.
 * Every command carries the table of who is who now (pids_now), so an
 * answer that names a process can name the actor. */
#define _GNU_SOURCE
#include "actors_to_c.h"

#include "../../src/prog/to_c.h"

static const char helpers[] =
	"#include <poll.h>\n#include <sys/socket.h>\n#include <sys/syscall.h>\n"
	"#include <sys/wait.h>\n#include <sched.h>\n\n"
	"#define KICK (SIGRTMAX - 1)\n"
	"enum { K_CREATE = %d, K_JOIN, K_SEND, K_RECV, K_CLOSE, K_DESTROY, K_SETOPT, K_KILL, "
	"K_IDENT,\n"
	"       K_PERM };\n"
	"/* perm: the owner and mode to set */\n"
	"#define perm_mode(m) ((unsigned)(uint16_t)(m)->arg & 0777u)\n"
	"#define perm_uid(m) ((uid_t)ident_id(((unsigned)(uint16_t)(m)->arg >> 9) & 3u))\n"
	"#define perm_gid(m) ((gid_t)ident_id(((unsigned)(uint16_t)(m)->arg >> 11) & 3u))\n\n"
	"/* A command: the op, then (a send) its payload; an answer: the result,\n"
	" * the handle and the object as the op left them, then the data. */\n"
	"struct cmd {\n\tint kind, flags, arg, len, seed;\n"
	"\tpid_t pids[ACTORS];\n\tstruct chan c;\n\tstruct ref rf;\n};\n"
	"struct rep {\n\tlong r;\n\tint64_t mtype;\n\tuint32_t n;\n\tstruct chan c;\n"
	"\tstruct ref rf;\n};\n\n"
	"static pid_t actor_pid[ACTORS], pids_now[ACTORS];\n"
	"static int actor_sock[ACTORS] = {-1, -1, -1};\n"
	"static int self_actor, ident_err; /* in a peer: who it is, how its ident went */\n"
	"static int actor_busy[ACTORS]; /* in a blocked op, started, not yet collected */\n"
	"static uint8_t peer_out[4 * 32768];\n\n"
	"/* The mechanism's part: one op in the actor's own process, and what a\n"
	" * new peer process does first. */\n"
	"static long do_op(const struct cmd *m, struct chan *c, struct ref *rf, uint8_t *out,\n"
	"\t\t  int64_t *mtype);\n"
	"static void peer_setup(void);\n\n"
	"static void on_kick(int sig)\n{\n\t(void)sig; /* interrupts a blocked op: EINTR */\n}\n\n"
	"/* Reads with recv(2): a peer waiting for its next op sleeps in recvfrom,\n"
	" * one blocked in its op in another call (await_blocked tells them apart). */\n"
	"static int full(int fd, void *p, size_t n, int wr)\n{\n"
	"\tfor (size_t done = 0; done < n;) {\n"
	"\t\tssize_t k = wr ? write(fd, (char *)p + done, n - done)\n"
	"\t\t\t       : recv(fd, (char *)p + done, n - done, 0);\n"
	"\t\tif (k < 0 && errno == EINTR && !wr && getpid() != pids_now[0])\n"
	"\t\t\tcontinue; /* a peer: a handler ran */\n"
	"\t\tif (k <= 0)\n\t\t\treturn -1;\n\t\tdone += (size_t)k;\n\t}\n\treturn 0;\n}\n\n"
	"static void peer_loop(int sock)\n{\n"
	"\tstruct sigaction sa;\n\tstruct cmd m;\n"
	"\t/* nothing of main's: an inherited descriptor would keep its file open */\n"
	"\tfor (int fd = 3; fd < 4096; fd++)\n\t\tif (fd != sock)\n\t\t\tclose(fd);\n"
	"\tif (!SETUP_AFTER_IDENT)\n\t\tpeer_setup();\n"
	"\tident_err = ident_take(self_actor);\n"
	"\tif (SETUP_AFTER_IDENT)\n\t\tpeer_setup();\n"
	"\tmemset(&sa, 0, sizeof sa);\n\tsa.sa_handler = on_kick;\n\tsigaction(KICK, &sa, NULL);\n"
	"\twhile (!full(sock, &m, sizeof m, 0)) {\n"
	"\t\tstruct rep p = {0};\n"
	"\t\tif (m.kind == K_SEND && full(sock, pay, (size_t)m.len, 0))\n\t\t\tbreak;\n"
	"\t\tmemcpy(pids_now, m.pids, sizeof pids_now);\n"
	"\t\tp.r = m.kind == K_IDENT ? ident_err : do_op(&m, &m.c, &m.rf, peer_out, &p.mtype);\n"
	"\t\tp.n = m.kind == K_RECV && p.r > 0 ? (uint32_t)p.r : 0;\n"
	"\t\tp.c = m.c;\n\t\tp.rf = m.rf;\n"
	"\t\tif (full(sock, &p, sizeof p, 1) || full(sock, peer_out, p.n, 1))\n\t\t\tbreak;\n"
	"\t}\n\t_exit(0);\n}\n\n"
	"static void peers_end(void)\n{\n"
	"\tfor (int a = 1; a < ACTORS; a++)\n\t\tif (actor_pid[a] > 0) {\n"
	"\t\t\tkill(actor_pid[a], SIGKILL);\n\t\t\twaitpid(actor_pid[a], NULL, 0);\n"
	"\t\t\tactor_pid[a] = 0;\n\t\t}\n}\n\n"
	"static int actor_of(const struct chan *c)\n{\n"
	"\tif (c < &ch[0][0] || c >= &ch[ACTORS][0])\n\t\treturn 0;\n"
	"\treturn (int)((c - &ch[0][0]) / SLOTS);\n}\n\n"
	"/* Until actor a sleeps in its op, as ipcfuzz waits for a blocked peer\n"
	" * (what comes next must find it waiting), or answers; at most 2 s. */\n"
	"static void await_blocked(int a)\n{\n"
	"\tchar path[64], line[64];\n"
	"\tsnprintf(path, sizeof path, \"/proc/%%d/syscall\", (int)actor_pid[a]);\n"
	"\tfor (int i = 0; i < 20000; i++) {\n"
	"\t\tstruct pollfd p = {.fd = actor_sock[a], .events = POLLIN};\n"
	"\t\tFILE *f = fopen(path, \"r\");\n\t\tlong nr = -1;\n"
	"\t\tif (f && fgets(line, sizeof line, f) && line[0] >= '0' && line[0] <= '9')\n"
	"\t\t\tnr = atol(line);\n"
	"\t\tif (f)\n\t\t\tfclose(f);\n"
	"\t\tif ((nr >= 0 && nr != SYS_recvfrom) || poll(&p, 1, 0) > 0)\n\t\t\treturn;\n"
	"\t\tusleep(100);\n\t}\n}\n\n"
	"static void who_is_who(struct cmd *m)\n{\n"
	"\tpids_now[0] = getpid();\n"
	"\tfor (int i = 1; i < ACTORS; i++)\n\t\tpids_now[i] = actor_pid[i];\n"
	"\tmemcpy(m->pids, pids_now, sizeof m->pids);\n}\n\n"
	"/* A received signal as ipcfuzz records it: 8 bytes (signo, si_code,\n"
	" * sender actor or 0xfe gone / 0xff none, how, value). */\n"
	"static void put_rec(uint8_t *out, int signo, int code, pid_t pid, int value, int how)\n"
	"{\n\tint sender = pid ? 0xfe : 0xff;\n"
	"\tfor (int a = 0; a < ACTORS && pid; a++)\n\t\tif (pids_now[a] == pid)\n"
	"\t\t\tsender = a;\n"
	"\tuint32_t v = code == SI_QUEUE ? (uint32_t)value : 0;\n"
	"\tout[0] = (uint8_t)signo;\n\tout[1] = (uint8_t)code;\n\tout[2] = (uint8_t)sender;\n"
	"\tout[3] = (uint8_t)how;\n"
	"\tfor (int i = 0; i < 4; i++)\n\t\tout[4 + i] = (uint8_t)(v >> (8 * i));\n}\n\n"
	"/* Sends the op to actor a's process (started first if it is not running). */\n"
	"static int op_start(int a, struct chan *c, struct ref *rf, int kind, int flags, int arg,\n"
	"\t\t    int len, int seed)\n{\n"
	"\tstruct cmd m = {kind, flags, arg, len, seed, {0}, *c, *rf};\n"
	"\tint sv[2];\n\tstatic int registered;\n"
	"\tif (!registered++)\n\t\tatexit(peers_end);\n"
	"\tif (!actor_pid[a]) {\n"
	"\t\tif (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))\n\t\t\treturn -1;\n"
	"\t\tfflush(stdout);\n\t\tactor_pid[a] = fork();\n"
	"\t\tif (actor_pid[a] == 0) {\n\t\t\tclose(sv[0]);\n\t\t\tself_actor = a;\n"
	"\t\t\tpeer_loop(sv[1]);\n\t\t}\n"
	"\t\tclose(sv[1]);\n\t\tactor_sock[a] = sv[0];\n\t}\n"
	"\twho_is_who(&m);\n"
	"\tif (full(actor_sock[a], &m, sizeof m, 1))\n\t\treturn -1;\n"
	"\treturn kind == K_SEND ? full(actor_sock[a], pay, (size_t)len, 1) : 0;\n}\n\n"
	"static void op_start_blocking(int a, struct chan *c, struct ref *rf, int kind, int "
	"flags,\n\t\t\t      int arg, int len, int seed)\n{\n"
	"\tif (!op_start(a, c, rf, kind, flags, arg, len, seed)) {\n\t\tactor_busy[a] = 1;\n"
	"\t\tawait_blocked(a);\n\t}\n}\n\n"
	"/* Its result; an actor that died in the op gives none (-EPIPE). */\n"
	"static long op_collect(int a, struct chan *c, struct ref *rf, int64_t *mtype)\n{\n"
	"\tstruct rep p;\n\tactor_busy[a] = 0;\n"
	"\tif (full(actor_sock[a], &p, sizeof p, 0) || full(actor_sock[a], buf, p.n, 0))\n"
	"\t\treturn errno == EINTR ? -ETIMEDOUT : -EPIPE;\n"
	"\t*c = p.c;\n\t*rf = p.rf;\n"
	"\tif (mtype)\n\t\t*mtype = p.mtype;\n\treturn p.r;\n}\n\n"
	"static long op_run(int a, struct chan *c, struct ref *rf, int kind, int flags, int arg,\n"
	"\t\t   int len, int seed, int64_t *mtype)\n{\n"
	"\tif (a == 0) { /* the main process */\n"
	"\t\tstruct cmd m = {kind, flags, arg, len, seed, {0}, *c, *rf};\n"
	"\t\tint64_t t = 0;\n"
	"\t\twho_is_who(&m);\n"
	"\t\tlong r = do_op(&m, c, rf, buf, &t);\n"
	"\t\tif (mtype)\n\t\t\t*mtype = t;\n\t\treturn r;\n\t}\n"
	"\tif (op_start(a, c, rf, kind, flags, arg, len, seed))\n\t\treturn -EPIPE;\n"
	"\treturn op_collect(a, c, rf, mtype);\n}\n\n"
	"/* The actor's process ends (killed: 0, or a fatal signal the model\n"
	" * predicts: died), and its handles with it. */\n"
	"static void actor_end(int a, int died)\n{\n"
	"\tint status = 0;\n"
	"\tif (actor_pid[a] > 0) {\n"
	"\t\tif (!died)\n\t\t\tkill(actor_pid[a], SIGKILL);\n"
	"\t\talarm(5);\n\t\tpid_t w = waitpid(actor_pid[a], &status, 0);\n\t\talarm(0);\n"
	"\t\tif (w != actor_pid[a] || !WIFSIGNALED(status)) {\n"
	"\t\t\tprintf(\"actor %%d: the model says a fatal signal ends it, but it runs\\n\", a);\n"
	"\t\t\tfailures++;\n\t\t\tkill(actor_pid[a], SIGKILL);\n"
	"\t\t\twaitpid(actor_pid[a], NULL, 0);\n\t\t}\n"
	"\t\tclose(actor_sock[a]);\n\t}\n"
	"\tactor_pid[a] = 0;\n\tactor_sock[a] = -1;\n\tactor_busy[a] = 0;\n"
	"\tfor (int s = 0; s < SLOTS; s++)\n\t\treset(&ch[a][s]);\n}\n\n"
	"/* ident: actor a's process is replaced by one that takes the identity\n"
	" * first thing (its handles go with the old one); on failure the actor\n"
	" * keeps the identity it had.  Actor 0, the main process, takes only the\n"
	" * umask, as ipcfuzz's executor. */\n"
	"static long actor_ident(struct chan *c, struct ref *rf, int a, unsigned uid, unsigned "
	"gid,\n"
	"\t\t\tunsigned groups, unsigned ns, unsigned nocap, unsigned mask)\n{\n"
	"\tstruct ident before = idents[a];\n"
	"\tif (!a) {\n\t\tidents[0].mask = mask;\n\t\tumask(mask);\n\t\treturn 0;\n\t}\n"
	"\tactor_end(a, 0);\n"
	"\tidents[a] = (struct ident){1, uid, gid, groups, ns, nocap, mask, {-1, -1, -1}};\n"
	"\tlong r = op_run(a, c, rf, K_IDENT, 0, 0, 0, 0, NULL);\n"
	"\tif (r) {\n\t\tactor_end(a, 0);\n\t\tidents[a] = before;\n\t}\n"
	"\treturn r;\n}\n\n";

void actors_to_c(FILE *f, const struct op *op, void (*own_helpers)(FILE *f))
{
	if (!op) {
		fprintf(f, helpers, OP_CREATE);
		own_helpers(f);
		return;
	}
	if (op->kind == OP_KILL) {
		fprintf(f, "\t\tactor_end(%d, %d);\n", op->actor, op->arg);
		return;
	}
	/* The actor comes from c: the clean-up writes one op for every actor. */
	const char *args = "actor_of(c), c, rf";
	const char *mt = op->kind == OP_RECV ? "&mtype" : "NULL";
	char call[160];
	snprintf(call, sizeof call, "%s, %d, %u, %d, %u, %u", args, op->kind, op->flags, op->arg,
		 op->len, op->seed);
	switch (to_c_phase()) {
	case TO_C_START:
		fprintf(f, "\t\top_start_blocking(%s);\n", call);
		break;
	case TO_C_COLLECT:
		fprintf(f, "\t\tr = op_collect(%s, %s);\n", args, mt);
		break;
	case TO_C_CANCEL:
		fprintf(f, "\t\tkill(actor_pid[actor_of(c)], KICK);\n\t\tr = op_collect(%s, %s);\n",
			args, mt);
		break;
	default:
		fprintf(f, "\t\tr = op_run(%s, %s);\n", call, mt);
	}
}
