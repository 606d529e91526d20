#define _GNU_SOURCE
#include "audit.h"

#include "../sandbox/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void add(char *why, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(why);
	va_list ap;

	if (n >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(why + n, cap - n, fmt, ap);
	va_end(ap);
}

/* Objects whose /proc/sysvipc line carries one of our keys (fallback mode). */
static int count_own_sysv(const char *file)
{
	FILE *f = fopen(file, "re");
	char line[512];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		long key;
		if (sscanf(line, "%ld", &key) == 1 && sandbox_owns_key((int32_t)key))
			n++;
	}
	fclose(f);
	return n;
}

static void count_sysv(struct audit_snapshot *s)
{
	if (sandbox_mode() != SANDBOX_NAMESPACES) {
		s->msg_queues = count_own_sysv("/proc/sysvipc/msg");
		s->shm_segments = count_own_sysv("/proc/sysvipc/shm");
		s->sem_sets = count_own_sysv("/proc/sysvipc/sem");
		return;
	}
	audit_count_sysv_ns(s);
}

void audit_count_sysv_ns(struct audit_snapshot *s)
{
	struct msginfo mi = {0};
	struct shm_info si = {0};
	struct seminfo se = {0};
	s->msg_queues = msgctl(0, MSG_INFO, (struct msqid_ds *)(void *)&mi) < 0 ? 0 : mi.msgpool;
	s->shm_segments = shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&si) < 0 ? 0 : si.used_ids;
	union {
		struct seminfo *__buf;
	} arg = {&se};
	s->sem_sets = semctl(0, 0, SEM_INFO, arg) < 0 ? 0 : se.semusz;
}

static long count_dir(const char *dir, int own_only)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && (!own_only || sandbox_owns_name(e->d_name)))
			n++;
	closedir(d);
	return n;
}

/* Entries in a directory.  tmpfs and mqueue grow a directory's size by 20
 * bytes an entry, so in our private mounts one stat() counts them; on the
 * host's /dev/shm (fallback mode) only our own names count, by a scan. */
static long count_names(const char *dir, int own_only)
{
	if (!own_only)
		return audit_dir_entries(AT_FDCWD, dir);
	return count_dir(dir, 1);
}

long audit_dir_entries(int dirfd, const char *path)
{
	struct stat st;

	if (fstatat(dirfd, path, &st, path[0] ? 0 : AT_EMPTY_PATH))
		return -1;
	return (long)(st.st_size / 20);
}

/* Which of [low, low+64) are open: one poll() marks closed ones POLLNVAL. */
static uint64_t open_fds(int low)
{
	struct pollfd p[AUDIT_FD_SPAN];
	uint64_t open = 0;

	for (int i = 0; i < AUDIT_FD_SPAN; i++)
		p[i] = (struct pollfd){.fd = low + i, .events = 0};
	if (poll(p, AUDIT_FD_SPAN, 0) < 0)
		return 0;
	for (int i = 0; i < AUDIT_FD_SPAN; i++)
		if (!(p[i].revents & POLLNVAL))
			open |= 1ull << i;
	return open;
}

static uint64_t mask_bits(const sigset_t *set)
{
	uint64_t bits = 0;
	for (int sig = 1; sig <= 64; sig++)
		if (sigismember(set, sig) == 1)
			bits |= 1ull << (sig - 1);
	return bits;
}

static uint64_t blocked_now(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigprocmask(SIG_BLOCK, NULL, &set);
	return mask_bits(&set);
}

/* The handler ledger: dispositions as they were before a target first
 * changed them in this program. */
#define MAX_HANDLERS 65
static struct {
	int noted;
	struct sigaction before;
} handlers[MAX_HANDLERS];

void audit_note_handler(int sig)
{
	if (sig <= 0 || sig >= MAX_HANDLERS || handlers[sig].noted)
		return;
	if (sigaction(sig, NULL, &handlers[sig].before) == 0)
		handlers[sig].noted = 1;
}

