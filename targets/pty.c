/* pty: a pseudo-terminal pair.  Create = posix_openpt + grantpt + unlockpt
 * (the creator holds the master); join = open(ptsname) (the joiner holds a
 * slave).  Writes carry the op's payload shaped into terminal input
 * (src/util/tty_text.h); setopt changes termios, the window size, or makes
 * the pair the actor's controlling terminal (the kernel always takes the
 * slave, even when the ioctl is on the master).  recv with the
 * `sig` flag collects the tty signals (SIGINT, SIGHUP, SIGWINCH, ...) the
 * actor got, which pty peers keep blocked.
 *
 * Every open uses O_NOCTTY and the executor never calls TIOCSCTTY, so the
 * fuzzing process never gets a controlling terminal from us, nor SIGHUP,
 * SIGINT or SIGTTOU from one.  Ptys come from the sandbox's private devpts
 * instance: a stale name can only ever reach one of our own ptys. */
#define _GNU_SOURCE
#include "mechanism.h"

#include "../src/exec/actor.h"
#include "../src/prog/to_c.h"
#include "common/actors_to_c.h"
#include "../src/sandbox/sandbox.h"
#include "../src/uring/backend.h"
#include "../src/util/fault.h"
#include "../src/util/sigrec.h"
#include "../src/util/tty_text.h"
#include "../stress/stress.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* The signals a terminal sends; pty peers block them at rest. */
static void tty_signal_set(sigset_t *set)
{
	static const int sigs[] = {SIGHUP,  SIGINT,   SIGQUIT, SIGCONT,
				   SIGTSTP, SIGWINCH, SIGTTIN, SIGTTOU};
	sigemptyset(set);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(set, sigs[i]);
}

static const char *pty_probe(void)
{
	if (sandbox_enter() != SANDBOX_NAMESPACES || !sandbox_private_pts())
		return "needs the sandbox's private devpts instance (mount namespace): without it "
		       "a stale pty name could reach a terminal of the host";
	return probe_needs("/dev/ptmx", "no /dev/ptmx");
}

static int pty_actor_setup(int actor)
{
	sigset_t set;

	if (actor == 0)
		return 0; /* the executor never is anyone's foreground */
	tty_signal_set(&set);
	return sigprocmask(SIG_BLOCK, &set, NULL) ? -errno : 0;
}

static int pty_actor_reset(int actor)
{
	sigset_t set;
	struct timespec zero = {0, 0};

	if (actor == 0)
		return 0;
	/* A session leader first gives up its terminal: a worker still moving
	 * data the model stopped following could otherwise signal it after
	 * the drain below (TIOCNOTTY itself sends it SIGHUP and SIGCONT). */
	int tty = getsid(0) == getpid() ? open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
	if (tty >= 0) {
		ioctl(tty, TIOCNOTTY);
		close(tty);
	}
	tty_signal_set(&set);
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
	/* A session leader stays one: only a new process is back at rest. */
	return getsid(0) == getpid() && !fault_on(FAULT_PTY_KEEP_SESSION);
}

static int pty_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), index = -1;

	(void)op;
	if (fd < 0)
		return -errno;
	if (grantpt(fd) || unlockpt(fd) || ptsname_r(fd, ref->name, sizeof ref->name) ||
	    ioctl(fd, TIOCGPTN, &index)) {
		int err = -errno;
		close(fd);
		return err;
	}
	c->fd[0] = fd;
	c->id = ref->id = index;
	c->ends = OPF_READ | OPF_WRITE;
	return 0;
}

