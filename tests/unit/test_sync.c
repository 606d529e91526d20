/* sync: the shared-memory guards (targets/common/shm_region.c) and the
 * audit of semaphores.
 *
 *   guards         two forked writers update one record while the parent
 *                  reads it: no read is ever torn under the robust mutex,
 *                  the SysV or the POSIX semaphore; with guard none, and
 *                  with the guard-noop fault, the torn check fires
 *   killed-robust  the lock holder is SIGKILLed halfway through a record
 *                  (guard-die-mid): the next locker gets EOWNERDEAD, clears
 *                  the half record and goes on: nothing torn, lock usable
 *   killed-torn    the same without a robust guard (none, the guard-noop
 *                  fault, or SysV whose SEM_UNDO frees the lock but says
 *                  nothing): the half-written record reads torn (EBADMSG)
 *   audit          a SysV semaphore set and a /dev/shm/sem.* name left
 *                  behind are leak:sem-set and leak:sem-name
 *
 * No argument: all of them. */
#define _GNU_SOURCE
#include "../../src/audit/audit.h"
#include "../../src/sandbox/sandbox.h"
#include "../../src/util/fault.h"
#include "../../src/util/payload.h"
#include "../../targets/common/shm_region.h"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REGION	32768u
#define REC_LEN 30000u

static const char *const kind_names[SHM_GUARD_COUNT] = {"mutex", "sysv", "posix", "none"};

static void set_fault(const char *names)
{
	if (names)
		setenv("IPCFUZZ_FAULT", names, 1);
	else
		unsetenv("IPCFUZZ_FAULT");
	fault_init();
}

static struct op record_op(unsigned kind, unsigned off, unsigned len)
{
	struct op op = {.kind = (uint8_t)kind, .len = (uint16_t)len, .arg = (int16_t)off};
	return op;
}

/* A shared anonymous region with its header, guarded by `kind`. */
static void region_new(struct chan *c, unsigned kind)
{
	struct op op = {.kind = OP_SETOPT, .arg = OPT_GUARD, .len = (uint16_t)kind};

	chan_reset(c);
	c->map_len = SHM_HDR_BYTES + REGION;
	c->map = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(c->map != MAP_FAILED, "mmap: %s", strerror(errno));
	c->size = REGION;
	c->ends = OPF_READ | OPF_WRITE;
	shm_header_init(c->map, REGION);
	CHECK(shm_set_guard(c, &op) == 0, "guard %s", kind_names[kind]);
}

static void region_free(struct chan *c)
{
	struct obj_ref ref = {.slot = 0};
	shm_guard_forget(&ref); /* the SysV guard's set */
	munmap(c->map, c->map_len);
}

/* The record of seed n (payloads made once: the writers only write). */
static ssize_t write_rec(struct chan *c, uint8_t seed)
{
	static uint8_t buf[4][REC_LEN];
	static int made[4];
	struct op op = record_op(OP_SEND, 0, REC_LEN);
	if (!made[seed & 3]) {
		payload_fill(buf[seed & 3], REC_LEN, seed, 0);
		made[seed & 3] = 1;
	}
	return shm_send(c, &op, buf[seed & 3], REC_LEN);
}

