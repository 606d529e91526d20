/* signal: a process is the channel.  A peer that creates an object becomes
 * a receiver (its pid is the object's address, its signalfd the handle);
 * whoever joins gets the pid and may send with kill, sigqueue or tgkill.
 * Receivers take signals with sigtimedwait, a signalfd, or what the
 * recording handler wrote down.
 *
 * At rest a peer blocks every signal of the alphabet with default
 * dispositions, so nothing arrives asynchronously unless a program unblocks
 * a signal; after the program it is put back (and the audit checks that
 * nothing stays pending and no handler stays installed).  Each peer lives
 * in a user namespace of its own, so RLIMIT_SIGPENDING counts exactly its
 * own pending signals and the model can say when EAGAIN comes. */
#define _GNU_SOURCE
#include "mechanism.h"
#include "common/sigframe.h"

#include "../src/audit/audit.h"
#include "../src/exec/actor.h"
#include "common/actors_to_c.h"
#include "../src/util/fault.h"
#include "../src/util/sigrec.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define BURST_MAX 64

/* -- the recording handler ------------------------------------------------ */

/* Filled by the handler only; read by recv with every alphabet signal
 * blocked, so the two never run at once. */
static struct {
	int signo, code;
	pid_t pid;
	int value;
} records[IPCF_MAX_OPS * BURST_MAX];
static volatile sig_atomic_t nrecords;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (nrecords >= (sig_atomic_t)(sizeof records / sizeof records[0]))
		return;
	records[nrecords].signo = sig;
	records[nrecords].code = si->si_code;
	records[nrecords].pid = si->si_pid;
	records[nrecords].value = si->si_code == SI_QUEUE ? si->si_value.sival_int : 0;
	nrecords = nrecords + 1;
}

static struct sigrec to_rec(int signo, int code, pid_t pid, int value, enum sigrec_how how)
{
	int actor = actor_by_pid(pid);
	return (struct sigrec){
		.signo = (uint8_t)signo,
		.code = (int8_t)code,
		.sender = pid == 0    ? SENDER_NONE
			  : actor < 0 ? SENDER_GONE
				      : (uint8_t)actor,
		.how = (uint8_t)how,
		.value = code == SI_QUEUE ? value : 0,
	};
}

/* -- a peer at rest ---------------------------------------------------- */

static uint64_t touched; /* dispositions a program changed */
static struct rlimit rlimit_at_rest;

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));
	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A user namespace of its own: the pending-signal count the limit is
 * checked against is then this process's alone. */
static int own_user_namespace(void)
{
	char uid_map[32], gid_map[32];

	/* Its own ids, as the identity it took left them: kill permission
	 * compares those (the namespace is made after the identity). */
	snprintf(uid_map, sizeof uid_map, "%u %u 1", (unsigned)geteuid(), (unsigned)geteuid());
	snprintf(gid_map, sizeof gid_map, "%u %u 1", (unsigned)getegid(), (unsigned)getegid());
	if (unshare(CLONE_NEWUSER))
		return -errno;
	write_file("/proc/self/setgroups", "deny");
	if (write_file("/proc/self/uid_map", uid_map) || write_file("/proc/self/gid_map", gid_map))
		return -EPERM;
	return 0;
}

