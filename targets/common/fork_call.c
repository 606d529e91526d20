#include "fork_call.h"

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

long fork_call(long (*fn)(void *), void *arg)
{
	int status;

	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		long r = fn(arg);
		_exit(r < 0 ? (int)-r : 0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? -WEXITSTATUS(status) : -ECHILD;
}
