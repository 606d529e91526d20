/* What this machine charges for the three things an executor's time is made
 * of: a system call, a round trip to another process on the same core (two
 * context switches), and a fork of a small process with its exit and reap.
 * The benchmarks print it above their figures, because exec/s moves with it
 * from machine to machine far more than with any change to ipcfuzz: the same
 * tree ran fuzz-pipe at 13,300 exec/s on one 2-core machine and at 3,560 on
 * another, where a round trip between two processes on one core took 15.9 us
 * instead of about 6 (a guest whose page-table updates trap to the host).
 * Usage: machine [cpu] (default 0: the core the benchmarks pin to). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static double syscall_us(void)
{
	enum { N = 200000 };
	double t0 = now_us();
	for (int i = 0; i < N; i++)
		syscall(SYS_getppid); /* glibc caches nothing of it: a real entry */
	return (now_us() - t0) / N;
}

/* One byte there and back through two pipes; -1 when the pipes fail. */
static double round_trip_us(void)
{
	enum { N = 20000 };
	int there[2], back[2];
	char c = 0;

	if (pipe(there) || pipe(back))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		alarm(30); /* never outlives a stuck parent */
		while (read(there[0], &c, 1) == 1 && write(back[1], &c, 1) == 1)
			;
		_exit(0);
	}
	double t0 = now_us();
	for (int i = 0; i < N; i++)
		if (write(there[1], &c, 1) != 1 || read(back[0], &c, 1) != 1)
			break;
	double t = (now_us() - t0) / N;
	close(there[1]);
	waitpid(pid, NULL, 0);
	close(there[0]);
	close(back[0]);
	close(back[1]);
	return t;
}

static double fork_us(void)
{
	enum { N = 500 };
	double t0 = now_us();
	for (int i = 0; i < N; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, NULL, 0) < 0)
			return -1;
	}
	return (now_us() - t0) / N;
}

int main(int argc, char **argv)
{
	cpu_set_t one;
	int cpu = argc > 1 ? atoi(argv[1]) : 0;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof one, &one))
		fprintf(stderr, "machine: cannot pin to cpu %d, measuring unpinned\n", cpu);
	printf("machine: system call %.2f us, round trip between two processes on one core %.1f "
	       "us, fork+exit+wait %.0f us\n",
	       syscall_us(), round_trip_us(), fork_us());
	return 0;
}