static int pty_join(struct chan *c, const struct obj_ref *ref)
{
	if (!ref->name[0])
		return -ENOENT; /* no create in this slot yet */
	int fd = open(ref->name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	c->fd[0] = fd;
	c->id = -1; /* a slave */
	c->ends = OPF_READ | OPF_WRITE;
	return 0;
}

static int set_nonblock(int fd, int on)
{
	return fcntl(fd, F_SETFL, on ? O_NONBLOCK : 0);
}

/* A blocking read or write of bytes through io_uring goes by the ring.
 * Any other op is read(2) or write(2) (a non-blocking one on a tty is the
 * system call either way: the ring refuses RWF_NOWAIT there), not
 * readv/writev, which return 0 for 0 bytes without asking the tty (a
 * hung-up one says EIO to a write).  A 0-byte write too: the ring polls a
 * tty before it writes (no FMODE_NOWAIT), and a slave that is stopped
 * (^S) or whose output is full is not writable, so the ring waits for
 * room it does not need, where write(2) returns 0 at once (that was the
 * ring write that hung, EINTR, 1 in 10,000-30,000 fuzz-pty runs: the
 * request sat in the ring's poll list; whether the tty is writable at the
 * poll depends on its worker).  uring-tty-zero-write sends it to the ring
 * all the same. */
static ssize_t tty_io(const struct op *op, int fd, void *buf, size_t len, bool out)
{
	bool ring = len || !out || fault_on(FAULT_URING_TTY_ZERO_WRITE);
	if ((op->flags & OPF_URING) && !(op->flags & OPF_NOWAIT) && ring)
		return out ? use_write(op, fd, buf, len) : use_read(op, fd, buf, len);
	ssize_t n = out ? write(fd, buf, len) : read(fd, buf, len);
	return n < 0 ? -errno : n;
}

/* Faults change the line discipline around one write, as a broken kernel
 * would behave: a flag of the slave's termios is off while it works. */
static ssize_t write_with_fault(const struct op *op, int fd, const uint8_t *buf, size_t len,
				bool master)
{
	struct termios t, saved;
	bool fault = false;

	if (tcgetattr(fd, &t) == 0) {
		saved = t;
		if (master && fault_on(FAULT_PTY_NO_ICRNL) && (t.c_iflag & ICRNL))
			t.c_iflag &= ~(tcflag_t)ICRNL, fault = true;
		if (master && fault_on(FAULT_PTY_NO_ECHO) && (t.c_lflag & ECHO))
			t.c_lflag &= ~(tcflag_t)ECHO, fault = true;
		if (master && fault_on(FAULT_PTY_NO_ISIG) && (t.c_lflag & ISIG))
			t.c_lflag &= ~(tcflag_t)ISIG, fault = true;
		if (!master && fault_on(FAULT_PTY_NO_ONLCR) && (t.c_oflag & ONLCR))
			t.c_oflag &= ~(tcflag_t)ONLCR, fault = true;
	}
	if (fault)
		tcsetattr(fd, TCSANOW, &t);
	ssize_t n = tty_io(op, fd, (void *)buf, len, true);
	if (fault) {
		if (master) {
			/* Let the slave's worker use the broken settings first. */
			struct pollfd p = {.fd = fd, .events = POLLIN};
			usleep(20000);
			poll(&p, 1, 0);
		}
		tcsetattr(fd, TCSANOW, &saved);
	}
	return n;
}

static ssize_t pty_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len)
{
	uint8_t shaped[TTY_WRITE_MAX]; /* not static: stress threads write at once */

	if (c->fd[0] < 0)
		return -EBADF;
	if (len > TTY_WRITE_MAX)
		len = TTY_WRITE_MAX;
	tty_shape_bytes(shaped, buf, len, op->arg, op->seed);
	set_nonblock(c->fd[0], op->flags & OPF_NOWAIT);
	return write_with_fault(op, c->fd[0], shaped, len, c->id >= 0);
}

/* The tty signals this process got, as records (they are blocked here, so
 * they wait for this). */
static ssize_t recv_signals(uint8_t *buf, size_t cap)
{
	sigset_t set;
	siginfo_t si;
	struct timespec zero = {0, 0};
	size_t n = 0;

	tty_signal_set(&set);
	while ((n + 1) * SIGREC_BYTES <= cap) {
		int sig = sigtimedwait(&set, &si, &zero);
		if (sig < 0)
			break;
		struct sigrec r = {.signo = (uint8_t)sig,
				   .code = (int8_t)si.si_code,
				   .sender = si.si_pid ? SENDER_GONE : SENDER_NONE,
				   .how = HOW_WAIT};
		int actor = si.si_pid ? actor_by_pid(si.si_pid) : -1;
		if (actor >= 0)
			r.sender = (uint8_t)actor;
		sigrec_put(buf + n * SIGREC_BYTES, &r);
		n++;
	}
	return (ssize_t)(n * SIGREC_BYTES);
}

