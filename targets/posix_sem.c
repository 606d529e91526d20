/* posix-sem: a POSIX semaphore, named (sem_open: a sem.* file in /dev/shm)
 * or unnamed (create name=private: sem_init with pshared=1 in a shared
 * anonymous mapping, which only the creator's forks reach: send ... fork).
 * Judged by the counting-semaphore model: send is len sem_posts, recv len
 * waits (sem_trywait with nowait, sem_timedwait with arg > 0 us), setopt
 * getval is sem_getvalue; create's size is the initial value (see
 * targets/common/sem_count.h). */
#define _GNU_SOURCE
#include "mechanism.h"

#include "common/fork_call.h"
#include "common/sem_count.h"
#include "common/sem_stress.h"
#include "common/sem_to_c.h"

#include "../src/audit/audit.h"
#include "../src/prog/ident.h"
#include "../src/sandbox/sandbox.h"
#include "../src/sync/robust_lock.h"
#include "../src/util/fault.h"

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define UNNAMED 1 /* obj_ref.key and chan.role of an unnamed semaphore */

static const char *posix_sem_probe(void)
{
	return probe_needs("/dev/shm", "no /dev/shm (tmpfs) for POSIX semaphores");
}

static int create_unnamed(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	size_t len = (size_t)sysconf(_SC_PAGESIZE);

	if (!(op->flags & OPF_CREAT))
		return -ENOENT; /* no name, nothing to open */
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (sem_init(p, 1, sem_posix_initial(op->len))) {
		int e = errno;
		munmap(p, len);
		return -e;
	}
	audit_note_map(p, len);
	c->map = p;
	c->map_len = len;
	c->role = UNNAMED;
	c->ends = OPF_READ | OPF_WRITE;
	ref->name[0] = 0;
	ref->key = UNNAMED;
	return 0;
}

static int posix_sem_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	int flags = 0;

	if (op_create_form(op) == NAME_PRIVATE)
		return create_unnamed(c, ref, op);
	sandbox_posix_name(ref->name, sizeof ref->name, op->obj, op_create_form(op));
	ref->key = 0;
	if (op->flags & OPF_CREAT)
		flags |= O_CREAT;
	if (op->flags & OPF_EXCL)
		flags |= O_EXCL;
	sem_t *s = sem_open(ref->name, flags, op_create_mode(op), sem_posix_initial(op->len));
	if (s == SEM_FAILED)
		return -errno;
	c->map = s;
	c->role = 0;
	c->ends = OPF_READ | OPF_WRITE;
	return 0;
}

static int posix_sem_join(struct chan *c, const struct obj_ref *ref)
{
	if (ref->key == UNNAMED)
		return -ENOENT;
	sem_t *s = sem_open(ref->name, 0);
	if (s == SEM_FAILED)
		return fault_on(FAULT_ACCESS_ERRNO) && errno == EACCES ? -EPERM : -errno;
	c->map = s;
	c->role = 0;
	c->ends = OPF_READ | OPF_WRITE;
	return 0;
}

/* n sem_posts, maybe by a child (send ... fork). */
struct sem_call {
	sem_t *s;
	unsigned n;
};

static long posts(void *p)
{
	struct sem_call *a = p;
	for (unsigned i = 0; i < a->n; i++)
		if (sem_post(a->s))
			return fault_on(FAULT_SEM_BAD_ERRNO) && errno == EOVERFLOW ? -EINVAL
										   : -errno;
	return 0;
}

static ssize_t posix_sem_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len)
{
	struct sem_call a = {c->map, sem_posix_count((unsigned)len)};

	(void)buf;
	if (!c->map)
		return -EBADF;
	if (fault_on(FAULT_SEM_LOST_POST))
		a.n--;
	return op->flags & OPF_FORK ? vfork_call(posts, &a) : posts(&a);
}

/* A wait with a deadline us from now (CLOCK_REALTIME, as sem_timedwait).
 * A timed wait (`timed`) of the program runs to its deadline whatever
 * signal comes (its bound is short); a peer's long one ends at the kick. */
static int wait_for(sem_t *s, unsigned long us, int timed)
{
	struct timespec t;
	int r;

	sync_deadline_us(&t, us);
	while ((r = sem_timedwait(s, &t)) && errno == EINTR && timed)
		;
	return r;
}