static void block_alphabet(void)
{
	sigset_t set;
	sig_alphabet_set(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

static int signal_actor_setup(int actor)
{
	if (actor == 0)
		return 0; /* the executor only sends */
	int err = own_user_namespace();
	/* Forked from an executor whose engine may have installed handlers. */
	for (int s = 1; s <= 64; s++)
		if (sig_alphabet() & SIG_BIT(s))
			signal(s, SIG_DFL);
	block_alphabet();
	getrlimit(RLIMIT_SIGPENDING, &rlimit_at_rest);
	nrecords = 0;
	return err;
}

static int signal_actor_reset(int actor)
{
	sigset_t set;
	struct timespec zero = {0, 0};

	if (actor == 0)
		return 0;
	block_alphabet();
	for (int s = 1; s <= 64; s++)
		if ((touched & SIG_BIT(s)) && !fault_on(FAULT_SIG_LEAVE_HANDLER))
			signal(s, SIG_DFL);
	touched = 0;
	sig_alphabet_set(&set);
	while (!fault_on(FAULT_SIG_LEAVE_PENDING) && sigtimedwait(&set, NULL, &zero) > 0)
		;
	setrlimit(RLIMIT_SIGPENDING, &rlimit_at_rest);
	nrecords = 0;
	return 0;
}

/* Is it possible here?  A forked child tries the namespace. */
static const char *signal_probe(void)
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0)
		_exit(own_user_namespace() ? 1 : 0);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return "needs a user namespace per peer (to count pending signals per receiver)";
	return NULL;
}

/* -- the channel --------------------------------------------------------- */

static int signal_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	sigset_t set;

	(void)op;
	sig_alphabet_set(&set);
	c->fd[0] = signalfd(-1, &set, SFD_CLOEXEC);
	if (c->fd[0] < 0)
		return -errno;
	c->id = ref->id = getpid();
	ref->key = (int32_t)gettid(); /* the receiving thread (the stress profile's) */
	c->ends = OPF_READ | OPF_WRITE;
	return 0;
}

static int signal_join(struct chan *c, const struct obj_ref *ref)
{
	if (ref->id <= 0)
		return -ENOENT; /* nobody has become a receiver in this slot */
	c->id = ref->id;
	c->role = ref->key;
	c->ends = OPF_WRITE;
	return 0;
}

static int send_one(pid_t pid, int sig, const struct op *op, int32_t value)
{
	if ((op->flags & OPF_QUEUE) && fault_on(FAULT_SIG_WRONG_VALUE))
		value++;
	if (sig == SIGKILL && fault_on(FAULT_SIG_SURVIVE_KILL))
		sig = SIGUSR1;
	int r = (op->flags & OPF_QUEUE)	   ? sigqueue(pid, sig, (union sigval){.sival_int = value})
		: (op->flags & OPF_THREAD) ? (int)syscall(SYS_tgkill, pid, pid, sig)
					   : kill(pid, sig);
	if (r && errno == EAGAIN && fault_on(FAULT_SIG_HIDE_EAGAIN))
		return 0;
	return r ? -errno : 0;
}

/* A burst of len signals (at most 64): how many went, or the first error. */
static ssize_t signal_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len)
{
	size_t count = len < BURST_MAX ? len : BURST_MAX;

	if (c->id <= 0)
		return -ESRCH; /* never signal pid 0 or a group */
	for (size_t k = 0; k < count; k++) {
		int r = send_one(c->id, op->arg, op, sig_value(buf, (unsigned)k, op->seed));
		if (r)
			return k ? (ssize_t)k : r;
	}
	return (ssize_t)count;
}

/* What a receive waits for: the alphabet, or one signal.  Never the kick:
 * a cancel must interrupt the wait, not be taken by it. */
static void wait_set(const struct op *op, sigset_t *set)
{
	sigemptyset(set);
	if (op->arg == 0)
		sig_alphabet_set(set);
	else
		sigaddset(set, op->arg); /* refuses what is out of range or glibc's */
	sigdelset(set, IPCF_SIG_KICK);
}

static ssize_t recv_wait(const struct op *op, uint8_t *buf)
{
	sigset_t set;
	siginfo_t si;
	struct timespec zero = {0, 0};

	wait_set(op, &set);
	/* The system call, not glibc's sigtimedwait(): that one reports a
	 * tgkill's SI_TKILL as SI_USER, and the kernel's answer is checked. */
	int sig = (int)syscall(SYS_rt_sigtimedwait, &set, &si,
			       (op->flags & OPF_NOWAIT) ? &zero : NULL, _NSIG / 8);
	if (sig < 0)
		return -errno;
	struct sigrec r = to_rec(sig, si.si_code, si.si_pid, si.si_value.sival_int, HOW_WAIT);
	sigrec_put(buf, &r);
	return SIGREC_BYTES;
}

