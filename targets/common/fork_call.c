#include "fork_call.h"

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

/* In the child: fn's result becomes the exit status. */
static _Noreturn void child_run(long (*fn)(void *), void *arg)
{
	long r = fn(arg);
	_exit(r < 0 ? (int)-r : 0);
}

/* In the caller: the child's result, from its exit status. */
static long child_result(pid_t pid)
{
	int status;

	if (pid < 0)
		return -errno;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? -WEXITSTATUS(status) : -ECHILD;
}

long fork_call(long (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid == 0)
		child_run(fn, arg);
	return child_result(pid);
}

long vfork_call(long (*fn)(void *), void *arg)
{
	/* The child only calls fn and exits, as vfork allows; ASan's vfork
	 * interceptor keeps its stack bookkeeping right across it. */
	pid_t pid = vfork();
	if (pid == 0)
		child_run(fn, arg);
	return child_result(pid);
}
