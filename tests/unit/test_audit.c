/* The audit notices each kind of leak, and says nothing when all is back. */
#define _GNU_SOURCE
#include "../../src/audit/audit.h"
#include "../../src/sandbox/sandbox.h"
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <unistd.h>

static int leaks(const struct audit_snapshot *s, const char *kind)
{
	char why[1024] = "";
	audit_compare(s, AUDIT_NAMESPACE, why, sizeof why);
	if (!kind && why[0])
		fprintf(stderr, "audit says: %s", why);
	return kind ? strstr(why, kind) != NULL : why[0] != 0;
}

int main(void)
{
	struct audit_snapshot s;
	char why[512] = "";

	sandbox_enter();
	audit_snapshot(&s);
	CHECK(!leaks(&s, NULL), "a clean snapshot reports nothing");

	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	CHECK(leaks(&s, "leak:fd"), "an open pipe is a descriptor leak");
	close(p[0]);
	close(p[1]);
	CHECK(!leaks(&s, NULL), "closed again");

	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	CHECK(leaks(&s, "leak:sysv"), "a SysV queue is a leak");
	msgctl(id, IPC_RMID, NULL);
	CHECK(!leaks(&s, NULL), "removed again");

	char name[64];
	snprintf(name, sizeof name, "/%stest-audit",
		 sandbox_mode() == SANDBOX_NAMESPACES ? "" : "ipcfuzz.");
	int fd = shm_open(name, O_RDWR | O_CREAT, 0600);
	close(fd);
	CHECK(leaks(&s, "leak:shm-name"), "a /dev/shm name is a leak");
	shm_unlink(name);
	CHECK(!leaks(&s, NULL), "unlinked again");

	void *map = mmap(NULL, 4096, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	audit_note_map(map, 4096);
	CHECK(audit_check_maps(why, sizeof why) == 1, "a noted mapping still mapped");
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	audit_note_map(map, 4096);
	munmap(map, 4096);
	CHECK(audit_check_maps(why, sizeof why) == 0, "an unmapped one is fine");

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	CHECK(leaks(&s, "leak:signal"), "a pending signal is a leak");
	int sig;
	sigwait(&set, &sig);
	CHECK(leaks(&s, "leak:mask") && !leaks(&s, "leak:signal"), "consumed, still blocked");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	CHECK(!leaks(&s, NULL), "consumed and unblocked again");

	struct sigaction sa = {.sa_handler = SIG_IGN}, old;
	audit_note_handler(SIGUSR2);
	sigaction(SIGUSR2, &sa, &old);
	CHECK(leaks(&s, "leak:handler"), "a handler left installed");
	CHECK(!leaks(&s, NULL), "the audit put it back (and forgot it)");
	audit_note_handler(SIGUSR2);
	sigaction(SIGUSR2, &sa, &old);
	sigaction(SIGUSR2, &old, NULL);
	CHECK(!leaks(&s, NULL), "a handler put back by the target");

	/* A snapshot carried over from a clean end (audit_snapshot_carry): its
	 * namespace counts are what that end saw, and a queue made after it
	 * still shows; a descriptor the engine opened between programs is in
	 * its process part, not a leak of the next program. */
	struct audit_snapshot seen, carried;
	why[0] = 0;
	CHECK(audit_compare_now(&s, AUDIT_NAMESPACE, why, sizeof why, &seen) == 0, "a clean end");
	int between = open("/dev/null", O_RDONLY | O_CLOEXEC);
	audit_snapshot_carry(&carried, &seen);
	CHECK(!leaks(&carried, NULL), "carried: nothing yet");
	id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	CHECK(leaks(&carried, "leak:sysv"), "carried: a SysV queue made after it is a leak");
	msgctl(id, IPC_RMID, NULL);
	close(between);
	CHECK(!leaks(&s, NULL), "carried: all back");

	pid_t child = fork();
	siginfo_t si;
	if (child == 0)
		_exit(0);
	waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT); /* a zombie, not reaped */
	why[0] = 0;
	CHECK(audit_children(NULL, 0, why, sizeof why) == 1, "an unreaped child");
	return check_done("test_audit");
}