static ssize_t posix_sem_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap,
			      int64_t *mtype)
{
	unsigned n = sem_posix_count((unsigned)cap), us = sem_timed_us(op->arg);

	(void)buf;
	(void)mtype;
	if (!c->map)
		return -EBADF;
	if (fault_on(FAULT_HANG)) {
		pause(); /* waits although the model says it can go on */
		return -errno;
	}
	for (unsigned i = 0; i < n; i++) {
		int r = op->flags & OPF_NOWAIT ? sem_trywait(c->map)
			: us		       ? wait_for(c->map, us, 1)
					       : wait_for(c->map, SEM_PEER_BOUND_S * 1000000ul, 0);
		if (r)
			return -errno;
	}
	return 0;
}

static int posix_sem_close(struct chan *c, unsigned ends)
{
	(void)ends;
	if (c->map && c->role == UNNAMED) {
		sem_destroy(c->map);
		if (!fault_on(FAULT_SHM_LEAK_MAP))
			munmap(c->map, c->map_len);
	} else if (c->map) {
		sem_close(c->map);
	}
	c->map = NULL;
	c->ends = 0;
	return 0;
}

static int posix_sem_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	if (ref->key == UNNAMED)
		return -ENOENT; /* no name to unlink: it goes with its mappings */
	if (fault_on(FAULT_SEM_NO_UNLINK))
		return 0;
	return sem_unlink(ref->name) ? -errno : 0;
}

static int64_t posix_sem_control(struct chan *c, const struct op *op)
{
	int v;

	if (op->arg != OPT_GETVAL)
		return -ENOTSUP;
	return sem_getvalue(c->map, &v) ? -errno : v;
}

/* A file in /dev/shm (sticky, 1777) that glibc opens read-write without
 * O_CREAT first (so protected_regular never applies), made through the
 * umask; a post or wait asks nothing more. */
static const struct access_rule posix_sem_access = {
	.perm = PERM_FILE,
	.isolation = IDENT_NS_MNT,
	.join = 6,
	.umask = 1,
	.sticky = 1,
	.unlink_errno = EACCES, /* glibc's sem_unlink turns EPERM into EACCES */
	.no_protected = 1,
};

static int posix_sem_exists(const struct obj_ref *ref)
{
	char path[400];

	if (ref->key == UNNAMED)
		return 0;
	snprintf(path, sizeof path, "/dev/shm/sem.%s", ref->name + 1);
	return access(path, F_OK) == 0;
}

/* Reproducer C (src/prog/to_c.h): the calls above, as text, in the actor's
 * own process (common/sem_to_c.c).  c->map is the sem_t, c->size 1 for an
 * unnamed one (rf->key too: nothing can open it by name). */
