/* Reproducer C shared by sysv-sem and posix-sem: see sem_to_c.h. */
#define _GNU_SOURCE
#include "sem_to_c.h"

#include "actors_to_c.h"
#include "sem_count.h"

static const char helpers[] =
	"#include <semaphore.h>\n#include <sys/sem.h>\n\n"
	"#define SEM_BOUND_S %d /* a peer's wait: the kick ends it sooner */\n"
	"#define TIMED_MAX_US %uu\n"
	"enum { F_NOWAIT = %u, F_FORK = %u, F_CREAT = %u, F_EXCL = %u };\n"
	"enum { O_GETVAL = %d, O_SETVAL = %d, O_SEMSTAT = %d, O_UNDO = %d };\n"
	"#define FORM_PRIVATE %d\n\n"
	"/* send ... fork: a child of the actor makes the call; its exit status\n"
	" * is the errno. */\n"
	"static long in_child(long (*fn)(const struct cmd *, struct chan *), const struct cmd "
	"*m,\n\t\t     struct chan *c)\n{\n"
	"\tint status;\n\tfflush(stdout);\n\tpid_t pid = fork();\n"
	"\tif (pid < 0)\n\t\treturn -errno;\n"
	"\tif (pid == 0) {\n\t\tlong r = fn(m, c);\n\t\t_exit(r < 0 ? (int)-r : 0);\n\t}\n"
	"\twhile (waitpid(pid, &status, 0) < 0)\n\t\tif (errno != EINTR)\n\t\t\treturn -errno;\n"
	"\treturn WIFEXITED(status) ? -WEXITSTATUS(status) : -ECHILD;\n}\n\n"
	"/* us from now on CLOCK_REALTIME, as sem_timedwait counts. */\n"
	"static void sem_deadline(struct timespec *t, unsigned us)\n{\n"
	"\tclock_gettime(CLOCK_REALTIME, t);\n\tt->tv_sec += us / 1000000;\n"
	"\tt->tv_nsec += (long)(us %% 1000000) * 1000L;\n"
	"\tif (t->tv_nsec >= 1000000000L) {\n\t\tt->tv_sec++;\n"
	"\t\tt->tv_nsec -= 1000000000L;\n\t}\n}\n\n"
	"static void peer_setup(void)\n{\n}\n\n";

static const char *do_op_c;

static void own_helpers(FILE *f)
{
	fprintf(f, helpers, SEM_PEER_BOUND_S, SEM_TIMED_MAX_US, (unsigned)OPF_NOWAIT,
		(unsigned)OPF_FORK, (unsigned)OPF_CREAT, (unsigned)OPF_EXCL, OPT_GETVAL, OPT_SETVAL,
		OPT_SEMSTAT, OPT_UNDO, NAME_PRIVATE);
	fputs(do_op_c, f);
}

void sem_to_c(FILE *f, const struct op *op, const char *own_do_op)
{
	do_op_c = own_do_op;
	actors_to_c(f, op, own_helpers);
}