static ssize_t pty_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap,
			int64_t *mtype)
{
	(void)mtype;
	if (op->flags & OPF_SIG)
		return recv_signals(buf, cap);
	if (c->fd[0] < 0)
		return -EBADF;
	set_nonblock(c->fd[0], op->flags & OPF_NOWAIT);
	/* Through io_uring, a blocking read waits until poll says readable
	 * (the line-discipline model says where read(2) would not). */
	ssize_t n = tty_io(op, c->fd[0], buf, cap, false);
	if (n == 0 && (op->flags & OPF_URING) && fault_on(FAULT_URING_TTY_EOF_EIO))
		return -EIO;
	if (n < 0)
		return n;
	if (fault_on(FAULT_PTY_LOSE_BYTE) && n > 1 && buf[n - 1] == '\n')
		n--;
	return n;
}

static int pty_close(struct chan *c, unsigned ends)
{
	(void)ends;
	if (c->fd[0] >= 0)
		close(c->fd[0]);
	chan_reset(c);
	return 0;
}

static int pty_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	(void)ref;
	return 0; /* a pty goes with its last descriptor */
}

/* The pts driver's initial control characters (setopt sane). */
static const cc_t sane_cc[] = {003, 034, 0177, 025, 004, 0,   1,   0, 021,
			       023, 032, 0,    022, 017, 027, 026, 0};

/* The options set_termios takes. */
static bool termios_opt(int opt)
{
	return opt >= OPT_RAW && opt <= OPT_CC;
}

static int64_t set_termios(int fd, const struct op *op)
{
	struct termios t;
	unsigned v = op->len;

	if (tcgetattr(fd, &t))
		return -errno;
	switch (op->arg) {
	case OPT_RAW:
		cfmakeraw(&t);
		break;
	case OPT_SANE: {
		const cc_t *cc = sane_cc;
		t.c_iflag = ICRNL | IXON;
		t.c_oflag = OPOST | ONLCR;
		t.c_cflag = B38400 | CS8 | CREAD;
		t.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
		memset(t.c_cc, 0, sizeof t.c_cc);
		memcpy(t.c_cc, cc, sizeof sane_cc);
		cfsetspeed(&t, B38400);
		break;
	}
	case OPT_IFLAG_ON:
		t.c_iflag |= v;
		break;
	case OPT_IFLAG_OFF:
		t.c_iflag &= ~(tcflag_t)v;
		break;
	case OPT_OFLAG_ON:
		t.c_oflag |= v;
		break;
	case OPT_OFLAG_OFF:
		t.c_oflag &= ~(tcflag_t)v;
		break;
	case OPT_LFLAG_ON:
		t.c_lflag |= v;
		break;
	case OPT_LFLAG_OFF:
		t.c_lflag &= ~(tcflag_t)v;
		break;
	case OPT_CC:
		if ((v >> 8) < NCCS)
			t.c_cc[v >> 8] = (cc_t)v;
		break;
	}
	return tcsetattr(fd, TCSANOW, &t) ? -errno : 0;
}

static int64_t pty_control(struct chan *c, const struct op *op)
{
	struct winsize ws = {0};

	if (c->fd[0] < 0)
		return -EBADF;
	if (termios_opt(op->arg))
		return set_termios(c->fd[0], op);
	switch (op->arg) {
	case OPT_WINSZ:
		ws.ws_row = (unsigned short)(op->len >> 8);
		ws.ws_col = (unsigned short)(op->len & 0xff);
		return ioctl(c->fd[0], TIOCSWINSZ, &ws) ? -errno : 0;
	case OPT_CTTY:
		if (actor_by_pid(getpid()) == 0)
			return -EPERM; /* never the executor (the model skips it) */
		if (getsid(0) != getpid() && setsid() < 0)
			return -errno;
		return ioctl(c->fd[0], TIOCSCTTY, 0) ? -errno : 0;
	}
	return -ENOTSUP;
}

/* The executor's barrier for the kworker that moves pty data (see the
 * line-discipline model): FIONREAD takes the tty's termios lock, so once it
 * says `want`, the worker that produced it is done; poll() flushes a
 * pending worker when the tty has no input yet. */
static int64_t pty_settle(struct chan *c, int64_t want, unsigned timeout_ms)
{
	struct pollfd p = {.fd = c->fd[0], .events = POLLIN};
	int n = -1;

	if (c->fd[0] < 0)
		return -EBADF;
	if (want < 0) {
		poll(&p, 1, 0);
		return want;
	}
	for (unsigned waited = 0; waited <= timeout_ms * 10; waited++) {
		if (ioctl(c->fd[0], FIONREAD, &n))
			return -errno;
		if (n >= want)
			return n;
		if (waited < 20)
			sched_yield();
		else
			usleep(100);
	}
	return n;
}