/* signalfd: whole signalfd_siginfo records, turned into ours in place
 * (ours are smaller, so each lands before the next one is read). */
static ssize_t recv_fd(struct chan *c, const struct op *op, uint8_t *buf, size_t cap)
{
	sigset_t set;

	wait_set(op, &set);
	if (signalfd(c->fd[0], &set, 0) < 0)
		return -errno;
	fcntl(c->fd[0], F_SETFL, (op->flags & OPF_NOWAIT) ? O_NONBLOCK : 0);
	ssize_t got = read(c->fd[0], buf, cap);
	if (got < 0)
		return -errno;
	if (got % (ssize_t)sizeof(struct signalfd_siginfo))
		return -EBADMSG;
	size_t n = (size_t)got / sizeof(struct signalfd_siginfo);
	for (size_t i = 0; i < n; i++) {
		struct signalfd_siginfo si;
		memcpy(&si, buf + i * sizeof si, sizeof si);
		struct sigrec r = to_rec((int)si.ssi_signo, si.ssi_code, (pid_t)si.ssi_pid,
					 si.ssi_int, HOW_FD);
		sigrec_put(buf + i * SIGREC_BYTES, &r);
	}
	/* Faults: a standard signal reported twice (did not coalesce), two
	 * queued real-time signals of one number swapped. */
	if (fault_on(FAULT_SIG_NO_COALESCE) && n && buf[0] < SIGRTMIN &&
	    (n + 1) * sizeof(struct signalfd_siginfo) <= cap) {
		memcpy(buf + n * SIGREC_BYTES, buf, SIGREC_BYTES);
		n++;
	}
	if (fault_on(FAULT_SIG_RT_REORDER) && n > 1 && buf[0] >= SIGRTMIN && buf[0] == buf[8]) {
		uint8_t t[SIGREC_BYTES];
		memcpy(t, buf, SIGREC_BYTES);
		memcpy(buf, buf + SIGREC_BYTES, SIGREC_BYTES);
		memcpy(buf + SIGREC_BYTES, t, SIGREC_BYTES);
	}
	return (ssize_t)(n * SIGREC_BYTES);
}

static ssize_t recv_handler(uint8_t *buf, size_t cap)
{
	size_t n = cap / SIGREC_BYTES, have = (size_t)nrecords;

	if (n > have)
		n = have;
	for (size_t i = 0; i < n; i++) {
		struct sigrec r = to_rec(records[i].signo, records[i].code, records[i].pid,
					 records[i].value, HOW_HANDLER);
		sigrec_put(buf + i * SIGREC_BYTES, &r);
	}
	memmove(records, records + n, (have - n) * sizeof records[0]);
	nrecords = (sig_atomic_t)(have - n);
	return (ssize_t)(n * SIGREC_BYTES);
}

static ssize_t signal_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap,
			   int64_t *mtype)
{
	(void)mtype;
	if (c->fd[0] < 0)
		return -EBADF; /* a sender's handle */
	if (op->flags & OPF_FD)
		return recv_fd(c, op, buf, cap);
	if (op->flags & OPF_HANDLER)
		return recv_handler(buf, cap);
	return recv_wait(op, buf);
}

static int signal_close(struct chan *c, unsigned ends)
{
	(void)ends;
	if (c->fd[0] >= 0)
		close(c->fd[0]);
	c->fd[0] = -1;
	c->id = -1;
	c->ends = 0;
	return 0;
}

static int signal_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	(void)ref;
	return 0; /* nothing to remove: the address is a process */
}

/* The mask as the model reports it: the alphabet, and SIGKILL/SIGSTOP to
 * show they never get blocked. */