static int same_action(const struct sigaction *a, const struct sigaction *b)
{
	return a->sa_handler == b->sa_handler &&
	       (a->sa_flags & SA_SIGINFO) == (b->sa_flags & SA_SIGINFO);
}

static int check_handlers(char *why, size_t cap)
{
	int leaks = 0;

	for (int sig = 1; sig < MAX_HANDLERS; sig++) {
		struct sigaction now;
		if (!handlers[sig].noted)
			continue;
		handlers[sig].noted = 0;
		if (sigaction(sig, NULL, &now) == 0 && !same_action(&now, &handlers[sig].before)) {
			leaks++;
			add(why, cap, "leak:handler signal %d (%s) handler left installed\n", sig,
			    strsignal(sig));
			sigaction(sig, &handlers[sig].before, NULL);
		}
	}
	return leaks;
}

void audit_restore_mask(const struct audit_snapshot *s)
{
	sigset_t set;
	sigemptyset(&set);
	for (int sig = 1; sig <= 64; sig++)
		if (s->blocked & (1ull << (sig - 1)))
			sigaddset(&set, sig);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

void audit_snapshot(struct audit_snapshot *s)
{
	audit_snapshot_scope(s, AUDIT_NAMESPACE);
}

void audit_snapshot_scope(struct audit_snapshot *s, enum audit_scope scope)
{
	memset(s, 0, sizeof *s);
	s->blocked = blocked_now();
	s->low_fd = fcntl(0, F_DUPFD_CLOEXEC, 0);
	if (s->low_fd >= 0)
		close(s->low_fd);
	s->fd_open = open_fds(s->low_fd);
	if (scope == AUDIT_PROCESS)
		return;
	count_sysv(s);
	int own_only = sandbox_mode() != SANDBOX_NAMESPACES;
	s->shm_names = count_names("/dev/shm", own_only);
	const char *mq = sandbox_mqueue_dir();
	s->mq_names = mq[0] ? count_names(mq, 0) : 0;
}

void audit_snapshot_carry(struct audit_snapshot *s, const struct audit_snapshot *counts)
{
	audit_snapshot_scope(s, AUDIT_PROCESS);
	s->msg_queues = counts->msg_queues;
	s->shm_segments = counts->shm_segments;
	s->sem_sets = counts->sem_sets;
	s->shm_names = counts->shm_names;
	s->mq_names = counts->mq_names;
}

/* An io_uring instance is a descriptor whose /proc link says so.  Only
 * descriptors that appeared during the run are asked, so this costs
 * nothing when nothing leaked. */
static int fd_is_ring(int fd)
{
	char path[64], target[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof target - 1);
	if (n <= 0)
		return 0;
	target[n] = 0;
	return !strcmp(target, "anon_inode:[io_uring]");
}

/* A dma-buf is a descriptor whose /proc link is "/dmabuf:<name>"; its
 * exporter (fdinfo exp_name: system, udmabuf, ion) names it in the report. */
static int fd_is_dmabuf(int fd, char *exp, size_t cap)
{
	char path[64], line[128];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, line, sizeof line - 1);
	if (n <= 0 || (line[n] = 0, strncmp(line, "/dmabuf:", 8)))
		return 0;
	snprintf(exp, cap, "?");
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "exp_name: %63s", exp) == 1)
			break;
	if (f)
		fclose(f);
	return 1;
}

/* Leaked dma-bufs among the descriptors opened since the snapshot: reported
 * by exporter, and taken out of `opened` (not a second time as leak:fd). */
static int dmabuf_leaks(int low, uint64_t *opened, char *why, size_t cap)
{
	char exp[64];
	int any = 0;

	for (int i = 0; i < AUDIT_FD_SPAN; i++) {
		if (!(*opened & (1ull << i)) || !fd_is_dmabuf(low + i, exp, sizeof exp))
			continue;
		add(why, cap, "%s fd %d (%s)",
		    any ? "," : "leak:dma-buf dma-bufs open after the run:", low + i, exp);
		*opened &= ~(1ull << i);
		any = 1;
	}
	if (any)
		add(why, cap, "\n");
	return any;
}