/* Reproducer C (src/prog/to_c.h): the calls above, as text.  The ptys come
 * from a devpts instance of the reproducer's own, as in ipcfuzz's sandbox:
 * the indexes are the ones the model predicts, and a stale name can reach
 * none of the host's terminals.  Actors 1 and 2 are processes of their own
 * (common/actors_to_c.c), set up as ipcfuzz's peers (the tty signals
 * blocked), so each can be a session with the pty as its controlling
 * terminal (setopt ctty) and collect the signals it raises (recv sig).  A
 * write's bytes are the shaped payload, written into the C as constants;
 * the settle barrier runs in the process that holds the handle. */
static const char pty_to_c_helpers[] =
	"#include <sys/ioctl.h>\n#include <sys/mount.h>\n#include <termios.h>\n\n"
	"#define TTY_MAX %u\n#define K_SETTLE (K_PERM + 1) /* the settle barrier */\n"
	"enum { F_NOWAIT = %u, F_SIG = %u, F_URING = %u, O_WINSZ = %d, O_CTTY = %d };\n\n"
	"static void map_id(const char *file, unsigned id)\n{\n"
	"\tFILE *f = fopen(file, \"w\");\n"
	"\tif (f) {\n\t\tfprintf(f, \"0 %%u 1\\n\", id);\n\t\tfclose(f);\n\t}\n}\n\n"
	"__attribute__((constructor)) static void private_devpts(void)\n{\n"
	"\tunsigned uid = geteuid(), gid = getegid();\n"
	"\tif (uid && !unshare(CLONE_NEWUSER | CLONE_NEWNS)) { /* not root: a user namespace */\n"
	"\t\tFILE *f = fopen(\"/proc/self/setgroups\", \"w\");\n"
	"\t\tif (f) {\n\t\t\tfputs(\"deny\\n\", f);\n\t\t\tfclose(f);\n\t\t}\n"
	"\t\tmap_id(\"/proc/self/uid_map\", uid);\n\t\tmap_id(\"/proc/self/gid_map\", gid);\n"
	"\t} else if (!uid && unshare(CLONE_NEWNS)) {\n\t\tuid = 1;\n\t}\n"
	"\tif ((uid && geteuid()) || mount(NULL, \"/\", NULL, MS_REC | MS_PRIVATE, NULL) ||\n"
	"\t    mount(\"repro-pts\", \"/dev/pts\", \"devpts\", MS_NOSUID | MS_NOEXEC,\n"
	"\t\t  \"newinstance,ptmxmode=0666,mode=0620\")) {\n"
	"\t\tprintf(\"no devpts instance of our own (%%s): the model's pty indexes are its "
	"own\\n\",\n\t\t       strerror(errno));\n\t\texit(2);\n\t}\n}\n\n"
	"/* The signals a terminal sends: a peer blocks them, and collects them. */\n"
	"static void tty_signal_set(sigset_t *set)\n{\n"
	"\tstatic const int sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGCONT,\n"
	"\t\t\t\t   SIGTSTP, SIGWINCH, SIGTTIN, SIGTTOU};\n"
	"\tsigemptyset(set);\n\tfor (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)\n"
	"\t\tsigaddset(set, sigs[i]);\n}\n\n"
	"static void peer_setup(void)\n{\n\tsigset_t set;\n\ttty_signal_set(&set);\n"
	"\tsigprocmask(SIG_BLOCK, &set, NULL);\n}\n\n"
	"/* recv sig: the tty signals this process got, as records. */\n"
	"static long recv_sigs(uint8_t *out, int cap)\n{\n"
	"\tsigset_t set;\n\tsiginfo_t si;\n\tstruct timespec zero = {0, 0};\n\tlong n = 0;\n"
	"\ttty_signal_set(&set);\n"
	"\twhile ((n + 1) * 8 <= cap) {\n\t\tint sig = sigtimedwait(&set, &si, &zero);\n"
	"\t\tif (sig < 0)\n\t\t\tbreak;\n"
	"\t\tput_rec(out + 8 * n++, sig, si.si_code, si.si_pid, 0, 0);\n\t}\n"
	"\treturn 8 * n;\n}\n\n"
	"static long set_termios(int fd, int opt, unsigned v)\n{\n"
	"\tstatic const cc_t sane_cc[] = {%s};\n\tstruct termios t;\n"
	"\tif (tcgetattr(fd, &t))\n\t\treturn -errno;\n"
	"\tswitch (opt) {\n"
	"\tcase %d: /* raw */\n\t\tcfmakeraw(&t);\n\t\tbreak;\n"
	"\tcase %d: /* sane: the pts driver's initial termios */\n"
	"\t\tt.c_iflag = ICRNL | IXON;\n\t\tt.c_oflag = OPOST | ONLCR;\n"
	"\t\tt.c_cflag = B38400 | CS8 | CREAD;\n"
	"\t\tt.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;\n"
	"\t\tmemset(t.c_cc, 0, sizeof t.c_cc);\n\t\tmemcpy(t.c_cc, sane_cc, sizeof sane_cc);\n"
	"\t\tcfsetspeed(&t, B38400);\n\t\tbreak;\n"
	"\tcase %d:\n\t\tt.c_iflag |= v;\n\t\tbreak;\n\tcase %d:\n\t\tt.c_iflag &= ~(tcflag_t)v;\n"
	"\t\tbreak;\n"
	"\tcase %d:\n\t\tt.c_oflag |= v;\n\t\tbreak;\n\tcase %d:\n\t\tt.c_oflag &= ~(tcflag_t)v;\n"
	"\t\tbreak;\n"
	"\tcase %d:\n\t\tt.c_lflag |= v;\n\t\tbreak;\n\tcase %d:\n\t\tt.c_lflag &= ~(tcflag_t)v;\n"
	"\t\tbreak;\n"
	"\tcase %d: /* c_cc[v >> 8] = v & 0xff */\n"
	"\t\tif ((v >> 8) < NCCS)\n\t\t\tt.c_cc[v >> 8] = (cc_t)v;\n\t\tbreak;\n"
	"\tdefault:\n\t\treturn -ENOTSUP;\n\t}\n"
	"\treturn tcsetattr(fd, TCSANOW, &t) ? -errno : 0;\n}\n\n"
	"static long setopt_op(const struct cmd *m, struct chan *c)\n{\n"
	"\tstruct winsize ws = {.ws_row = (unsigned short)(m->len >> 8),\n"
	"\t\t\t      .ws_col = (unsigned short)(m->len & 0xff)};\n"
	"\tif (c->fd[0] < 0)\n\t\treturn -EBADF;\n"
	"\tif (m->arg == O_WINSZ)\n\t\treturn ioctl(c->fd[0], TIOCSWINSZ, &ws) ? -errno : 0;\n"
	"\tif (m->arg != O_CTTY)\n\t\treturn set_termios(c->fd[0], m->arg, (unsigned)m->len);\n"
	"\tif (getpid() == pids_now[0])\n"
	"\t\treturn -EPERM; /* never the main process (the model skips it) */\n"
	"\tif (getsid(0) != getpid() && setsid() < 0)\n\t\treturn -errno;\n"
	"\treturn ioctl(c->fd[0], TIOCSCTTY, 0) ? -errno : 0;\n}\n\n"
	"/* Waits until the kernel's worker has moved the data: FIONREAD says\n"
	" * want bytes (want >= 0), or poll() has flushed it (want < 0). */\n"
	"static long settle_fd(struct chan *c, long want)\n{\n"
	"\tstruct pollfd p = {.fd = c->fd[0], .events = POLLIN};\n\tint n = -1;\n"
	"\tif (c->fd[0] < 0)\n\t\treturn -EBADF;\n"
	"\tif (want < 0) {\n\t\tpoll(&p, 1, 0);\n\t\treturn want;\n\t}\n"
	"\tfor (int waited = 0; waited <= 20000; waited++) {\n"
	"\t\tif (ioctl(c->fd[0], FIONREAD, &n))\n\t\t\treturn -errno;\n"
	"\t\tif (n >= want)\n\t\t\treturn n;\n"
	"\t\tif (waited < 20)\n\t\t\tsched_yield();\n\t\telse\n\t\t\tusleep(100);\n\t}\n"
	"\treturn n;\n}\n\n"
	"/* One op in the actor's own process. */\n"
	"static long do_op(const struct cmd *m, struct chan *c, struct ref *rf, uint8_t *out,\n"
	"\t\t  int64_t *mtype)\n{\n"
	"\tint fd, index = -1;\n\tlong r;\n\t(void)mtype;\n"
	"\tswitch (m->kind) {\n\tcase K_CREATE:\n"
	"\t\tfd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);\n"
	"\t\tif (fd < 0)\n\t\t\treturn -errno;\n"
	"\t\tif (grantpt(fd) || unlockpt(fd) || ptsname_r(fd, rf->name, sizeof rf->name) ||\n"
	"\t\t    ioctl(fd, TIOCGPTN, &index)) {\n"
	"\t\t\tr = -errno;\n\t\t\tclose(fd);\n\t\t\treturn r;\n\t\t}\n"
	"\t\tc->fd[0] = fd;\n\t\tc->id = rf->id = index;\n\t\tc->ends = END_READ | END_WRITE;\n"
	"\t\treturn 0;\n"
	"\tcase K_JOIN: /* a slave, by the master's ptsname */\n"
	"\t\tc->fd[0] = open(rf->name, O_RDWR | O_NOCTTY | O_CLOEXEC);\n"
	"\t\tc->ends = c->fd[0] < 0 ? 0 : END_READ | END_WRITE;\n"
	"\t\treturn c->fd[0] < 0 ? -errno : 0;\n"
	"\tcase K_SEND: /* pay holds the shaped bytes */\n"
	"\t\tif (c->fd[0] < 0)\n\t\t\treturn -EBADF;\n"
	"\t\tfcntl(c->fd[0], F_SETFL, (m->flags & F_NOWAIT) ? O_NONBLOCK : 0);\n"
	"\t\tr = write(c->fd[0], pay, m->len < TTY_MAX ? (size_t)m->len : TTY_MAX);\n"
	"\t\treturn r < 0 ? -errno : r;\n"
	"\tcase K_RECV:\n\t\tif (m->flags & F_SIG)\n\t\t\treturn recv_sigs(out, m->len);\n"
	"\t\tif (c->fd[0] < 0)\n\t\t\treturn -EBADF;\n"
	"\t\tfcntl(c->fd[0], F_SETFL, (m->flags & F_NOWAIT) ? O_NONBLOCK : 0);\n"
	"\t\tif ((m->flags & F_URING) && !(m->flags & F_NOWAIT)) {\n"
	"\t\t\t/* io_uring polls a tty (no FMODE_NOWAIT) before it reads */\n"
	"\t\t\tstruct pollfd p = {.fd = c->fd[0], .events = POLLIN};\n"
	"\t\t\tif (poll(&p, 1, -1) < 0)\n\t\t\t\treturn -errno;\n\t\t}\n"
	"\t\tr = read(c->fd[0], out, (size_t)m->len);\n\t\treturn r < 0 ? -errno : r;\n"
	"\tcase K_CLOSE:\n\t\tif (c->fd[0] >= 0)\n\t\t\tclose(c->fd[0]);\n"
	"\t\tc->fd[0] = -1;\n\t\tc->ends = 0;\n\t\tc->id = -1;\n\t\treturn 0;\n"
	"\tcase K_SETOPT:\n\t\treturn setopt_op(m, c);\n"
	"\tcase K_SETTLE:\n\t\treturn settle_fd(c, m->arg);\n\t}\n"
	"\treturn 0; /* destroy: a pty goes with its last descriptor */\n}\n\n"
	"/* The model's barrier, in the process that holds the handle (one busy\n"
	" * in a blocked op has nothing to settle). */\n"
	"static long settle(struct chan *c, long want)\n{\n"
	"\tstruct ref none;\n\tint a = actor_of(c);\n"
	"\tif (actor_busy[a])\n\t\treturn want;\n"
	"\tmemset(&none, 0, sizeof none);\n"
	"\treturn op_run(a, c, &none, K_SETTLE, 0, (int)want, 0, 0, NULL);\n}\n";