static const char posix_sem_do_op[] =
	"#define SEM_MAX_ %uu\n\n"
	"/* create's initial value (sizes past 32000 reach SEM_VALUE_MAX) */\n"
	"static unsigned initial(unsigned len)\n{\n"
	"\treturn len <= 32000u ? len : SEM_MAX_ - (32767u - len);\n}\n\n"
	"static long posts(const struct cmd *m, struct chan *c)\n{\n"
	"\tfor (int i = 0; i < (m->len ? m->len : 1); i++)\n"
	"\t\tif (sem_post(c->map))\n\t\t\treturn -errno;\n\treturn 0;\n}\n\n"
	"/* A program's timed wait runs to its deadline whatever signal comes; a\n"
	" * peer's long one ends at the kick. */\n"
	"static long waits(const struct cmd *m, struct chan *c)\n{\n"
	"\tunsigned us = m->arg <= 0 ? 0u : (unsigned)m->arg < TIMED_MAX_US ? (unsigned)m->arg\n"
	"\t\t\t\t\t\t\t\t\t    : TIMED_MAX_US;\n"
	"\tfor (int i = 0; i < (m->len ? m->len : 1); i++) {\n"
	"\t\tstruct timespec t;\n\t\tint r;\n"
	"\t\tsem_deadline(&t, us ? us : SEM_BOUND_S * 1000000u);\n"
	"\t\tif (m->flags & F_NOWAIT)\n\t\t\tr = sem_trywait(c->map);\n"
	"\t\telse\n\t\t\twhile ((r = sem_timedwait(c->map, &t)) && errno == EINTR && us)\n"
	"\t\t\t\t;\n"
	"\t\tif (r)\n\t\t\treturn -errno;\n\t}\n\treturn 0;\n}\n\n"
	"/* One op in the actor's own process. */\n"
	"static long do_op(const struct cmd *m, struct chan *c, struct ref *rf, uint8_t *out,\n"
	"\t\t  int64_t *mtype)\n{\n"
	"\tsem_t *s;\n\tint v;\n\t(void)out;\n\t(void)mtype;\n"
	"\tswitch (m->kind) {\n\tcase K_CREATE:\n"
	"\t\tif ((m->arg & 7) == FORM_PRIVATE) { /* unnamed, in a shared mapping */\n"
	"\t\t\tsize_t len = (size_t)sysconf(_SC_PAGESIZE);\n"
	"\t\t\tif (!(m->flags & F_CREAT))\n\t\t\t\treturn -ENOENT;\n"
	"\t\t\tvoid *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, "
	"-1, 0);\n"
	"\t\t\tif (p == MAP_FAILED)\n\t\t\t\treturn -errno;\n"
	"\t\t\tif (sem_init(p, 1, initial(m->len))) {\n\t\t\t\tint e = errno;\n"
	"\t\t\t\tmunmap(p, len);\n\t\t\t\treturn -e;\n\t\t\t}\n"
	"\t\t\tc->map = p;\n\t\t\tc->map_len = len;\n\t\t\tc->size = 1;\n"
	"\t\t\trf->name[0] = 0;\n\t\t\trf->key = 1;\n"
	"\t\t} else {\n"
	"\t\t\ts = sem_open(rf->name, (m->flags & F_CREAT ? O_CREAT : 0) |\n"
	"\t\t\t\t\t\t   (m->flags & F_EXCL ? O_EXCL : 0),\n"
	"\t\t\t\t     (m->arg >> 3) & 0777, initial(m->len));\n"
	"\t\t\tif (s == SEM_FAILED)\n\t\t\t\treturn -errno;\n"
	"\t\t\tc->map = s;\n\t\t\tc->size = 0;\n\t\t\trf->key = 0;\n\t\t}\n"
	"\t\tc->ends = END_READ | END_WRITE;\n\t\treturn 0;\n"
	"\tcase K_JOIN:\n\t\tif (rf->key == 1)\n\t\t\treturn -ENOENT; /* no name */\n"
	"\t\ts = sem_open(rf->name, 0);\n\t\tif (s == SEM_FAILED)\n\t\t\treturn -errno;\n"
	"\t\tc->map = s;\n\t\tc->size = 0;\n\t\tc->ends = END_READ | END_WRITE;\n\t\treturn 0;\n"
	"\tcase K_SEND:\n\t\tif (!c->map)\n\t\t\treturn -EBADF;\n"
	"\t\treturn (m->flags & F_FORK) ? in_child(posts, m, c) : posts(m, c);\n"
	"\tcase K_RECV:\n\t\treturn c->map ? waits(m, c) : -EBADF;\n"
	"\tcase K_CLOSE:\n\t\tif (c->map && c->size) {\n\t\t\tsem_destroy(c->map);\n"
	"\t\t\tmunmap(c->map, c->map_len);\n\t\t} else if (c->map) {\n"
	"\t\t\tsem_close(c->map);\n\t\t}\n"
	"\t\tc->map = NULL;\n\t\tc->ends = 0;\n\t\treturn 0;\n"
	"\tcase K_DESTROY: /* an unnamed one goes with its mappings */\n"
	"\t\treturn rf->key == 1 ? -ENOENT : sem_unlink(rf->name) ? -errno : 0;\n"
	"\tcase K_SETOPT:\n"
	"\t\tif (m->arg != O_GETVAL)\n\t\t\treturn -ENOTSUP;\n"
	"\t\treturn sem_getvalue(c->map, &v) ? -errno : v;\n\t}\n"
	"\treturn -ENOTSUP;\n}\n";

static void posix_sem_to_c(FILE *f, const struct op *op)
{
	static char code[sizeof posix_sem_do_op + 16];

	snprintf(code, sizeof code, posix_sem_do_op, (unsigned)SEM_POSIX_MAX);
	sem_to_c(f, op, code);
}

const struct mechanism mech_posix_sem = {
	.id = "posix-sem",
	.summary = "POSIX semaphore (sem_open named, or sem_init unnamed in shared memory)",
	.cls = CLASS_COUNTING_SEM,
	.join_path = JOIN_BY_NAME,
	.naming = NAMING_SEM_NAME,
	.probe = posix_sem_probe,
	.create = posix_sem_create,
	.join = posix_sem_join,
	.send = posix_sem_send,
	.recv = posix_sem_recv,
	.close = posix_sem_close,
	.destroy = posix_sem_destroy,
	.control = posix_sem_control,
	.access = &posix_sem_access,
	.exists = posix_sem_exists,
	.stress = &posix_sem_stress,
	.options = 1ull << OPT_GETVAL,
	.to_c = posix_sem_to_c,
	.to_c_actors = 1,
};