/* sync: named POSIX semaphores among the /dev/shm names (sem.<name>),
 * reported as such.  Only looked at when the names moved; the baseline holds
 * none (a leak is swept once it is reported). */
static long sem_names(char *why, size_t cap)
{
	int own_only = sandbox_mode() != SANDBOX_NAMESPACES;
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	long n = 0;

	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "sem.", 4) && (!own_only || sandbox_owns_name(e->d_name)))
			add(why, cap, "%s /dev/shm/%s",
			    n++ ? "," : "leak:sem-name semaphores left:", e->d_name);
	if (d)
		closedir(d);
	if (n)
		add(why, cap, "\n");
	return n;
}

int audit_compare(const struct audit_snapshot *b, enum audit_scope scope, char *why, size_t cap)
{
	struct audit_snapshot seen;
	return audit_compare_now(b, scope, why, cap, &seen);
}

bool audit_names_same(const struct audit_snapshot *a, const struct audit_snapshot *b)
{
	return sandbox_mode() == SANDBOX_NAMESPACES && sandbox_mqueue_dir()[0] &&
	       a->msg_queues == b->msg_queues && a->shm_segments == b->shm_segments &&
	       a->sem_sets == b->sem_sets && a->shm_names == b->shm_names &&
	       a->mq_names == b->mq_names;
}

int audit_compare_now(const struct audit_snapshot *b, enum audit_scope scope, char *why, size_t cap,
		      struct audit_snapshot *seen)
{
	struct audit_snapshot a;
	int leaks = 0;
	sigset_t pend;

	audit_snapshot_scope(&a, scope);
	*seen = a;
	/* What is open now of the span the snapshot looked at. */
	uint64_t now = a.low_fd == b->low_fd ? a.fd_open : open_fds(b->low_fd);
	uint64_t opened = now & ~b->fd_open, rings = 0;
	for (int i = 0; i < AUDIT_FD_SPAN; i++)
		if ((opened & (1ull << i)) && fd_is_ring(b->low_fd + i))
			rings |= 1ull << i;
	if (rings) {
		leaks++;
		add(why, cap, "leak:io_uring io_uring instances open after the run:");
		for (int i = 0; i < AUDIT_FD_SPAN; i++)
			if (rings & (1ull << i))
				add(why, cap, " fd %d", b->low_fd + i);
		add(why, cap, "\n");
	}
	opened &= ~rings;
	leaks += dmabuf_leaks(b->low_fd, &opened, why, cap);
	if (a.low_fd < b->low_fd || opened) {
		leaks++;
		add(why, cap, "leak:fd descriptors open after the run (lowest free %d, was %d;",
		    a.low_fd, b->low_fd);
		for (int i = 0; i < AUDIT_FD_SPAN; i++)
			if (opened & (1ull << i))
				add(why, cap, " fd %d", b->low_fd + i);
		add(why, cap, ")\n");
	}
	if (scope == AUDIT_PROCESS)
		goto signals;
	if (a.msg_queues != b->msg_queues || a.shm_segments != b->shm_segments) {
		leaks++;
		add(why, cap, "leak:sysv SysV objects: msg %d->%d shm %d->%d sem %d->%d\n",
		    b->msg_queues, a.msg_queues, b->shm_segments, a.shm_segments, b->sem_sets,
		    a.sem_sets);
	}
	if (a.sem_sets != b->sem_sets) { /* sync: semaphore sets (ipcs -s) */
		leaks++;
		add(why, cap, "leak:sem-set SysV semaphore sets %d->%d\n", b->sem_sets, a.sem_sets);
	}
	if (a.shm_names != b->shm_names) {
		long sem = sem_names(why, cap);
		leaks += sem > 0;
		if (a.shm_names - b->shm_names != sem) {
			leaks++;
			add(why, cap, "leak:shm-name /dev/shm names %ld->%ld\n", b->shm_names,
			    a.shm_names);
		}
	}
	if (a.mq_names != b->mq_names) {
		leaks++;
		add(why, cap, "leak:mq-name mqueue names %ld->%ld\n", b->mq_names, a.mq_names);
	}
      signals:
	sigemptyset(&pend);
	if (!sigpending(&pend))
		for (int sig = 1; sig < NSIG; sig++)
			if (sigismember(&pend, sig) == 1) {
				leaks++;
				add(why, cap, "leak:signal signal %d (%s) left pending\n", sig,
				    strsignal(sig));
			}
	leaks += check_handlers(why, cap);
	if (a.blocked != b->blocked) {
		leaks++;
		add(why, cap, "leak:mask signal mask %#llx, was %#llx\n",
		    (unsigned long long)a.blocked, (unsigned long long)b->blocked);
	}
	return leaks;
}

