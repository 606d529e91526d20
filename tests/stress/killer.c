/* stress_killer RUNS [MIN_MS-]MAX_MS PIDFILE -- COMMAND [ARGS...]
 *
 * Runs COMMAND RUNS times and SIGKILLs each run at a random moment between
 * MIN_MS (default 0) and MAX_MS milliseconds after it started.  It is a child subreaper, so
 * whatever a run forked becomes its child when the run dies: every one of them must be gone within
 * 5 seconds (PR_SET_PDEATHSIG), or the test fails.  A run that ends by itself before its kill must
 * exit 0.  The pids of the runs go to PIDFILE, so the caller can look for names and keys they left
 * behind. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GRACE_MS 5000

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/* Reaps every descendant; returns how many were still alive at the end. */
static int reap_all(pid_t group, int *orphans)
{
	for (int waited = 0; waited < GRACE_MS; waited++) {
		pid_t p;
		while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
			++*orphans;
		if (p < 0 && errno == ECHILD)
			return 0;
		sleep_ms(1);
	}
	int alive = 0;
	while (waitpid(-1, NULL, WNOHANG) == 0 && alive < 1000) {
		alive++;
		kill(-group, SIGKILL); /* do not leave them to the next test */
		sleep_ms(10);
	}
	return alive ? alive : 1;
}

int main(int argc, char **argv)
{
	if (argc < 6 || strcmp(argv[4], "--")) {
		fprintf(stderr,
			"usage: stress_killer RUNS [MIN_MS-]MAX_MS PIDFILE -- COMMAND [ARGS...]\n");
		return 2;
	}
	const char *dash = strchr(argv[2], '-');
	int runs = atoi(argv[1]), min_ms = dash ? atoi(argv[2]) : 0;
	int max_ms = atoi(dash ? dash + 1 : argv[2]);
	FILE *pids = fopen(argv[3], "w");
	int killed = 0, finished = 0, orphans = 0, bad = 0;

	if (!pids || runs <= 0 || max_ms <= min_ms || min_ms < 0) {
		fprintf(stderr, "stress_killer: bad arguments\n");
		return 2;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (int i = 0; i < runs; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			setpgid(0, 0);
			int devnull = open("/dev/null", O_WRONLY);
			dup2(devnull, 1);
			execv(argv[5], argv + 5);
			_exit(127);
		}
		fprintf(pids, "%d\n", (int)pid);
		fflush(pids);
		sleep_ms(min_ms + rand() % (max_ms - min_ms));
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			finished++;
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				fprintf(stderr, "run %d (pid %d) failed by itself: status %#x\n", i,
					(int)pid, st);
				bad++;
			}
		} else {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			killed++;
		}
		int alive = reap_all(pid, &orphans);
		if (alive) {
			fprintf(stderr, "run %d (pid %d): %d processes outlived it by %d ms\n", i,
				(int)pid, alive, GRACE_MS);
			bad++;
		}
	}
	fclose(pids);
	printf("stress_killer: %d runs, %d killed, %d ended by themselves, %d orphans reaped, "
	       "%d bad\n",
	       runs, killed, finished, orphans, bad);
	return bad ? 1 : 0;
}