static int64_t mask_now(void)
{
	sigset_t set;
	int64_t bits = 0;

	sigprocmask(SIG_BLOCK, NULL, &set);
	for (int s = 1; s <= 64; s++)
		if ((sig_alphabet() & SIG_BIT(s)) || s == SIGKILL || s == SIGSTOP)
			if (sigismember(&set, s) == 1)
				bits |= (int64_t)SIG_BIT(s);
	return bits;
}

static int64_t change_mask(const struct op *op)
{
	sigset_t set;

	sigemptyset(&set);
	if (op->len && sigaddset(&set, op->len))
		return -errno;
	sigprocmask(op->arg == OPT_BLOCK ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
	return mask_now();
}

static int64_t change_disposition(const struct op *op)
{
	struct sigaction sa;
	int sig = op->len;

	memset(&sa, 0, sizeof sa);
	if (op->arg == OPT_CATCH) {
		sa.sa_sigaction = on_signal;
		sa.sa_flags = SA_SIGINFO;      /* no SA_RESTART: a waiter sees EINTR */
		sig_alphabet_set(&sa.sa_mask); /* one handler at a time, in order */
	} else {
		sa.sa_handler = op->arg == OPT_IGNORE ? SIG_IGN : SIG_DFL;
	}
	audit_note_handler(sig);
	if (sigaction(sig, &sa, NULL))
		return -errno;
	touched |= SIG_BIT(sig);
	return 0;
}

static int64_t signal_control(struct chan *c, const struct op *op)
{
	struct rlimit rl;

	if (c->fd[0] < 0)
		return -EBADF; /* a sender's handle: not its own mask to change */
	switch (op->arg) {
	case OPT_BLOCK:
	case OPT_UNBLOCK:
		return change_mask(op);
	case OPT_CATCH:
	case OPT_IGNORE:
	case OPT_DEFAULT:
		return change_disposition(op);
	case OPT_RLIMIT:
		getrlimit(RLIMIT_SIGPENDING, &rl);
		rl.rlim_cur = op->len;
		return setrlimit(RLIMIT_SIGPENDING, &rl) ? -errno : 0;
	}
	return -ENOTSUP;
}

/* Reproducer C (src/prog/to_c.h).  A signal's receiver is a process, so
 * every peer is one (common/actors_to_c.c): actor 0, the main process, only
 * sends, as ipcfuzz's executor; actors 1 and 2 are set up as ipcfuzz's
 * peers are (a user namespace of their own, the alphabet blocked, default
 * dispositions).  The receiver names a sender by pid through the table of
 * who is who now. */
static const char signal_to_c_helpers[] =
	"#include <sys/resource.h>\n#include <sys/signalfd.h>\n\n"
	"#define ALPHABET 0x%llxull\n#define BURST 64\n"
	"#define SI_BIT(s) (1ull << ((s) - 1))\n"
	"enum { F_QUEUE = %u, F_THREAD = %u, F_FD = %u, F_HANDLER = %u, F_NOWAIT = %u };\n"
	"enum { O_BLOCK = %d, O_UNBLOCK, O_CATCH, O_IGNORE, O_DEFAULT, O_RLIMIT };\n"
	"enum { HOW_WAIT, HOW_FD, HOW_HANDLER };\n\n"
	"static void alphabet_set(sigset_t *set)\n{\n\tsigemptyset(set);\n"
	"\tfor (int s = 1; s <= 64; s++)\n\t\tif (ALPHABET & SI_BIT(s))\n\t\t\tsigaddset(set, "
	"s);\n}\n\n"
	"/* The recording handler (blocks the alphabet while it runs). */\n"
	"static struct {\n\tint signo, code, value;\n\tpid_t pid;\n} records[%d];\n"
	"static volatile sig_atomic_t nrecords;\n\n"
	"static void on_signal(int sig, siginfo_t *si, void *uc)\n{\n\t(void)uc;\n"
	"\tif (nrecords >= (sig_atomic_t)(sizeof records / sizeof records[0]))\n\t\treturn;\n"
	"\trecords[nrecords].signo = sig;\n\trecords[nrecords].code = si->si_code;\n"
	"\trecords[nrecords].pid = si->si_pid;\n"
	"\trecords[nrecords].value = si->si_code == SI_QUEUE ? si->si_value.sival_int : 0;\n"
	"\tnrecords = nrecords + 1;\n}\n\n"
	"static void wait_set(const struct cmd *m, sigset_t *set)\n{\n"
	"\tif (m->arg == 0)\n\t\talphabet_set(set);\n"
	"\telse {\n\t\tsigemptyset(set);\n\t\tsigaddset(set, m->arg); /* may refuse it */\n\t}\n"
	"\tsigdelset(set, KICK);\n}\n\n"
	"static long recv_op(const struct cmd *m, struct chan *c, uint8_t *out)\n{\n"
	"\tsigset_t set;\n\tsiginfo_t si;\n\tstruct timespec zero = {0, 0};\n"
	"\tif (c->fd[0] < 0)\n\t\treturn -EBADF; /* a sender's handle */\n"
	"\tif ((m->flags & F_HANDLER) && !(m->flags & F_FD)) { /* fd first */\n"
	"\t\tint n = m->len / 8, have = nrecords;\n\t\tif (n > have)\n\t\t\tn = have;\n"
	"\t\tfor (int i = 0; i < n; i++)\n"
	"\t\t\tput_rec(out + 8 * i, records[i].signo, records[i].code, records[i].pid,\n"
	"\t\t\t\trecords[i].value, HOW_HANDLER);\n"
	"\t\tmemmove(records, records + n, (size_t)(have - n) * sizeof records[0]);\n"
	"\t\tnrecords = have - n;\n\t\treturn 8L * n;\n\t}\n"
	"\twait_set(m, &set);\n"
	"\tif (m->flags & F_FD) {\n"
	"\t\tif (signalfd(c->fd[0], &set, 0) < 0)\n\t\t\treturn -errno;\n"
	"\t\tfcntl(c->fd[0], F_SETFL, (m->flags & F_NOWAIT) ? O_NONBLOCK : 0);\n"
	"\t\tssize_t got = read(c->fd[0], out, (size_t)m->len);\n"
	"\t\tif (got < 0)\n\t\t\treturn -errno;\n"
	"\t\tif (got %% (ssize_t)sizeof(struct signalfd_siginfo))\n\t\t\treturn -EBADMSG;\n"
	"\t\tsize_t n = (size_t)got / sizeof(struct signalfd_siginfo);\n"
	"\t\tfor (size_t i = 0; i < n; i++) {\n\t\t\tstruct signalfd_siginfo fi;\n"
	"\t\t\tmemcpy(&fi, out + i * sizeof fi, sizeof fi);\n"
	"\t\t\tput_rec(out + 8 * i, (int)fi.ssi_signo, fi.ssi_code, (pid_t)fi.ssi_pid,\n"
	"\t\t\t\tfi.ssi_int, HOW_FD);\n\t\t}\n\t\treturn (long)(8 * n);\n\t}\n"
	"\t/* the system call: glibc's reports a tgkill's SI_TKILL as SI_USER */\n"
	"\tint sig = (int)syscall(SYS_rt_sigtimedwait, &set, &si,\n"
	"\t\t\t      (m->flags & F_NOWAIT) ? &zero : NULL, _NSIG / 8);\n"
	"\tif (sig < 0)\n\t\treturn -errno;\n"
	"\tput_rec(out, sig, si.si_code, si.si_pid, si.si_value.sival_int, HOW_WAIT);\n"
	"\treturn 8;\n}\n\n"
	"static long mask_now(void)\n{\n\tsigset_t set;\n\tlong bits = 0;\n"
	"\tsigprocmask(SIG_BLOCK, NULL, &set);\n"
	"\tfor (int s = 1; s <= 64; s++)\n"
	"\t\tif (((ALPHABET & SI_BIT(s)) || s == SIGKILL || s == SIGSTOP) &&\n"
	"\t\t    sigismember(&set, s) == 1)\n\t\t\tbits |= (long)SI_BIT(s);\n"
	"\treturn bits;\n}\n\n"
	"static long setopt_op(const struct cmd *m, struct chan *c)\n{\n"
	"\tstruct sigaction sa;\n\tstruct rlimit rl;\n\tsigset_t set;\n"
	"\tif (c->fd[0] < 0)\n\t\treturn -EBADF; /* not its own mask to change */\n"
	"\tswitch (m->arg) {\n\tcase O_BLOCK:\n\tcase O_UNBLOCK:\n"
	"\t\tsigemptyset(&set);\n\t\tif (m->len && sigaddset(&set, m->len))\n\t\t\treturn -errno;\n"
	"\t\tsigprocmask(m->arg == O_BLOCK ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);\n"
	"\t\treturn mask_now();\n"
	"\tcase O_CATCH:\n\tcase O_IGNORE:\n\tcase O_DEFAULT:\n"
	"\t\tmemset(&sa, 0, sizeof sa);\n"
	"\t\tif (m->arg == O_CATCH) {\n\t\t\tsa.sa_sigaction = on_signal;\n"
	"\t\t\tsa.sa_flags = SA_SIGINFO; /* no SA_RESTART */\n"
	"\t\t\talphabet_set(&sa.sa_mask);\n"
	"\t\t} else {\n\t\t\tsa.sa_handler = m->arg == O_IGNORE ? SIG_IGN : SIG_DFL;\n\t\t}\n"
	"\t\treturn sigaction(m->len, &sa, NULL) ? -errno : 0;\n"
	"\tcase O_RLIMIT:\n\t\tgetrlimit(RLIMIT_SIGPENDING, &rl);\n\t\trl.rlim_cur = m->len;\n"
	"\t\treturn setrlimit(RLIMIT_SIGPENDING, &rl) ? -errno : 0;\n\t}\n"
	"\treturn -ENOTSUP;\n}\n\n"
	"/* One op in the actor's own process. */\n"
	"static long do_op(const struct cmd *m, struct chan *c, struct ref *rf, uint8_t *out,\n"
	"\t\t  int64_t *mtype)\n{\n"
	"\tsigset_t set;\n\tint count = m->len < BURST ? m->len : BURST;\n\t(void)mtype;\n"
	"\tswitch (m->kind) {\n\tcase K_CREATE: /* a receiver: its pid is the address */\n"
	"\t\talphabet_set(&set);\n\t\tc->fd[0] = signalfd(-1, &set, SFD_CLOEXEC);\n"
	"\t\tif (c->fd[0] < 0)\n\t\t\treturn -errno;\n"
	"\t\tc->id = rf->id = getpid();\n\t\tc->ends = END_READ | END_WRITE;\n\t\treturn 0;\n"
	"\tcase K_JOIN: /* a sender */\n"
	"\t\tif (rf->id <= 0)\n\t\t\treturn -ENOENT;\n"
	"\t\tc->id = rf->id;\n\t\tc->ends = END_WRITE;\n\t\treturn 0;\n"
	"\tcase K_SEND:\n\t\tif (c->id <= 0)\n\t\t\treturn -ESRCH;\n"
	"\t\tfor (int k = 0; k < count; k++) {\n"
	"\t\t\tint v = (int)(pay[k] | (k << 8) | ((uint32_t)m->seed << 16)), r;\n"
	"\t\t\tif (m->flags & F_QUEUE)\n"
	"\t\t\t\tr = sigqueue(c->id, m->arg, (union sigval){.sival_int = v});\n"
	"\t\t\telse if (m->flags & F_THREAD)\n"
	"\t\t\t\tr = (int)syscall(SYS_tgkill, c->id, c->id, m->arg);\n"
	"\t\t\telse\n\t\t\t\tr = kill(c->id, m->arg);\n"
	"\t\t\tif (r)\n\t\t\t\treturn k ? k : -errno;\n\t\t}\n\t\treturn count;\n"
	"\tcase K_RECV:\n\t\treturn recv_op(m, c, out);\n"
	"\tcase K_CLOSE:\n\t\tif (c->fd[0] >= 0)\n\t\t\tclose(c->fd[0]);\n"
	"\t\tc->fd[0] = -1;\n\t\tc->id = -1;\n\t\tc->ends = 0;\n\t\treturn 0;\n"
	"\tcase K_SETOPT:\n\t\treturn setopt_op(m, c);\n\t}\n"
	"\treturn 0; /* destroy: nothing to remove, the address is a process */\n}\n\n"
	"/* A peer as ipcfuzz starts one: its own user namespace (its pending\n"
	" * signals alone count against its limit), defaults, the alphabet blocked. */\n"
	"static void peer_setup(void)\n{\n"
	"\tsigset_t set;\n\tchar map[64];\n"
	"\tunsigned uid = geteuid(), gid = getegid();\n"
	"\tif (!unshare(CLONE_NEWUSER)) {\n"
	"\t\tconst char *files[] = {\"/proc/self/setgroups\", \"/proc/self/uid_map\",\n"
	"\t\t\t\t       \"/proc/self/gid_map\"};\n"
	"\t\tfor (int i = 0; i < 3; i++) {\n"
	"\t\t\tFILE *f = fopen(files[i], \"w\");\n"
	"\t\t\tsnprintf(map, sizeof map, i ? \"%%u %%u 1\" : \"deny\", i == 1 ? uid : gid,\n"
	"\t\t\t\t i == 1 ? uid : gid);\n"
	"\t\t\tif (f) {\n\t\t\t\tfputs(map, f);\n\t\t\t\tfclose(f);\n\t\t\t}\n\t\t}\n\t}\n"
	"\tfor (int s = 1; s <= 64; s++)\n\t\tif (ALPHABET & SI_BIT(s))\n\t\t\tsignal(s, "
	"SIG_DFL);\n"
	"\talphabet_set(&set);\n\tsigprocmask(SIG_BLOCK, &set, NULL);\n}\n";

static void signal_helpers_c(FILE *f)
{
	fprintf(f, signal_to_c_helpers, (unsigned long long)sig_alphabet(), (unsigned)OPF_QUEUE,
		(unsigned)OPF_THREAD, (unsigned)OPF_FD, (unsigned)OPF_HANDLER, (unsigned)OPF_NOWAIT,
		OPT_BLOCK, IPCF_MAX_OPS * BURST_MAX);
}

static void signal_to_c(FILE *f, const struct op *op)
{
	actors_to_c(f, op, signal_helpers_c);
}

const struct mechanism mech_signal = {
	.id = "signal",
	.summary = "signals (kill/sigqueue/tgkill -> sigtimedwait/signalfd/handler): a pid is the "
		   "channel",
	.cls = CLASS_SIGNALS,
	.join_path = JOIN_BY_ADDRESS,
	.naming = NAMING_NONE,
	.probe = signal_probe,
	.create = signal_create,
	.join = signal_join,
	.send = signal_send,
	.recv = signal_recv,
	.close = signal_close,
	.destroy = signal_destroy,
	.control = signal_control,
	.actor_setup = signal_actor_setup,
	.setup_after_ident = true, /* its user namespace maps the identity's ids */
	.actor_reset = signal_actor_reset,
	.to_c = signal_to_c,
	.to_c_actors = 1,
	.stress = &sigframe_stress,
};