static void pty_helpers_c(FILE *f)
{
	char cc[128];
	size_t n = 0;

	for (size_t i = 0; i < sizeof sane_cc; i++)
		n += (size_t)snprintf(cc + n, sizeof cc - n, "%s0%o", i ? ", " : "", sane_cc[i]);
	fprintf(f, pty_to_c_helpers, TTY_WRITE_MAX, (unsigned)OPF_NOWAIT, (unsigned)OPF_SIG,
		(unsigned)OPF_URING, OPT_WINSZ, OPT_CTTY, cc, OPT_RAW, OPT_SANE, OPT_IFLAG_ON,
		OPT_IFLAG_OFF, OPT_OFLAG_ON, OPT_OFLAG_OFF, OPT_LFLAG_ON, OPT_LFLAG_OFF, OPT_CC);
}

/* A write's bytes: the payload shaped as pty_send shapes it, into pay. */
static void pty_send_c(FILE *f, const struct op *op)
{
	uint8_t shaped[TTY_WRITE_MAX];
	const uint8_t *payload = to_c_payload();
	size_t len = op->len > TTY_WRITE_MAX ? TTY_WRITE_MAX : op->len;

	tty_shape_bytes(shaped, payload, len, op->arg, op->seed);
	fprintf(f, "\t\tstatic const uint8_t shaped[] = {");
	for (size_t i = 0; i < len; i++)
		fprintf(f, "%s%u,", i % 16 ? "" : "\n\t\t\t", shaped[i]);
	fprintf(f, "%s};\n\t\tmemcpy(pay, shaped, %zu);\n", len ? "\n\t\t" : "0", len);
}