static ssize_t read_rec(struct chan *c, uint8_t *out)
{
	struct op op = record_op(OP_RECV, 0, REC_LEN);
	int64_t mtype;
	return shm_recv(c, &op, out, REC_LEN, &mtype);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Two writers for ms, the parent reading all along: how many reads were
 * torn (the record's checksum), and whether any op failed otherwise. */
static long torn_reads(unsigned kind, const char *fault, unsigned ms, int *errors)
{
	struct chan c;
	uint8_t out[REC_LEN];
	pid_t w[2];
	long torn = 0;

	set_fault(fault);
	region_new(&c, kind);
	CHECK(write_rec(&c, 1) == REC_LEN, "first record");
	for (int i = 0; i < 2; i++)
		if ((w[i] = fork()) == 0) {
			double end = now_s() + ms / 1000.0;
			int bad = 0;
			while (now_s() < end)
				bad |= write_rec(&c, (uint8_t)(2 + i)) != REC_LEN;
			_exit(bad);
		}
	for (int live = 2; live;) {
		ssize_t n = read_rec(&c, out);
		torn += n == -EBADMSG;
		*errors += n != REC_LEN && n != -EBADMSG;
		for (int i = 0; i < 2; i++) {
			int status;
			if (w[i] > 0 && waitpid(w[i], &status, WNOHANG) == w[i]) {
				*errors += !WIFEXITED(status) || WEXITSTATUS(status);
				w[i] = 0;
				live--;
			}
		}
	}
	region_free(&c);
	set_fault(NULL);
	return torn;
}

static void test_guards(void)
{
	int errors = 0;

	for (unsigned k = SHM_GUARD_MUTEX; k <= SHM_GUARD_POSIX; k++) {
		long t = torn_reads(k, NULL, 300, &errors);
		CHECK(t == 0, "guard %s: %ld torn reads", kind_names[k], t);
		CHECK(errors == 0, "guard %s: %d failed ops", kind_names[k], errors);
		errors = 0;
	}
	/* Up to three rounds, on a loaded machine: a tear needs a writer
	 * caught halfway, which one round shows many times over here. */
	long t = 0;
	for (int round = 0; round < 3 && !t; round++)
		t = torn_reads(SHM_GUARD_NONE, NULL, 1000, &errors);
	CHECK(t > 0, "guard none: two writers never tore a record (the check cannot fire)");
	printf("guard none: %ld torn reads\n", t);
	t = 0;
	for (int round = 0; round < 3 && !t; round++)
		t = torn_reads(SHM_GUARD_MUTEX, "guard-noop", 1000, &errors);
	CHECK(t > 0, "guard-noop fault: two writers never tore a record");
	printf("guard-noop: %ld torn reads\n", t);
}

/* The holder is SIGKILLed halfway through the second record; returns what
 * the next read says (fault: in the writer and the reader). */
static ssize_t read_after_killed_holder(struct chan *c, unsigned kind, const char *fault)
{
	char both[64];
	uint8_t out[REC_LEN];
	int status;

	set_fault(fault);
	region_new(c, kind);
	CHECK(write_rec(c, 1) == REC_LEN, "%s: first record", kind_names[kind]);
	pid_t pid = fork();
	if (pid == 0) {
		snprintf(both, sizeof both, "guard-die-mid%s%s", fault ? "," : "",
			 fault ? fault : "");
		set_fault(both);
		write_rec(c, 2);
		_exit(0); /* not reached: it dies halfway */
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "%s: the writer was killed halfway", kind_names[kind]);
	double t0 = now_s();
	ssize_t n = read_rec(c, out);
	CHECK(now_s() - t0 < 1.0, "%s: the next locker waited (a dead holder kept it)",
	      kind_names[kind]);
	return n;
}

static void test_killed_robust(void)
{
	struct chan c;
	uint8_t out[REC_LEN], want[REC_LEN];

	ssize_t n = read_after_killed_holder(&c, SHM_GUARD_MUTEX, NULL);
	CHECK(n == 0, "robust mutex: after EOWNERDEAD the half record is cleared (read %zd)", n);
	/* ... and everything goes on under the same lock */
	CHECK(write_rec(&c, 3) == REC_LEN, "robust mutex: a write after the repair");
	CHECK(read_rec(&c, out) == REC_LEN, "robust mutex: a read after the repair");
	payload_fill(want, REC_LEN, 3, 0);
	CHECK(!memcmp(out, want, REC_LEN), "robust mutex: the record after the repair");
	region_free(&c);
	set_fault(NULL);
}

static void test_killed_torn(void)
{
	struct chan c;
	ssize_t n;

	n = read_after_killed_holder(&c, SHM_GUARD_NONE, NULL);
	CHECK(n == -EBADMSG, "guard none: the half record reads torn (read %zd)", n);
	region_free(&c);
	n = read_after_killed_holder(&c, SHM_GUARD_MUTEX, "guard-noop");
	CHECK(n == -EBADMSG, "guard-noop: the half record reads torn (read %zd)", n);
	region_free(&c);
	n = read_after_killed_holder(&c, SHM_GUARD_SYSV, NULL);
	CHECK(n == -EBADMSG, "sysv: SEM_UNDO frees the lock, the half record reads torn (%zd)", n);
	region_free(&c);
	set_fault(NULL);
}

static int leaks(const struct audit_snapshot *s, const char *kind)
{
	char why[1024] = "";
	audit_compare(s, AUDIT_NAMESPACE, why, sizeof why);
	return kind ? strstr(why, kind) != NULL : why[0] != 0;
}

static void test_audit(void)
{
	struct audit_snapshot s;
	char name[300];

	audit_snapshot(&s);
	CHECK(!leaks(&s, NULL), "a clean snapshot reports nothing");
	int id = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	CHECK(id >= 0, "semget: %s", strerror(errno));
	CHECK(leaks(&s, "leak:sem-set"), "a semaphore set left is leak:sem-set");
	semctl(id, 0, IPC_RMID);
	CHECK(!leaks(&s, NULL), "removed again");
	sandbox_posix_name(name, sizeof name, 3, NAME_SLOT);
	sem_t *sem = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
	CHECK(sem != SEM_FAILED, "sem_open: %s", strerror(errno));
	sem_close(sem);
	CHECK(leaks(&s, "leak:sem-name"), "a /dev/shm/sem.* name left is leak:sem-name");
	CHECK(!leaks(&s, "leak:shm-name"), "... and not a plain shm name");
	sem_unlink(name);
	CHECK(!leaks(&s, NULL), "unlinked again");
}

int main(int argc, char **argv)
{
	const char *which = argc > 1 ? argv[1] : "all";
	int all = !strcmp(which, "all");

	sandbox_enter();
	if (all || !strcmp(which, "guards"))
		test_guards();
	if (all || !strcmp(which, "killed-robust"))
		test_killed_robust();
	if (all || !strcmp(which, "killed-torn"))
		test_killed_torn();
	if (all || !strcmp(which, "audit"))
		test_audit();
	return check_done("test_sync");
}