#define MAX_NOTED 64
static struct {
	void *addr;
	size_t len;
} noted[MAX_NOTED];
static int nnoted;

void audit_note_map(void *addr, size_t len)
{
	uintptr_t lo = (uintptr_t)addr, hi = lo + len;

	/* Without MAP_FIXED the kernel gives out an address only once what
	 * was there is unmapped: a note this one overlaps is history. */
	for (int i = 0; i < nnoted;) {
		uintptr_t l = (uintptr_t)noted[i].addr, h = l + noted[i].len;
		if (l < hi && lo < h)
			noted[i] = noted[--nnoted];
		else
			i++;
	}
	if (nnoted < MAX_NOTED)
		noted[nnoted++] = (typeof(noted[0])){addr, len};
}

/* Is [addr, addr+len) one mapping of its own in /proc/self/maps, as ours
 * was?  An address we unmapped may since have gone to a mapping we did not
 * make (the allocator's): that one is not a leak, and not ours to unmap. */
static bool still_ours(const void *addr, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	bool ours = false;

	if (!f)
		return true;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2 || lo > (uintptr_t)addr)
			continue;
		if (hi > (uintptr_t)addr) {
			ours = lo == (uintptr_t)addr && hi - lo >= len;
			break;
		}
	}
	fclose(f);
	return ours;
}

int audit_check_maps(char *why, size_t cap)
{
	int leaks = 0;

	/* msync fails with ENOMEM exactly when the range is no longer mapped. */
	for (int i = 0; i < nnoted; i++)
		if (msync(noted[i].addr, noted[i].len, MS_ASYNC) == 0 &&
		    still_ours(noted[i].addr, noted[i].len)) {
			leaks++;
			add(why, cap, "leak:mapping %zu bytes at %p still mapped\n", noted[i].len,
			    noted[i].addr);
			munmap(noted[i].addr, noted[i].len);
		}
	nnoted = 0;
	return leaks;
}

void audit_forget_maps(int unmap)
{
	for (int i = 0; unmap && i < nnoted; i++)
		munmap(noted[i].addr, noted[i].len);
	nnoted = 0;
}

int audit_children(const pid_t *own, int nown, char *why, size_t cap)
{
	siginfo_t si;
	int leaks = 0;

	for (;;) {
		memset(&si, 0, sizeof si);
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG) || !si.si_pid)
			break;
		int mine = 0;
		for (int i = 0; i < nown; i++)
			mine |= own[i] == si.si_pid;
		if (!mine) {
			leaks++;
			add(why, cap, "leak:child unexpected child %d exited unreaped\n",
			    si.si_pid);
		}
	}
	return leaks;
}

/* Descriptors that were open before the first run are not ours to judge
 * (the engine's, the terminal's). */
static char baseline[256][64];
static int nbaseline;

static int fd_target(const char *name, char *target, size_t cap)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%s", name);
	ssize_t n = readlink(path, target, cap - 1);
	if (n <= 0)
		return -1;
	target[n] = 0;
	return 0;
}

static struct sigaction baseline_actions[MAX_HANDLERS];
static long baseline_tty = -1, baseline_sid = -1;