static void pty_to_c(FILE *f, const struct op *op)
{
	if (op && op->kind == OP_SEND && to_c_phase() != TO_C_COLLECT &&
	    to_c_phase() != TO_C_CANCEL)
		pty_send_c(f, op);
	actors_to_c(f, op, pty_helpers_c);
}

/* Stress: producers write frames to the master, a consumer reads them from
 * the slave, which is made raw (no echo, no translation, no signals, VMIN 1)
 * before anything is written, so the bytes cross the line discipline
 * unchanged.  A tty write that must wait for room can return part of a
 * frame when a signal comes, so a channel takes one producer. */
static int pty_stress_prepare(struct chan *master, const struct obj_ref *ref)
{
	struct chan slave;
	struct termios t;

	(void)master;
	chan_reset(&slave);
	int r = pty_join(&slave, ref);
	if (!r && tcgetattr(slave.fd[0], &t) == 0) {
		cfmakeraw(&t);
		if (tcsetattr(slave.fd[0], TCSANOW, &t))
			r = -errno;
	} else if (!r) {
		r = -errno;
	}
	/* The termios stays with the pair while the master is open. */
	pty_close(&slave, OPF_READ | OPF_WRITE);
	return r;
}

static const struct stress_profile pty_stress = {
	.kind = STRESS_STREAM,
	.max_frame = TTY_WRITE_MAX,
	.send_arg = SHAPE_RAW,
	.prepare = pty_stress_prepare,
	.consumer_open = pty_join,
	.one_writer = 1,
};

/* The slave is a devpts inode: owned by whoever opened /dev/ptmx (its
 * fsuid and fsgid), with the mount's mode= (0620, the sandbox's instance),
 * and open(ptsname) checks it as any file.  Another mount namespace still
 * has the same devpts instance: no isolation. */
static const struct access_rule pty_access = {
	.perm = PERM_FILE,
	.join = 6,
	.fixed_mode = 0620,
};

const struct mechanism mech_pty = {
	.id = "pty",
	.summary = "pseudo-terminal (posix_openpt, open(ptsname)): line discipline, job control",
	.cls = CLASS_LINE_DISCIPLINE,
	.join_path = JOIN_BY_ADDRESS,
	.naming = NAMING_NONE,
	.access = &pty_access,
	.probe = pty_probe,
	.stress = &pty_stress,
	/* READ/WRITE: a tty has no FMODE_NOWAIT, so the ring polls it first
	 * (a VMIN 0 read waits for data where read(2) returns 0: the model
	 * says so); a non-blocking op and a 0-byte write are the system call
	 * (see tty_io). */
	.uring_ops = URING_OPS_RW,
	.uring_syscalls = "non-blocking reads and 0-byte writes: the ring polls a tty first and "
			  "would wait where read(2)/write(2) return at once",
	.create = pty_create,
	.join = pty_join,
	.send = pty_send,
	.recv = pty_recv,
	.close = pty_close,
	.destroy = pty_destroy,
	.control = pty_control,
	.settle = pty_settle,
	.actor_setup = pty_actor_setup,
	.actor_reset = pty_actor_reset,
	.to_c = pty_to_c,
	.to_c_actors = 1,
};