/* The controlling terminal of this process (stat field 7, tty_nr). */
static long controlling_tty(void)
{
	char buf[1024], *p;
	long tty = -1;
	FILE *f = fopen("/proc/self/stat", "re");

	if (f && fgets(buf, sizeof buf, f) && (p = strrchr(buf, ')')))
		sscanf(p + 1, " %*c %*d %*d %*d %ld", &tty);
	if (f)
		fclose(f);
	return tty;
}

void audit_full_baseline(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char target[256];

	for (int sig = 1; sig < MAX_HANDLERS; sig++)
		sigaction(sig, NULL, &baseline_actions[sig]);
	baseline_tty = controlling_tty();
	baseline_sid = getsid(0);

	nbaseline = 0;
	while (d && (e = readdir(d)))
		if (nbaseline < 256 && !fd_target(e->d_name, target, sizeof target))
			snprintf(baseline[nbaseline++], sizeof baseline[0], "%s:%s", e->d_name,
				 target);
	if (d)
		closedir(d);
}

static int in_baseline(const char *name, const char *target)
{
	char key[320];
	snprintf(key, sizeof key, "%s:%s", name, target);
	for (int i = 0; i < nbaseline; i++)
		if (!strncmp(baseline[i], key, sizeof baseline[0] - 1))
			return 1;
	return 0;
}

int audit_full(char *why, size_t cap)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[1024];
	int leaks = 0;

	if (controlling_tty() != baseline_tty || getsid(0) != baseline_sid) {
		leaks++;
		add(why, cap,
		    "leak:ctty the executor's terminal or session changed (tty %ld -> %ld)\n",
		    baseline_tty, controlling_tty());
	}
	for (int sig = 1; sig < MAX_HANDLERS; sig++) {
		struct sigaction now;
		if (!sigaction(sig, NULL, &now) && !same_action(&now, &baseline_actions[sig])) {
			leaks++;
			add(why, cap,
			    "leak:handler signal %d (%s) handler changed during the run\n", sig,
			    strsignal(sig));
		}
	}
	if (f) {
		while (fgets(line, sizeof line, f))
			if (strstr(line, "/dev/shm/") || strstr(line, "SYSV") ||
			    strstr(line, "/memfd:") || strstr(line, "/dmabuf:")) {
				leaks++;
				add(why, cap, "leak:mapping %s", line);
			} else if (strstr(line, "anon_inode:[io_uring]")) {
				leaks++; /* a ring's queues, still mapped */
				add(why, cap, "leak:io_uring %s", line);
			}
		fclose(f);
	}
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char target[256];
		if (fd_target(e->d_name, target, sizeof target) || in_baseline(e->d_name, target))
			continue;
		if (!strcmp(target, "anon_inode:[io_uring]")) {
			leaks++;
			add(why, cap, "leak:io_uring fd %s -> %s\n", e->d_name, target);
		} else if (!strncmp(target, "/dmabuf:", 8)) {
			leaks++;
			add(why, cap, "leak:dma-buf fd %s -> %s\n", e->d_name, target);
		} else if (strstr(target, "/dev/shm/") || !strncmp(target, "pipe:", 5) ||
			   strstr(target, "/dev/mqueue") || !strncmp(target, "socket:", 7)) {
			if (atoi(e->d_name) >= 900)
				continue; /* the executor's own peer sockets */
			leaks++;
			add(why, cap, "leak:fd fd %s -> %s\n", e->d_name, target);
		}
	}
	if (d)
		closedir(d);
	return leaks;
}

static int own_key(long key)
{
	return sandbox_owns_key((int32_t)key);
}

void audit_sweep(void)
{
	/* In our own namespace everything is ours; on the host only what
	 * carries our prefix. */
	int ns = sandbox_mode() == SANDBOX_NAMESPACES;

	sandbox_remove_names("/dev/shm", ns ? sandbox_any_name : sandbox_owns_name);
	if (sandbox_mqueue_dir()[0])
		sandbox_remove_names(sandbox_mqueue_dir(), sandbox_any_name);
	sandbox_remove_sysv(ns ? sandbox_any_key : own_key);
}
